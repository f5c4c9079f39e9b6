"""Every web form survives bad input: over-long text, wrong types, bad dates, empty fields.

Walks the app's pages that show a form, fills every field with hostile values and posts
them back.  Nothing may answer 500; the form comes back with messages or the request is
refused with a 4xx.
"""

from __future__ import annotations

import re

import pytest

from question_bank import load_builtin_bank

from quiz.extensions import db
from quiz.services import attempts
from quiz.training import levels
from quiz.services.clock import now_utc
from quiz.services.questions import import_question_records
from quiz.services.quizzes import RuleSpec

from helpers import PASSWORD, T0

FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)
HOSTILE_VALUES = [
    "",
    "x" * 20000,
    "-1",
    "99999999999999999999",
    "2026-13-45T25:61",
    "abc",
    "<script>alert(1)</script>",
    "１２３",
]


@pytest.fixture
def seeded(app, build):
    import_question_records(load_builtin_bank().records)
    unit = build.unit("办公室")
    admin = build.user("robust_admin", role="admin", unit=unit)
    employee = build.user("robust_employee", unit=unit)
    quiz = build.quiz([RuleSpec(count=3, type="single", points=2)], created_by=admin)
    attempts.start_attempt(employee, quiz, now_utc())
    levels.seed_demo_series(admin, {}, T0)
    db.session.commit()
    return admin


def form_pages(app):
    for rule in app.url_map.iter_rules():
        if {"GET", "POST"} <= rule.methods and not rule.rule.startswith("/api/"):
            values = {name: 1 for name in rule.arguments}
            try:
                yield rule.build(values, append_unknown=False)[1]
            except Exception:  # converters that need other values: not a form page
                continue


def test_no_form_answers_500_to_hostile_input(app, client, seeded):
    failures = []
    checked = []
    anonymous_forms = ["/login", "/register"]
    for url in anonymous_forms + ["LOGIN"] + sorted(set(form_pages(app)) - set(anonymous_forms)):
        if url == "LOGIN":
            client.post("/login", data={"username": "robust_admin", "password": PASSWORD})
            continue
        page = client.get(url)
        if page.status_code != 200 or "text/html" not in page.content_type:
            continue
        names = sorted(set(FIELD.findall(page.data.decode())) - {"csrf_token"})
        if not names:
            continue
        checked.append(url)
        for value in HOSTILE_VALUES:
            response = client.post(url, data={name: value for name in names})
            if response.status_code >= 500:
                failures.append((url, value[:20], response.status_code))
        if url.startswith("/logout"):
            client.post("/login", data={"username": "robust_admin", "password": PASSWORD})
    print("forms checked:", checked)
    assert len(checked) >= 10
    assert not failures, failures
