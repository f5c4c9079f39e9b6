"""Every route is protected by the role it needs (walks app.url_map, web and API).

Each endpoint's view must either be marked public (an explicit allow-list below) or carry
the roles it requires; then anonymous users and wrong roles are refused in practice.
"""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import AnyConverter, NumberConverter

from helpers import PASSWORD, T0
from org_helpers import build_org_tree

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


@pytest.mark.parametrize("role", ["employee", "manager", "trainer"])
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


#: Endpoints open to unit managers that name no unit or person of their own, and why; every other
#: manager endpoint is unit-scoped and must refuse a manager of a sibling unit (403).
MANAGER_UNSCOPED = {
    ("org.index", "GET"),                  # a redirect to the people list
    ("org.user_new", "GET"),               # the empty form, its unit choices already limited to the subtree
    ("org.user_template", "GET"),          # the blank import template
    ("org.credentials_export", "POST"),    # echoes the passwords the page just showed, no unit
    ("org.user_import_upload", "GET"),     # the upload form; its rows are checked (tests/test_managers.py)
    ("org.user_import_upload", "POST"),
    ("org.user_import_preview", "GET"),    # a pending import is its uploader's own
    ("org.user_import_confirm", "POST"),
    ("org.user_import_cancel", "POST"),
    ("records.units", "GET"),              # a redirect to the 培训台账 of the manager's own unit
}


def _scoped_url(rule, org, quiz) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name == "user_id":
            values[name] = org.team_worker.id
        elif name == "unit_id":
            values[name] = org.bureau.id
        elif name == "quiz_id":
            values[name] = quiz.id
        else:
            values[name] = 1 if isinstance(converter, NumberConverter) else "x"
    url = rule.build(values, append_unknown=False)[1]
    return f"{url}?unit_id={org.bureau.id}&target=quiz:{quiz.id}&quiz_id={quiz.id}"


def _manager_routes(app):
    for rule, method in routes(app):
        roles = getattr(endpoint_view(app, rule.endpoint), "required_roles", None)
        if roles and "manager" in roles and (rule.endpoint, method) not in MANAGER_UNSCOPED:
            yield rule, method


@pytest.mark.parametrize("who", ["sibling_manager", "district_manager"])
def test_unit_scoped_endpoints_refuse_a_sibling_manager(app, client, build, who):
    """Every manager endpoint on the bureau's people: 403 for the sibling 局's manager, open to the district's."""
    org = build_org_tree(build)
    quiz = build.quiz(now=T0)
    manager = getattr(org, who)
    client.post("/login", data={"username": manager.username, "password": PASSWORD})
    token = client.post("/api/v1/tokens", json={"username": manager.username, "password": PASSWORD}).json["token"]
    form = {"username": f"access_{who}", "display_name": "新用户", "unit_id": org.bureau.id, "role": "employee",
            "password": ""}
    checked, failures = [], []
    for rule, method in _manager_routes(app):
        url = _scoped_url(rule, org, quiz)
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers, data=form if method == "POST" else None)
        checked.append(rule.endpoint)
        refused = response.status_code == 403
        if refused != (who == "sibling_manager") or response.status_code >= 500:
            failures.append((method, url, response.status_code))
    assert "api.unit_non_participants" in checked and "org.person" in checked and "org.user_reset_password" in checked
    assert not failures, failures
