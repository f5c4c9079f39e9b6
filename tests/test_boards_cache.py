"""The board cache: version bumps on finalize, TTL, single-flight recompute (memory and Redis)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
import time_machine

from sqlalchemy.orm import close_all_sessions

from quiz.extensions import db
from quiz.models import Quiz, Unit
from quiz.admin import user_admin
from quiz.services.clock import now_utc
from quiz.services import attempts
from quiz.boards.cache import BoardCache, BoardState, Entry, MemoryStore, RedisStore, STANDINGS, cached_units, cached_users, read_board_state, read_board_version
from quiz.boards.rankings import get_standings

from boards_helpers import contest, take
from helpers import T0, minutes


class Clock:
    def __init__(self, value: float = 1000.0):
        self.value = value

    def __call__(self) -> float:
        return self.value


def counting(value="v", *, gate: threading.Event | None = None):
    calls = []

    def compute():
        calls.append(1)
        if gate is not None:
            gate.wait(5)
        return f"{value}{len(calls)}"

    return compute, calls


# ---------------------------------------------------------------- the cache alone


def test_fresh_entry_is_reused_until_version_or_ttl_changes():
    clock = Clock()
    cache = BoardCache(MemoryStore(), ttl=30, clock=clock)
    compute, calls = counting()
    assert cache.get("1:units", 1, compute).value == "v1"
    assert cache.get("1:units", 1, compute).value == "v1"
    assert len(calls) == 1
    assert cache.get("1:units", 2, compute).value == "v2"  # a new version: recomputed
    clock.value += 29
    assert cache.get("1:units", 2, compute).value == "v2"
    clock.value += 2  # past the TTL
    assert cache.get("1:units", 2, compute).value == "v3"
    assert cache.computations == {"1:units": 3}


def _burst(cache, key, version, compute, threads=16):
    results, errors = [], []

    def worker():
        try:
            results.append(cache.get(key, version, compute).value)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    return pool, results, errors


def test_single_flight_on_expiry_serves_stale_meanwhile():
    cache = BoardCache(MemoryStore(), ttl=30)
    first, _ = counting("old")
    cache.get("1:units", 1, first)
    gate = threading.Event()
    compute, calls = counting("new", gate=gate)
    pool, results, errors = _burst(cache, "1:units", 2, compute)
    # The 15 threads that did not get the lock return the stale entry while the one
    # recompute is held at the gate.
    deadline = time.monotonic() + 5
    while len(results) < 15 and time.monotonic() < deadline:
        time.sleep(0.005)
    stale_served = len(results)
    gate.set()
    for thread in pool:
        thread.join(5)
    assert not errors and len(calls) == 1
    assert stale_served == 15 and results.count("old1") == 15 and results.count("new1") == 1
    assert cache.get("1:units", 2, compute).value == "new1"


def test_single_flight_when_cold_makes_the_others_wait():
    cache = BoardCache(MemoryStore(), ttl=30)
    gate = threading.Event()
    compute, calls = counting("v", gate=gate)
    pool, results, errors = _burst(cache, "1:units", 1, compute, threads=8)
    time.sleep(0.2)
    assert results == []  # nothing to serve yet: everyone waits for the one computation
    gate.set()
    for thread in pool:
        thread.join(5)
    assert not errors and len(calls) == 1 and results == ["v1"] * 8


def test_state_reads_are_memoized_but_local_bumps_are_seen_at_once(app, build):
    quiz = contest(build)
    taker = build.user()
    clock = Clock()
    cache = BoardCache(MemoryStore(), version_check_seconds=0.5, clock=clock)
    reads = []

    def read(quiz_id):
        reads.append(quiz_id)
        return read_board_state(quiz_id)

    start = cache.state(quiz.id, read)
    assert start.is_published and len(reads) == 1
    assert cache.state(quiz.id, read).version == start.version and len(reads) == 1
    take(taker, quiz, 5)  # finalizing bumps the version in this process
    assert cache.state(quiz.id, read).version == start.version + 1 and len(reads) == 2
    assert read_board_version(quiz.id) == start.version + 1
    # Another process unpublishing the quiz: this one sees it within version_check_seconds.
    db.session.execute(db.update(Quiz).where(Quiz.id == quiz.id).values(is_published=False))
    db.session.commit()
    assert cache.state(quiz.id, read).is_published  # memoized
    clock.value += 0.6
    assert cache.state(quiz.id, read) == BoardState(start.version + 1, False) and len(reads) == 3
    assert cache.state(9999, read) is None


def test_background_refresh_serves_stale_and_refreshes_once():
    ran = []

    def runner(fn):
        ran.append(fn)  # run later, as a thread would

    cache = BoardCache(MemoryStore(), ttl=30, runner=runner)
    compute, calls = counting()
    assert cache.get("1:units", 1, compute).value == "v1"  # cold: computed inline
    assert cache.get("1:units", 2, compute).value == "v1"  # stale: refresh scheduled, stale served
    assert cache.get("1:units", 2, compute).value == "v1"  # the lock is held: no second refresh
    assert len(ran) == 1 and len(calls) == 1
    ran[0]()
    assert cache.get("1:units", 2, compute).value == "v2" and len(calls) == 2
    assert cache.store.try_lock("1:units") is not None  # released by the refresh


def test_background_refresh_in_the_app(app_config, build, api):
    from quiz import create_app
    from quiz.boards.blueprint import AppThreadRunner
    from quiz.database import transaction_mode

    quiz = contest(build)
    unit = build.unit("区图书馆", headcount=5)
    take(build.user(unit=unit), quiz, 6)
    application = create_app({**app_config, "BOARD_BACKGROUND_REFRESH": True})
    cache = application.extensions["board_cache"]
    assert isinstance(cache.runner, AppThreadRunner)

    def participants():
        with application.app_context(), transaction_mode(may_write=False):  # as in a GET request
            return cached_units(cache, quiz.id, T0).value.units[0].participants

    try:
        assert participants() == 1
        take(build.user(unit=unit), quiz, 9)
        assert participants() == 1  # stale while the refresh runs in its thread
        cache.runner.join()
        assert participants() == 2
    finally:
        cache.runner.join()
        close_all_sessions()  # the second app's sessions (nested app contexts leave one open on PostgreSQL)
        with application.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------- with the app


def test_every_finalize_bumps_the_board_version(app, build):
    quiz = contest(build, closes_at=T0 + timedelta(days=10))
    user, other = build.user(), build.user()
    start = read_board_version(quiz.id)  # new users bumped it already (see the test below)
    take(user, quiz, 7)  # submitted
    assert read_board_version(quiz.id) == start + 1
    attempt = take(other, quiz, 3, submit=False)
    attempts.submit_attempt(attempt, attempt.started_at + minutes(1))
    attempts.submit_attempt(attempt, attempt.started_at + minutes(2))  # idempotent: no second bump
    db.session.commit()
    assert read_board_version(quiz.id) == start + 2
    late = take(user, quiz, 2, at=T0 + minutes(30), submit=False)
    assert attempts.expire_overdue_attempts(late.deadline_at + minutes(1)) == 1  # the sweeper
    db.session.commit()
    assert read_board_version(quiz.id) == start + 3


def test_submit_shows_on_the_board_at_once_and_views_do_not_recompute(app, build, api):
    quiz = contest(build)
    unit = build.unit("区图书馆", headcount=5)
    reader, taker = build.user(unit=unit), build.user(unit=unit, display_name="新选手")
    session = api(reader)
    cache = app.extensions["board_cache"]
    with time_machine.travel(T0, tick=False):
        for _ in range(20):
            assert session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units").json["units"][0]["participants"] == 0
        assert cache.computations[f"{quiz.id}:units"] == 1  # a burst of views: one computation
        attempt = take(taker, quiz, 8, at=T0 - minutes(5), submit=False)
        own = api(taker)
        assert own.post(f"/api/v1/attempts/{attempt.id}/submit").status_code == 200
        board = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units").json
        assert board["units"][0]["participants"] == 1 and board["units"][0]["average_score"] == 80
        users = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users").json["users"]
        assert [u["display_name"] for u in users] == ["新选手"]
    assert cache.computations[f"{quiz.id}:units"] == 2


def test_changes_to_people_units_and_the_quiz_re_rank_at_once(app, build, api):
    quiz = contest(build)
    unit = build.unit("区文化馆", headcount=10)
    other_unit = build.unit("区图书馆", headcount=5)
    user = build.user(unit=unit, display_name="张三")
    take(user, quiz, 6)
    session = api(user)
    admin = build.user("admin", role="admin")
    units_url = f"/api/v1/quizzes/{quiz.id}/leaderboard/units"
    users_url = f"/api/v1/quizzes/{quiz.id}/leaderboard/users"
    cache = app.extensions["board_cache"]
    with time_machine.travel(T0 + minutes(10), tick=False):
        assert session.get(units_url).json["units"][0]["headcount"] == 10
        before = read_board_version(quiz.id)
        user_admin.update_unit(unit, "区文化馆", "科室", 4, admin, now_utc())
        db.session.commit()
        assert session.get(units_url).json["units"][0]["headcount"] == 4
        user_admin.update_user(user, display_name="张三丰", role="employee", unit=other_unit, is_enabled=True,
                               actor=admin, now=now_utc())
        db.session.commit()
        assert session.get(users_url).json["users"][0]["display_name"] == "张三丰"
        assert session.get(units_url).json["units"][0]["unit"] == "区图书馆"
        quiz.pass_score = 100
        db.session.commit()
        assert session.get(units_url).json["units"][0]["pass_rate"] == 0
        assert read_board_version(quiz.id) == before + 3
        # A login (last_login_at) or a password change touches nothing a board shows.
        admin.last_login_at = now_utc()
        db.session.commit()
        assert read_board_version(quiz.id) == before + 3
    assert cache.computations[f"{quiz.id}:units"] >= 4


def test_ttl_picks_up_changes_made_outside_the_app(app, build, api):
    quiz = contest(build)
    unit = build.unit("区文化馆", headcount=10)
    user = build.user(unit=unit)
    take(user, quiz, 6)
    session = api(user)
    url = f"/api/v1/quizzes/{quiz.id}/leaderboard/units"
    with time_machine.travel(T0 + minutes(10), tick=False) as traveller:
        assert session.get(url).json["units"][0]["headcount"] == 10
        db.session.execute(db.update(Unit).where(Unit.id == unit.id).values(headcount=4))  # bumps no version
        db.session.commit()
        assert session.get(url).json["units"][0]["headcount"] == 10  # cached
        traveller.shift(app.config["BOARD_CACHE_SECONDS"] + 1)
        assert session.get(url).json["units"][0]["headcount"] == 4


def test_cached_sections_match_a_direct_computation(app, build):
    quiz = contest(build)
    units = [build.unit(f"单位{i}", headcount=3) for i in range(3)]
    for index, unit in enumerate(units[:2]):
        for correct in range(index + 2):
            take(build.user(unit=unit), quiz, 4 + correct)
    cache = app.extensions["board_cache"]
    direct = get_standings(quiz, T0, units=True, users=True)
    assert cached_units(cache, quiz.id, T0).value.units == direct.units
    assert cached_users(cache, quiz.id, T0).value.users == direct.users
    # and through the JSON codec used with Redis
    round_trip = STANDINGS.decode(STANDINGS.encode(direct))
    assert round_trip.units == direct.units and round_trip.users == direct.users
    assert round_trip.summary == direct.summary and round_trip.user(direct.users[0].user_id) == direct.users[0]


# ---------------------------------------------------------------- Redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throw-away redis-server on a free loopback port (skipped when it is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    redis = pytest.importorskip("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(5)


def _redis_store(url, prefix):
    import redis

    return RedisStore(redis.Redis.from_url(url), prefix=prefix, poll_seconds=0.01)


def test_redis_store_single_flight_across_workers(redis_url):
    """Two caches on one Redis (two gunicorn workers): one recompute for both, stale served meanwhile."""
    worker_a = BoardCache(_redis_store(redis_url, "t1"), ttl=30)
    worker_b = BoardCache(_redis_store(redis_url, "t1"), ttl=30)
    first, _ = counting("old")
    worker_a.get("1:units", 1, first)
    assert worker_b.get("1:units", 1, first).value == "old1"  # shared: worker B does not compute
    gate = threading.Event()
    compute, calls = counting("new", gate=gate)
    holder = threading.Thread(target=lambda: worker_a.get("1:units", 2, compute))
    holder.start()
    time.sleep(0.2)
    assert worker_b.get("1:units", 2, compute).value == "old1"  # A holds the lock: B serves stale
    gate.set()
    holder.join(5)
    assert worker_b.get("1:units", 2, compute).value == "new1" and len(calls) == 1


def test_redis_store_cold_waits_for_the_lock_holder(redis_url):
    worker_a = BoardCache(_redis_store(redis_url, "t2"), ttl=30)
    worker_b = BoardCache(_redis_store(redis_url, "t2"), ttl=30)
    gate = threading.Event()
    compute, calls = counting("v", gate=gate)
    holder = threading.Thread(target=lambda: worker_a.get("1:units", 1, compute))
    holder.start()
    time.sleep(0.1)
    threading.Timer(0.3, gate.set).start()
    assert worker_b.get("1:units", 1, compute).value == "v1" and len(calls) == 1
    holder.join(5)


def test_app_uses_redis_when_configured(app_config, redis_url):
    from quiz import create_app

    application = create_app({**app_config, "REDIS_URL": redis_url, "BOARD_REDIS_PREFIX": "t3"})
    assert isinstance(application.extensions["board_cache"].store.primary, RedisStore)
    with application.app_context():
        db.engine.dispose()


def test_standings_travel_through_redis(app, build, redis_url):
    quiz = contest(build)
    unit = build.unit("区博物馆", headcount=2)
    take(build.user(unit=unit, display_name="王五"), quiz, 9)
    writer = BoardCache(_redis_store(redis_url, "t4"))
    reader = BoardCache(_redis_store(redis_url, "t4"))
    written = cached_users(writer, quiz.id, T0)
    read = cached_users(reader, quiz.id, T0)
    assert reader.computations == {} and read.value.users == written.value.users
    assert isinstance(read, Entry) and read.value.users[0].display_name == "王五"
