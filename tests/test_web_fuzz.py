"""Every web route, as each role, with generated hostile query parameters and form fields: no 5xx.

The field names are the ones the pages themselves show (every <input>, <select> and <textarea>
of every page the crawl reaches) plus the query parameters the views read; the values are drawn
by hypothesis from hostile shapes: numbers beyond any integer column, years 1 and 9999, line
breaks, control and right-to-left characters, markup, SQL, long and non-ASCII text.  Bounded
(EXAMPLES per route and role, derandomized) so that it runs in well under a minute.
The API has its own generated tests (tests/test_api_fuzz.py, schemathesis).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.extensions import db
from quiz.services import attempts
from quiz.services.clock import now_utc

from helpers import PASSWORD

EXAMPLES = 3
#: Query parameters the views read (grep request.args), beyond the fields their pages show.
QUERY_PARAMETERS = ["page", "category_id", "unit_id", "target_id", "actor_id", "category", "unit", "q", "role",
                    "enabled", "status", "type", "difficulty", "active", "top", "theme", "w", "name", "show",
                    "code", "citing", "inactive", "target_type", "action", "next", "since", "v"]
#: Ending the session would leave the rest of the run signed out; logout is covered elsewhere.
SKIPPED_ENDPOINTS = {"static", "bootstrap.static", "auth.logout"}
#: For a POST route no crawled form posts to (JSON endpoints of the pages, for instance).
FALLBACK_FIELDS = {"username", "password", "confirm", "current", "display_name", "name", "kind", "label", "title",
                   "question_id", "selected", "answers", "position", "count", "category_id", "on_existing"}

HOSTILE = [
    "", " ", "0", "-1", "1", "2", str(2**31), str(2**31 - 1), str(2**63), "9" * 40, "-" + "9" * 40, "1e309",
    "nan", "inf", "-0", "0x1f", "1.5", "１２", "١٢", "0001-01-01", "9999-12-31", "0001-01-01T00:00",
    "9999-12-31T23:59", "2026-02-30T25:61", "true", "null", "[]", "{}", "第一行\n第二行", "\r\n", "\u2028",
    "\u202e反转", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "😀" * 20, "x" * 5000,
    "安全" * 300, "employee", "admin", "single", "all", "mine", "on", "off",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
)


from quiz.offline import services as offline_services  # noqa: E402  (a session for the /offline routes)


def seed(build):
    unit = build.unit("区图书馆")
    users = {role: build.user(f"fuzz_{role}", role=role, unit=unit) for role in ("employee", "trainer", "admin")}
    victim = build.user("fuzz_victim", unit=unit)  # what admin actions act on, not the signed-in accounts
    quiz = build.quiz(title="模糊测试\n竞赛", max_attempts=None)
    attempts.start_attempt(users["employee"], quiz, now_utc(), __import__("random").Random(1))
    start = now_utc() - __import__("datetime").timedelta(minutes=5)
    session = offline_services.create_session(offline_services.SessionFields(
        "模糊测试培训", starts_at=start, ends_at=start + __import__("datetime").timedelta(hours=1)), users["trainer"], now_utc())
    db.session.commit()
    ids = {"quiz_id": quiz.id, "user_id": victim.id, "unit_id": unit.id, "attempt_id": 1, "question_id": 1,
           "session_id": session.id}
    return users, ids


def urls_of(rule, ids) -> list[str]:
    """The rule's URLs with seeded ids (every choice of an <any(...)> part); none for <path:...>."""
    choices = [{}]
    for name in rule.arguments:
        converter = rule._converters[name]
        kind = converter.__class__.__name__
        if kind == "PathConverter":
            return []
        if kind == "AnyConverter":
            options = sorted(converter.items)
        elif "Integer" in kind or "DatabaseId" in kind:
            options = [ids.get(name, 1)]
        else:
            options = [{"name": "units", "code": "ABCD-1234"}.get(name, "x" * 32)]
        choices = [{**values, name: option} for values in choices for option in options]
    return [rule.build(values, append_unknown=False)[1] for values in choices]


def field_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html)) - {"csrf_token"}


def forms_on(url: str, html: str):
    """(the URL a form posts to, its field names) for each <form> of a page."""
    for chunk in html.split("<form")[1:]:
        action = re.match(r'[^>]*\saction="([^"]*)"', chunk)
        target = (action.group(1).replace("&amp;", "&") if action and action.group(1) else url).split("?")[0]
        yield target, field_names(chunk.split("</form>")[0])


def test_no_web_route_answers_5xx_to_hostile_input(app, client, build):
    users, ids = seed(build)
    rules = [rule for rule in app.url_map.iter_rules()
             if not rule.rule.startswith("/api/") and rule.endpoint not in SKIPPED_ENDPOINTS]
    targets = [(rule, url) for rule in rules for url in urls_of(rule, ids)]
    assert len(targets) >= 80

    def login(user):
        client.post("/logout")
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302

    # The field names each page shows and each form posts, to every role.
    shown: dict[str, set[str]] = {}
    posted: dict[str, set[str]] = {}
    for user in users.values():
        login(user)
        for rule, url in targets:
            if "GET" in rule.methods:
                response = client.get(url)
                if response.mimetype == "text/html":
                    html = response.get_data(as_text=True)
                    shown.setdefault(url, set()).update(field_names(html))
                    for target, names in forms_on(url, html):
                        posted.setdefault(target, set()).update(names)
                response.close()
    everything = set().union(*shown.values(), *posted.values())
    assert {"username", "password", "title", "opens_at"} <= everything

    def names_for(method: str, url: str) -> list[str]:
        found = shown.get(url, set()) if method == "GET" else posted.get(url) or shown.get(url) or FALLBACK_FIELDS
        return sorted(set(QUERY_PARAMETERS) | found)

    failures = []
    signed_out = [False]
    for role, user in [(None, None), *users.items()]:
        if user:
            login(user)
        else:
            client.post("/logout")
        for rule, url in targets:
            if user and signed_out[0]:
                login(user)  # a password change or similar ended the session
                signed_out[0] = False
            for method in sorted(rule.methods & {"GET", "POST"}):

                @given(values=st.fixed_dictionaries({name: VALUES for name in names_for(method, url)}))
                @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
                def exercise(values):
                    if method == "GET":
                        response = client.get(url, query_string=values)
                    else:
                        response = client.post(url, data=values, query_string={"page": values["page"]})
                    response.close()
                    if response.status_code == 302 and response.location.startswith("/login"):
                        signed_out[0] = True
                    if response.status_code >= 500:
                        failures.append((role, method, url, {k: v[:60] for k, v in values.items() if v}))

                exercise()
    assert not failures, failures[:5]
