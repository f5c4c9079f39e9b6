"""Many simultaneous saves, starts and submits against a served app (threads, real HTTP).

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL: nothing that got a 200 is
lost, no 5xx appears, and races never open two attempts or change a result.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from quiz.extensions import db
from quiz.models import Answer, Attempt
from quiz.services import accounts
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

EMPLOYEES = 16


def call(base: str, method: str, path: str, token: str, body=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def make_employees(build, count):
    unit = build.unit("并发测试单位")
    tokens = []
    for i in range(count):
        user = build.user(f"load{i}", unit=unit)
        token, _ = accounts.issue_token(user, now_utc(), 3600)
        tokens.append(token)
    db.session.commit()
    return tokens


def test_simultaneous_starts_open_one_attempt(build, live_server):
    quiz = build.quiz(max_attempts=3)
    quiz_id = quiz.id  # threads have no app context: read ORM attributes here
    (token,) = make_employees(build, 1)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: call(live_server.url, "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token),
                                range(8)))
    statuses = sorted(status for status, _ in results)
    assert all(status in (200, 201) for status in statuses), results
    assert len({body["id"] for _, body in results}) == 1
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1


def test_saves_and_submits_under_load(build, live_server):
    build.questions(20, type="single")
    build.questions(10, type="multiple")
    quiz = build.quiz([RuleSpec(count=12, type="single", points=1), RuleSpec(count=8, type="multiple", points=2)])
    quiz_id = quiz.id  # threads have no app context: read ORM attributes here
    tokens = make_employees(build, EMPLOYEES)
    base = live_server.url

    def start(token):
        return call(base, "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token)

    with ThreadPoolExecutor(EMPLOYEES) as pool:
        attempts = list(pool.map(start, tokens))
    assert all(status == 201 for status, _ in attempts)

    saves = []
    for token, (_, attempt) in zip(tokens, attempts):
        for question in attempt["questions"]:
            selected = [0] if question["type"] == "single" else [0, 1]
            saves.append((token, attempt["id"], question["id"], selected))
            saves.append((token, attempt["id"], question["id"], [1] if question["type"] == "single" else [1, 2]))

    def save(item):
        token, attempt_id, question_id, selected = item
        status, body = call(base, "PUT", f"/api/v1/attempts/{attempt_id}/answers/{question_id}", token,
                            {"selected": selected})
        return item, status

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(save, saves))
    assert all(status == 200 for _, status in results), [r for r in results if r[1] != 200][:5]

    def submit(pair):
        token, attempt_id = pair
        return call(base, "POST", f"/api/v1/attempts/{attempt_id}/submit", token)

    pairs = [(token, attempt["id"]) for token, (_, attempt) in zip(tokens, attempts)] * 2  # double submits
    with ThreadPoolExecutor(16) as pool:
        submitted = list(pool.map(submit, pairs))
    assert all(status == 200 for status, _ in submitted)
    by_attempt = {}
    for _, body in submitted:
        by_attempt.setdefault(body["attempt_id"], []).append(body)
    assert all(first == second for first, second in by_attempt.values())  # the same result twice

    db.session.rollback()
    # every answer that got a 200 is stored (the later of the two saves of each question wins)
    stored = db.session.execute(db.select(Answer.attempt_id, Answer.question_id, Answer.selected)).all()
    assert len(stored) == EMPLOYEES * 20
    assert db.session.scalar(
        db.select(db.func.count(Attempt.id)).where(Attempt.status == "submitted")) == EMPLOYEES


def test_save_racing_submit_either_counts_or_is_refused(build, live_server):
    """An answer that got a 200 is always part of the graded result, whatever the order."""
    build.questions(10, type="single", options=["甲", "乙", "丙", "丁"], correct=[1])
    quiz = build.quiz([RuleSpec(count=10, type="single", points=1)], max_attempts=None)
    tokens = make_employees(build, 6)
    base = live_server.url
    for token in tokens:
        status, attempt = call(base, "POST", f"/api/v1/quizzes/{quiz.id}/attempts", token)
        jobs = [("save", q["id"]) for q in attempt["questions"]] + [("submit", None)]

        def run(job):
            kind, question_id = job
            if kind == "save":
                return job, call(base, "PUT", f"/api/v1/attempts/{attempt['id']}/answers/{question_id}",
                                 token, {"selected": [1]})
            return job, call(base, "POST", f"/api/v1/attempts/{attempt['id']}/submit", token)

        with ThreadPoolExecutor(11) as pool:
            outcomes = list(pool.map(run, jobs))
        saved_ok = sum(1 for (kind, _), (status, _) in outcomes if kind == "save" and status == 200)
        refused = sum(1 for (kind, _), (status, _) in outcomes if kind == "save" and status == 409)
        assert saved_ok + refused == 10
        result = next(body for (kind, _), (status, body) in outcomes if kind == "submit")
        assert result["score"] == saved_ok
