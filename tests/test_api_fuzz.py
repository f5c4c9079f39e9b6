"""Schemathesis drives every operation of the OpenAPI document with generated requests.

Bounded (a fixed number of examples per operation) so it fits in CI.  Checks: no 5xx,
and every response matches its documented status codes, content type and schema.
"""

from __future__ import annotations

import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck, given, settings

from question_bank import load_builtin_bank

from quiz.extensions import db
from quiz.models import User
from quiz.services import accounts, quizzes
from quiz.services.clock import now_utc
from quiz.services.questions import import_question_records

EXAMPLES_PER_OPERATION = 20
#: Schema-valid is not always acceptable: an uploaded file's content, a quiz whose rules the
#: bank cannot satisfy or a duplicate name are refused with 4xx by design.
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


def seed(app, build) -> int:
    import_question_records(load_builtin_bank().records)
    unit = build.unit("区图书馆")
    build.user("fuzz_employee", unit=unit)
    admin = build.user("fuzz_admin", role="admin", unit=unit)
    quizzes.create_quiz(quizzes.QuizSettings(title="模糊测试竞赛", time_limit_seconds=600, max_attempts=None),
                        [quizzes.RuleSpec(count=5, type="single", points=2)], None, now_utc())
    db.session.commit()
    return admin.id


def test_api_operations_conform(app, build):
    admin_id = seed(app, build)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            # A fresh token for every call: one of the operations revokes the token it is called with.
            token, _ = accounts.issue_token(db.session.get(User, admin_id), now_utc(), 3600)
            db.session.commit()
            # identity: the WSGI test client hands schemathesis the body as sent; compressed
            # bodies (Flask-Compress) are tested in tests/test_static_files.py
            case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
                                   excluded_checks=EXCLUDED_CHECKS)

        exercise()
