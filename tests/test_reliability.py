"""Answers are never lost: SIGKILL the app server while 50 employees save, restart, check.

The server is gunicorn (as in production) on a database of the test run (SQLite file or
PostgreSQL schema).  Every answer that got a 200 before the kill must be stored after it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from quiz.extensions import db
from quiz.models import Answer
from quiz.services import accounts
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

from helpers import ROOT

EMPLOYEES = 50
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, port: int, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "reliability",
           "QUIZ_INSTANCE_PATH": str(instance), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def put(port: int, token: str, path: str, body: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # connection refused or reset: the server is gone; the client would retry


def started_attempts(build, quiz, unit, prefix: str, count: int) -> list[tuple[str, int, list[int]]]:
    """``count`` employees of ``unit`` (``prefix``0, ``prefix``1, ...), each with an API token and a
    started attempt at ``quiz``: one (token, attempt id, question ids) per employee."""
    from quiz.services import attempts

    work = []
    for i in range(count):
        user = build.user(f"{prefix}{i}", unit=unit)
        token, _ = accounts.issue_token(user, now_utc(), 3600)
        attempt, _ = attempts.start_attempt(user, quiz, now_utc())
        db.session.commit()
        work.append((token, attempt.id, [item.question_id for item in attempt.questions]))
    return work


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_sigkill_during_saves_loses_no_acknowledged_answer(app, build, tmp_path):
    build.questions(20, type="single")
    quiz = build.quiz([RuleSpec(count=20, type="single", points=1)], time_limit_seconds=3600)
    work = started_attempts(build, quiz, build.unit("可靠性测试单位"), "kill", EMPLOYEES)

    port = free_port()
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    server = start_server(database_url, port, tmp_path / "instance")
    acknowledged: list[tuple[int, int, int]] = []
    attempted: list[tuple[int, int, int]] = []
    lock = threading.Lock()
    killed = threading.Event()

    def employee(job):
        token, attempt_id, question_ids = job
        for round_number in range(3):
            for question_id in question_ids:
                if killed.is_set():
                    return
                choice = (question_id + round_number) % 4
                with lock:
                    attempted.append((attempt_id, question_id, choice))
                status = put(port, token, f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
                             {"selected": [choice]})
                if status == 200:
                    with lock:
                        acknowledged.append((attempt_id, question_id, choice))

    with ThreadPoolExecutor(EMPLOYEES) as pool:
        futures = [pool.submit(employee, job) for job in work]
        deadline = time.time() + 60
        while len(acknowledged) < 400 and time.time() < deadline:
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-request
        killed.set()
        for future in futures:
            future.result()
    server.wait(10)
    assert len(acknowledged) >= 400, "the server acknowledged too few saves before the kill"

    server = start_server(database_url, port, tmp_path / "instance")
    try:
        db.session.rollback()
        stored = {(a, q): s for a, q, s in db.session.execute(
            db.select(Answer.attempt_id, Answer.question_id, Answer.selected))}
        latest: dict[tuple[int, int], int] = {}
        for attempt_id, question_id, choice in acknowledged:
            latest[(attempt_id, question_id)] = choice
        missing = [key for key in latest if key not in stored]
        assert not missing, f"{len(missing)} acknowledged answers lost"
        # Each employee saves one answer at a time: what is stored is the last acknowledged
        # choice, or the one request that was in flight when the server died.
        last_sent = {}
        for attempt_id, question_id, choice in attempted:
            last_sent[attempt_id] = (question_id, choice)
        in_flight = {(attempt_id, q): c for attempt_id, (q, c) in last_sent.items()}
        wrong = [key for key, choice in latest.items() if stored[key] not in ([choice], [in_flight.get(key)])]
        assert not wrong, wrong[:5]
        # and the restarted server serves them
        token, attempt_id, _ = work[0]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/attempts/{attempt_id}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
