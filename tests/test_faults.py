"""Faults the platform survives: PostgreSQL restarting, Redis gone, the disk refusing writes.

(A server restart mid-quiz: tests/test_reliability.py.)
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from quiz import create_app
from quiz.errors import DATABASE_UNAVAILABLE, STORAGE_FULL, STORAGE_READ_ONLY, database_fault
from quiz.extensions import db, limiter
from quiz.models import Answer, Attempt
from quiz.services import accounts, attempts
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

from helpers import PASSWORD
from test_reliability import GUNICORN, free_port, put, start_server, started_attempts

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, connections are refused


def on_postgresql() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL"))


def started_attempt(build, username="zhangsan"):
    """An employee with an attempt in progress on a 3-question quiz, and a bearer token."""
    build.questions(3, type="single")
    quiz = build.quiz([RuleSpec(count=3, type="single", points=1)], time_limit_seconds=3600)
    user = build.user(username)
    token, _ = accounts.issue_token(user, now_utc(), 3600)
    attempt, _ = attempts.start_attempt(user, quiz, now_utc())
    db.session.commit()
    return user, token, attempt, [item.question_id for item in attempt.questions]


# ---------------------------------------------------------------- classification


def test_real_sqlite_disk_full_and_read_only_errors_are_faults(tmp_path):
    """SQLite itself raises them: a database capped at its size, and one opened read-only."""
    path = tmp_path / "tiny.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x BLOB)")
    with pytest.raises(OperationalError) as full, engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA max_page_count = 3")
        connection.exec_driver_sql("INSERT INTO t VALUES (randomblob(100000))")
    assert "full" in str(full.value.orig)
    assert database_fault(full.value) == STORAGE_FULL
    engine.dispose()

    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as refused, read_only.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert database_fault(refused.value) == STORAGE_READ_ONLY
    read_only.dispose()


class FakePgError(Exception):
    def __init__(self, message, sqlstate):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "fault"), [
    ("53100", STORAGE_FULL), ("25006", STORAGE_READ_ONLY), ("57P01", DATABASE_UNAVAILABLE),
    ("08006", DATABASE_UNAVAILABLE), ("42601", None), ("23505", None),
])
def test_postgresql_sqlstates(sqlstate, fault):
    error = OperationalError("INSERT ...", {}, FakePgError("x", sqlstate))
    assert database_fault(error) == fault


def test_program_errors_are_not_faults():
    error = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nope"))
    assert database_fault(error) is None
    assert database_fault(ValueError("x")) is None


# ---------------------------------------------------------------- the disk refusing a write (SQLite)


@pytest.fixture
def refusing_disk(app):
    """Every new connection of the app's engine refuses writes, as a disk that went read-only
    does: SQLite's own read-only mode raises "attempt to write a readonly database";
    PostgreSQL's read-only transactions raise SQLSTATE 25006.  Undone afterwards."""
    state = {"on": False}
    sqlite = db.engine.dialect.name == "sqlite"

    def refuse(dbapi_connection, _record):
        if not state["on"]:
            return
        if sqlite:
            dbapi_connection.execute("PRAGMA query_only = 1")
        else:
            dbapi_connection.execute("SET SESSION default_transaction_read_only = on")
            dbapi_connection.commit()

    event.listen(db.engine, "connect", refuse)

    def switch(on: bool):
        db.session.commit()
        db.engine.dispose()  # the pooled connections were made before the switch
        state["on"] = on

    yield switch
    switch(False)
    event.remove(db.engine, "connect", refuse)


def test_autosave_on_a_refusing_disk_is_a_clear_507_and_stores_nothing(client, build, refusing_disk, caplog):
    _, token, attempt, question_ids = started_attempt(build)
    refusing_disk(True)
    with caplog.at_level(logging.ERROR):
        response = client.put(f"/api/v1/attempts/{attempt.id}/answers/{question_ids[0]}", json={"selected": [0]},
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 507
    assert response.json["error"] == "storage_read_only" and "未保存" in response.json["message"]
    assert response.headers["Retry-After"] == "5"
    assert "Traceback" not in response.get_data(as_text=True)
    assert not any(r.name == "quiz.errors" and r.exc_info for r in caplog.records)  # a fault, not a bug
    refusing_disk(False)
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0
    # and once the disk takes writes again, the page's retry succeeds
    retried = client.put(f"/api/v1/attempts/{attempt.id}/answers/{question_ids[0]}", json={"selected": [0]},
                         headers={"Authorization": f"Bearer {token}"})
    assert retried.status_code == 200


def test_submit_form_on_a_refusing_disk_shows_a_chinese_page_and_keeps_the_attempt_open(
        client, build, web_login, refusing_disk):
    user, token, attempt, question_ids = started_attempt(build)
    for question_id in question_ids:
        assert client.put(f"/api/v1/attempts/{attempt.id}/answers/{question_id}", json={"selected": [1]},
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
    web_login(user)
    refusing_disk(True)
    response = client.post(f"/attempts/{attempt.id}/submit", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "存储空间不足" in page and "本次操作未保存" in page and "Traceback" not in page
    refusing_disk(False)
    stored = db.session.get(Attempt, attempt.id)
    db.session.refresh(stored)
    assert stored.status == "in_progress" and stored.submitted_at is None
    assert db.session.scalar(db.select(db.func.count(Answer.id)).where(Answer.is_correct.is_not(None))) == 0
    assert client.post(f"/attempts/{attempt.id}/submit", data={}).status_code == 302


def test_sign_in_on_a_refusing_disk_is_a_clear_page(client, build, refusing_disk):
    build.user("lisi")
    refusing_disk(True)
    response = client.post("/login", data={"username": "lisi", "password": PASSWORD})
    assert response.status_code == 507 and "存储空间不足" in response.get_data(as_text=True)


# ---------------------------------------------------------------- Redis unavailable


@pytest.fixture
def redis_down_app(app, app_config, monkeypatch):
    """The app as deployed with REDIS_URL, while nothing answers there; rate limits on.

    Made after ``app`` (whose builders it shares): the limiter is one object per process and
    takes RATELIMIT_ENABLED from the app initialised last."""
    monkeypatch.setenv("REDIS_URL", CLOSED_REDIS)
    application = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "5 per minute"})
    assert application.config["RATELIMIT_STORAGE_URI"] == CLOSED_REDIS
    yield application
    limiter._storage_dead = False  # the limiter is one object for every app of this process
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_redis_down_employees_sign_in_answer_submit_and_see_boards(redis_down_app, build):
    _, _, _, _ = started_attempt(build, "wangwu")  # questions and a quiz, with one attempt already
    quiz_id = db.session.scalar(db.select(Attempt.quiz_id))
    user = build.user("zhaoliu")
    client = redis_down_app.test_client()
    started = time.monotonic()
    assert client.post("/login", data={"username": "zhaoliu", "password": PASSWORD}).status_code == 302
    token = client.post("/api/v1/tokens", json={"username": "zhaoliu", "password": PASSWORD})
    assert token.status_code == 201
    bearer = {"Authorization": f"Bearer {token.json['token']}"}
    begun = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=bearer)
    assert begun.status_code == 201, begun.json
    attempt_id = begun.json["id"]
    for question in begun.json["questions"]:
        saved = client.put(f"/api/v1/attempts/{attempt_id}/answers/{question['id']}", json={"selected": [0]},
                           headers=bearer)
        assert saved.status_code == 200
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=bearer).status_code == 200
    for path in (f"/boards/quizzes/{quiz_id}/", f"/boards/quizzes/{quiz_id}/users",
                 f"/api/v1/quizzes/{quiz_id}/leaderboard/units"):
        assert client.get(path, headers=bearer).status_code == 200, path
    assert time.monotonic() - started < 10  # a refused connection fails fast; nothing hangs
    cache = redis_down_app.extensions["board_cache"]
    assert not cache.store.available and cache.computations  # served from this process's memory


def test_redis_down_login_is_still_rate_limited_in_memory(redis_down_app, build):
    build.user("sunqi")
    client = redis_down_app.test_client()
    statuses = [client.post("/login", data={"username": "sunqi", "password": "wrong"}).status_code
                for _ in range(5)]
    assert statuses == [200] * 5
    locked = client.post("/login", data={"username": "sunqi", "password": PASSWORD})
    assert locked.status_code == 429 and "尝试次数过多" in locked.get_data(as_text=True)


def test_healthz_reports_redis_unavailable_but_stays_in_service(redis_down_app):
    response = redis_down_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "migrations": "current",
                             "redis": "unavailable"}


def test_board_cache_goes_back_to_redis_when_it_answers(app):
    from quiz.boards.cache import Entry, FallbackStore, MemoryStore

    class Flaky(MemoryStore):
        down = True

        def get(self, key):
            if self.down:
                raise ConnectionError("refused")
            return super().get(key)

    now = [0.0]
    store = FallbackStore(Flaky(), retry_seconds=10, clock=lambda: now[0])
    store.local.put("k", Entry(1, 0.0, "local"))
    assert store.get("k").value == "local" and not store.available
    store.primary.down = False
    store.primary.put("k", Entry(1, 0.0, "shared"))
    assert store.get("k").value == "local"  # not asked again before the interval
    now[0] = 11
    assert store.get("k").value == "shared" and store.available


# ---------------------------------------------------------------- PostgreSQL restarting


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL only")
def test_pooled_connections_killed_by_the_server_are_replaced(app_config, request):
    """What a restart does to the pool, without restarting: the server ends the app's sessions."""
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"application_name": "faults-test"}}
    app = request.getfixturevalue("app")
    client, build = app.test_client(), request.getfixturevalue("build")
    _, token, attempt, question_ids = started_attempt(build)
    attempt_id = attempt.id
    headers = {"Authorization": f"Bearer {token}"}
    assert client.put(f"/api/v1/attempts/{attempt_id}/answers/{question_ids[0]}", json={"selected": [0]},
                      headers=headers).status_code == 200  # the pool now holds live connections
    db.session.commit()
    db.session.close()
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"].split("?")[0])
    with admin.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'faults-test' AND datname = current_database()")).scalar()
    admin.dispose()
    assert killed >= 1
    time.sleep(0.2)
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers/{question_ids[1]}", json={"selected": [1]},
                          headers=headers)
    assert response.status_code == 200, response.json


def _kill_sessions(app, application_name: str) -> None:
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"].split("?")[0])
    with admin.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = :name AND datname = current_database()"), {"name": application_name}).scalar()
    admin.dispose()
    assert killed >= 1


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL only")
def test_only_connections_idle_longer_than_the_threshold_are_pinged(app_config, request):
    """A connection used a moment ago is not pinged (no round trip under load); one that died
    then fails one request with 503 and SQLAlchemy replaces the pool for the next."""
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"application_name": "faults-idle"}}
    app_config["DATABASE_PING_IDLE_SECONDS"] = 3600
    app = request.getfixturevalue("app")
    client, build = app.test_client(), request.getfixturevalue("build")
    _, token, attempt, question_ids = started_attempt(build)
    attempt_id = attempt.id
    headers = {"Authorization": f"Bearer {token}"}
    pings = []
    original_ping = db.engine.dialect.do_ping
    request.getfixturevalue("monkeypatch").setattr(
        db.engine.dialect, "do_ping", lambda dbapi_connection: pings.append(1) or original_ping(dbapi_connection))
    for question_id in question_ids[:3]:
        assert client.put(f"/api/v1/attempts/{attempt_id}/answers/{question_id}", json={"selected": [0]},
                          headers=headers).status_code == 200
    assert pings == []
    db.session.commit()
    db.session.close()
    _kill_sessions(app, "faults-idle")
    time.sleep(0.2)
    path = f"/api/v1/attempts/{attempt_id}/answers/{question_ids[1]}"
    first = client.put(path, json={"selected": [1]}, headers=headers)
    assert first.status_code == 503 and first.json["error"] == DATABASE_UNAVAILABLE[1]
    assert client.put(path, json={"selected": [1]}, headers=headers).status_code == 200


def _restart_permitted() -> str | None:
    """Why the PostgreSQL restart test cannot run here, or None."""
    if not on_postgresql():
        return "PostgreSQL only"
    if not GUNICORN.exists():
        return "gunicorn is not installed"
    if not shutil.which("pg_ctlcluster") or not shutil.which("pg_isready"):
        return "pg_ctlcluster / pg_isready missing"
    if os.geteuid() != 0:
        return "restarting the cluster needs root"
    status = subprocess.run(["pg_ctlcluster", "15", "main", "status"], capture_output=True)
    if status.returncode != 0:
        return "no running cluster 15/main"
    return None


def wait_for_postgresql(seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back")


EMPLOYEES = 20


@pytest.mark.skipif(_restart_permitted() is not None, reason=_restart_permitted() or "")
def test_postgresql_restart_during_saves_loses_no_acknowledged_answer(app, build, tmp_path):
    """20 employees save (retrying failures with backoff, as the quiz page does); PostgreSQL
    restarts once meanwhile.  Every employee finishes, every 200 is stored, no 500."""
    build.questions(10, type="single")
    quiz = build.quiz([RuleSpec(count=10, type="single", points=1)], time_limit_seconds=3600)
    work = started_attempts(build, quiz, build.unit("重启测试单位"), "pg", EMPLOYEES)
    db.session.commit()
    db.engine.dispose()  # the test's own connections would die in the restart too

    port = free_port()
    server = start_server(app.config["SQLALCHEMY_DATABASE_URI"], port, tmp_path / "instance")
    acknowledged: dict[tuple[int, int], int] = {}
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    restarted = threading.Event()

    def employee(job):
        token, attempt_id, question_ids = job
        round_number, rounds_after_restart = 0, 0
        while rounds_after_restart < 2:  # saving before, during and after the restart
            after = restarted.is_set()
            for question_id in question_ids:
                choice = (question_id + round_number) % 4
                delay = 0.1
                while True:  # the page's retry: 5xx or no answer at all -> again, with backoff
                    status = put(port, token, f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
                                 {"selected": [choice]})
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        break
                    assert status in (0, 503), status
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                with lock:
                    acknowledged[(attempt_id, question_id)] = choice
            round_number += 1
            rounds_after_restart += after

    try:
        with ThreadPoolExecutor(EMPLOYEES) as pool:
            futures = [pool.submit(employee, job) for job in work]
            deadline = time.time() + 30
            while len(acknowledged) < EMPLOYEES * 5 and time.time() < deadline:
                time.sleep(0.02)
            before = sum(statuses.values())
            started = time.monotonic()
            # Once per run: the server is shared with the rest of the suite.
            subprocess.run(["pg_ctlcluster", "15", "main", "restart", "-m", "fast"], check=True, timeout=60)
            wait_for_postgresql()
            down_seconds = time.monotonic() - started
            restarted.set()
            for future in futures:
                future.result(timeout=120)
        assert before > 0
        assert 500 not in statuses, statuses
        stored = {(a, q): s for a, q, s in db.session.execute(
            db.select(Answer.attempt_id, Answer.question_id, Answer.selected))}
        assert len(acknowledged) == EMPLOYEES * 10
        wrong = [key for key, choice in acknowledged.items() if stored.get(key) != [choice]]
        assert not wrong, f"{len(wrong)} acknowledged answers missing or stale: {wrong[:5]}"
        print(f"restart took {down_seconds:.1f} s; saves by status: {statuses}")
    finally:
        os.killpg(server.pid, 9)
        server.wait(10)


def test_redis_stopping_mid_campaign_then_coming_back(app, app_config, build, monkeypatch, tmp_path):
    """A real Redis serves the boards and the limits, is stopped, then started again on its port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    redis = pytest.importorskip("redis")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"

    def start_redis():
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                return process
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    server = start_redis()
    try:
        monkeypatch.setenv("REDIS_URL", url)
        application = create_app({**app_config, "RATELIMIT_ENABLED": True, "BOARD_REDIS_PREFIX": "faults"})
        started_attempt(build)
        quiz_id = db.session.scalar(db.select(Attempt.quiz_id))
        build.user("zhouba")
        client = application.test_client()
        assert client.get("/healthz").json["redis"] == "ok"
        board = f"/boards/quizzes/{quiz_id}/"
        assert client.post("/login", data={"username": "zhouba", "password": PASSWORD}).status_code == 302
        assert client.get(board).status_code == 200
        cache = application.extensions["board_cache"]
        assert cache.store.available and cache.store.primary.get(f"{quiz_id}:units") is not None

        server.terminate()
        server.wait(5)
        cache.forget_versions()
        assert client.get(board).status_code == 200
        assert client.get(f"/boards/quizzes/{quiz_id}/users").status_code == 200
        assert client.post("/logout").status_code in (302, 200)
        assert client.post("/login", data={"username": "zhouba", "password": PASSWORD}).status_code == 302
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json["status"] == "degraded"

        server = start_redis()
        assert client.get("/healthz").json == {"status": "ok", "database": "ok", "migrations": "current",
                                               "redis": "ok"}
        cache.store._down_until = 0.0  # skip the 10 s wait before asking Redis again
        assert client.get(board).status_code == 200 and cache.store.available
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        limiter._storage_dead = False
        server.terminate()
        server.wait(5)
