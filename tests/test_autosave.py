"""The autosave's one statement: every check it makes, and a refusal that changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine
from helpers import T0, minutes

from quiz.extensions import db
from quiz.models import Answer
from quiz.services import attempts


def _stored(attempt_id: int, question_id: int):
    db.session.expire_all()
    answer = db.session.scalar(db.select(Answer).where(Answer.attempt_id == attempt_id,
                                                       Answer.question_id == question_id))
    return None if answer is None else answer.selected


def test_every_refusal_says_why_and_keeps_the_saved_selection(build, api):
    quiz = build.quiz(time_limit_seconds=600)
    session = api(build.user())
    with time_machine.travel(T0, tick=False):
        attempt = session.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
        single = next(q for q in attempt["questions"] if q["type"] == "single")
        multiple = next(q for q in attempt["questions"] if q["type"] == "multiple")

        def put(question, selected):
            return session.put(f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                               json={"selected": selected})

        assert put(single, [1]).status_code == 200
        assert put(multiple, [0, 2]).status_code == 200
        refusals = [
            (single, [0, 1], "invalid_answer"),                   # two options on a single-choice question
            (single, [len(single["options"])], "invalid_answer"),  # no such option
            (single, [-1], "validation_error"),                   # refused by the schema already
            (multiple, [1, 1], "invalid_answer"),                 # the same option twice
            (multiple, [0, len(multiple["options"])], "invalid_answer"),
        ]
        for question, selected, error in refusals:
            response = put(question, selected)
            assert response.status_code == 422 and response.json["error"] == error, (selected, response.json)
        assert _stored(attempt["id"], single["id"]) == [1]
        assert _stored(attempt["id"], multiple["id"]) == [0, 2]

        not_in_attempt = session.put(f"/api/v1/attempts/{attempt['id']}/answers/999999", json={"selected": [0]})
        assert not_in_attempt.status_code == 404 and not_in_attempt.json["error"] == "question_not_in_attempt"

        assert put(multiple, [2, 0, 1]).status_code == 200  # stored sorted
        assert _stored(attempt["id"], multiple["id"]) == [0, 1, 2]
        assert put(single, []).status_code == 200          # clearing an answer is a save too
        assert _stored(attempt["id"], single["id"]) == []

    with time_machine.travel(T0 + minutes(11), tick=False):
        # Past the deadline the attempt's end is the answer, even to a malformed selection.
        late = put(single, [0, 0])
        assert late.status_code == 409 and late.json["error"] == "time_up"
        assert _stored(attempt["id"], single["id"]) == []


def test_a_save_joins_the_transaction_and_only_its_commit_keeps_it(build):
    """Services never commit, the autosave included, on every database: the request commits."""
    quiz = build.quiz(time_limit_seconds=600)
    user = build.user()
    attempt, _ = attempts.start_attempt(user, quiz, T0, random.Random(1))
    attempt_id, question_id, deadline = attempt.id, attempt.questions[0].question_id, attempt.deadline_at
    db.session.commit()

    returned = attempts.save_answer(attempt_id, user.id, question_id, [0], T0)
    assert returned == deadline and returned.utcoffset() == timedelta(0)  # through the column type, both ways
    assert db.session().in_transaction()
    db.session.rollback()
    assert _stored(attempt_id, question_id) is None

    attempts.save_answer(attempt_id, user.id, question_id, [1], T0)
    db.session.commit()
    assert _stored(attempt_id, question_id) == [1]


def test_the_autosave_request_is_one_autocommitted_statement_on_postgresql(build, api):
    """On PostgreSQL the save request's only statement runs in autocommit (no BEGIN/COMMIT
    round trips); a request that already opened a transaction joins it instead."""
    from sqlalchemy import event  # noqa: PLC0415

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite commits in process: nothing to save")
    quiz = build.quiz(time_limit_seconds=600)
    user = build.user()
    client = api(user)
    attempt = client.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
    question_id = attempt["questions"][0]["id"]
    seen = []

    def record(conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO ANSWER"):
            seen.append(conn.connection.dbapi_connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.put(f"/api/v1/attempts/{attempt['id']}/answers/{question_id}", json={"selected": [1]}).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen == [True]
    assert _stored(attempt["id"], question_id) == [1]


def test_an_autosave_makes_no_orm_session_on_postgresql(app, build):
    """The autosave's one statement needs no ORM session: none is made to ask which database this
    is (quiz.database.dialect_name), so none is torn down at the request's end."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the save joins the session's transaction")
    quiz = build.quiz(time_limit_seconds=600)
    user = build.user()
    attempt, _ = attempts.start_attempt(user, quiz, T0, random.Random(1))
    attempt_id, user_id, question_id = attempt.id, user.id, attempt.questions[0].question_id
    db.session.commit()
    with app.app_context():  # a request's own context: Flask-SQLAlchemy scopes sessions by it
        attempts.save_answer(attempt_id, user_id, question_id, [2], T0)
        assert not db.session.registry.has()
    assert _stored(attempt_id, question_id) == [2]
