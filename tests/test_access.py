"""Every route is protected by the role it needs (walks app.url_map, web and API).

Each endpoint's view must either be marked public (an explicit allow-list below) or carry
the roles it requires; then anonymous users and wrong roles are refused in practice.
"""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import AnyConverter, NumberConverter

from helpers import PASSWORD

#: Reachable without signing in, and why.
PUBLIC_ENDPOINTS = {
    "static",                   # CSS, JS, fonts
    "bootstrap.static",         # Bootstrap served locally
    "auth.login",
    "auth.register",
    "ops.healthz",              # load balancers
    "openapi.spec",             # the API's own documentation
    "api.create_token",         # exchanging a password for a token
    "ui.favicon",               # /favicon.ico, asked for by browsers on their own
}
#: Public too, but found by their @public marker: the certificate check and the big-screen link.
MARKED_PUBLIC_PREFIXES = ("verify.", "boards.display", "boards.public", "training.verify")

SKIP_METHODS = {"HEAD", "OPTIONS"}


def endpoint_view(app, endpoint):
    return app.view_functions[endpoint]


def sample_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if isinstance(converter, NumberConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - SKIP_METHODS):
            yield rule, method


def is_public(app, endpoint) -> bool:
    view = endpoint_view(app, endpoint)
    return endpoint in PUBLIC_ENDPOINTS or getattr(view, "is_public", False)


def test_every_endpoint_is_public_or_role_protected(app):
    unprotected = []
    for rule, _method in routes(app):
        view = endpoint_view(app, rule.endpoint)
        if is_public(app, rule.endpoint):
            continue
        if not hasattr(view, "required_roles"):
            unprotected.append(rule.endpoint)
    assert not unprotected, f"endpoints without a role check: {sorted(set(unprotected))}"


def test_public_views_are_on_the_allow_list(app):
    marked = {rule.endpoint for rule, _ in routes(app) if getattr(endpoint_view(app, rule.endpoint), "is_public", False)}
    unexpected = {e for e in marked - PUBLIC_ENDPOINTS if not e.startswith(MARKED_PUBLIC_PREFIXES)}
    assert not unexpected, f"public views not on the allow-list: {unexpected}"


def test_anonymous_users_are_refused_everywhere(app, client):
    failures = []
    for rule, method in routes(app):
        if is_public(app, rule.endpoint):
            continue
        url = sample_url(rule)
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            ok = response.status_code == 401 and response.is_json
        else:
            ok = response.status_code in (302, 401) and (
                response.status_code == 401 or "/login" in response.headers.get("Location", ""))
        if not ok:
            failures.append((method, url, response.status_code))
    assert not failures, failures


@pytest.mark.parametrize("role", ["employee", "trainer"])
def test_wrong_roles_are_refused(app, client, build, role):
    user = build.user(f"access_{role}", role=role, unit=build.unit())
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    token = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}).json["token"]
    failures = []
    for rule, method in routes(app):
        view = endpoint_view(app, rule.endpoint)
        roles = getattr(view, "required_roles", None)
        if is_public(app, rule.endpoint) or not roles or role in roles:
            continue
        url = sample_url(rule)
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers)
        if response.status_code != 403:
            failures.append((method, url, response.status_code))
    assert not failures, failures
