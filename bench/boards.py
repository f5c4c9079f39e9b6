"""Benchmark of the ranking boards (issue 4), on SQLite and PostgreSQL.

Seeds 300 units, 30,000 users and 100,000 finalized attempts (bulk inserts), then measures:

* the unit board and the individual board computed cold (the service in process, and over
  HTTP: the request that finds the board stale after a version bump and recomputes it
  inline) and warm (over HTTP, from the cache);
* warm board throughput next to a hello-world Flask app served the same way
  (gunicorn, 2 sync workers, 127.0.0.1; load from ``wrk``, bounded runs), in rounds
  that measure hello world right before the boards (the median ratio is the figure);
* submits under board load: latency, and how long until the board shows them, with a
  count of recomputations (single flight: one per worker and board version).

Usage (about 3 minutes per database):

    .venv/bin/python bench/boards.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/boards.py --databases sqlite
    .venv/bin/python bench/boards.py --redis               # also PostgreSQL + Redis cache
    .venv/bin/python bench/boards.py --tree --databases postgresql

``--tree`` (issue 15) seeds a 4-level unit tree of 3,000 units (区 → 局 → 科室 → 班组, 1 % of
the lower levels retired), 100,000 users and 250,000 finalized attempts, and measures the
roll-up boards: cold (an empty cache: the unit board with its subtree figures computed and a
level ranked; in process and as the first request of a fresh server), recomputed inline after a
version bump, and warm (the API's ``?parent_id=`` and the big screen's ``?parent=`` beside hello
world).  Target: a cold roll-up board under 500 ms on PostgreSQL.

PostgreSQL: database ``boards_bench`` on ``postgresql+psycopg://postgres@127.0.0.1:5432``
(created if missing; its public schema is dropped and recreated), never the test database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, select, text  # noqa: E402

from boards_seed import OPENS_AT, make_app, seed  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.models import Attempt, Quiz, User  # noqa: E402
from quiz.services import accounts  # noqa: E402
from quiz.boards.cache import BoardCache, MemoryStore, cached_units, cached_users, mark_board_changed  # noqa: E402
from quiz.boards.links import create_display_link  # noqa: E402
from quiz.services.clock import now_utc  # noqa: E402
from quiz.boards.rankings import child_standings, get_standings  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_URL = f"{PG_SERVER}/boards_bench"
BIN = Path(sys.executable).parent
WRK_SECONDS = 5
WARM_ROUNDS = 3
WARM_SECONDS = 4
SUBMITS = 20

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.3f %.3f %.3f %d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_pg_database() -> None:
    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'boards_bench'")).first():
            conn.execute(text("CREATE DATABASE boards_bench"))
    engine.dispose()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# ---------------------------------------------------------------- servers and load


class Gunicorn:
    """gunicorn with 2 sync workers on 127.0.0.1 (the same for the app and hello world)."""

    def __init__(self, target: str, env: dict, log_path: Path, cwd: Path = ROOT):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--log-level", "info", target],
            cwd=str(cwd), env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start: see {log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def computations(self) -> int:
        return self.log_path.read_text().count("board cache: computed")


def wrk(port: int, path: str, *, seconds: int = WRK_SECONDS, headers: dict | None = None, script: Path) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            timeout=seconds + 30).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    requests, rps, p50, p95, p99, errors = line.split()[1:]
    return {"requests": int(requests), "rps": float(rps), "p50_ms": float(p50), "p95_ms": float(p95),
            "p99_ms": float(p99), "errors": int(errors)}


def request(port: int, method: str, path: str, token: str | None = None, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, (json.loads(payload) if payload else None), elapsed


# ---------------------------------------------------------------- one database


def run_database(label: str, url: str, workdir: Path, *, redis_url: str | None = None) -> dict:
    print(f"\n== {label}: seeding", flush=True)
    info = seed(url, str(workdir / "instance"))
    print(f"   seeded in {info['seconds']:.1f} s", flush=True)
    app = make_app(url, str(workdir / "instance"))
    results: dict = {"label": label, "seed_seconds": round(info["seconds"], 1)}
    now = OPENS_AT + timedelta(days=12)

    with app.app_context():
        quiz = db.session.get(Quiz, info["quiz_id"])
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM user_account),"
            " (SELECT count(*) FROM attempt WHERE status IN ('submitted', 'expired'))")).one()
        results["rows"] = {"units": counts[0], "users": counts[1], "attempts": counts[2]}
        # Cold, in process: the service itself (what a cache miss costs).
        for name, kwargs, runs in (("units", {"units": True}, 5), ("users", {"units": False, "users": True}, 3)):
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                get_standings(quiz, now, **kwargs)
                timings.append(time.perf_counter() - started)
                db.session.rollback()
            results[f"service_{name}_ms"] = {"median": ms(statistics.median(timings)), "max": ms(max(timings))}
        # Warm, in process: a cache hit.
        cache = BoardCache(MemoryStore())
        cached_units(cache, quiz.id, now)
        cached_users(cache, quiz.id, now)
        hits = []
        for _ in range(2000):
            started = time.perf_counter()
            cached_units(cache, quiz.id, now)
            hits.append(time.perf_counter() - started)
        results["cache_hit_us"] = {"p50": round(pct(hits, 0.5) * 1e6, 1), "p95": round(pct(hits, 0.95) * 1e6, 1)}

        admin = accounts.find_user(info["admin"])
        api_token, _ = accounts.issue_token(admin, now_utc(), 24 * 3600)
        display_token, _ = create_display_link(quiz, "基准大屏", created_by=admin, now=now_utc())
        # Submitters: enabled users without any attempt yet (so their unit's participants grows).
        takers = list(db.session.execute(
            select(User.id, User.unit_id)
            .where(User.role == "employee", User.is_enabled.is_(True),
                   ~select(Attempt.id).where(Attempt.user_id == User.id).exists())
            .order_by(User.id).limit(SUBMITS)
        ))
        taker_tokens = [(uid, unit_id, accounts.issue_token(db.session.get(User, uid), now_utc(), 3600)[0])
                        for uid, unit_id in takers]
        # The contest must be open now for the submits; the window covers the seeded attempts too.
        quiz.closes_at = None
        db.session.commit()
        quiz_id = quiz.id

    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZ_INSTANCE_PATH": str(workdir / "instance")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    hello = Gunicorn("boards_hello:app", {}, workdir / "hello.log", cwd=ROOT / "bench")
    server = Gunicorn("wsgi:app", env, workdir / f"app-{label}.log")
    try:
        auth = {"Authorization": f"Bearer {api_token}"}
        units_path = f"/api/v1/quizzes/{quiz_id}/leaderboard/units"
        users_path = f"/api/v1/quizzes/{quiz_id}/leaderboard/users?limit=50"
        display_path = f"/boards/display/{display_token}/data"
        for path in (units_path, users_path):
            for _ in range(4):  # warm both workers
                assert request(server.port, "GET", path, api_token)[0] == 200
        for _ in range(4):
            assert request(server.port, "GET", display_path)[0] == 200

        # This machine's speed drifts from minute to minute: hello world is measured right before
        # the boards in every round, and the figure is the median of the rounds' ratios.
        print(f"   warm throughput (wrk, 8 connections; {WARM_ROUNDS} rounds of hello world, then each board,"
              f" {WARM_SECONDS} s each)", flush=True)
        targets = {"hello": (hello.port, "/", None), "warm_units": (server.port, units_path, auth),
                   "warm_users": (server.port, users_path, auth), "warm_display": (server.port, display_path, None),
                   # as a big screen's browser asks for it: it accepts gzip
                   "warm_display_gzip": (server.port, display_path, {"Accept-Encoding": "gzip, deflate"})}
        runs: dict[str, list[dict]] = {key: [] for key in targets}
        for _ in range(WARM_ROUNDS):
            for key, (port, path, headers) in targets.items():
                runs[key].append(wrk(port, path, headers=headers, script=script, seconds=WARM_SECONDS))
        for key, values in runs.items():
            results[key] = sorted(values, key=lambda figures: figures["rps"])[len(values) // 2]  # the median run
        results["warm_ratio"] = {
            key: round(statistics.median(run["rps"] / hello["rps"] for run, hello in zip(runs[key], runs["hello"])), 2)
            for key in targets if key != "hello"
        }
        results["warm_ratio_range"] = {
            key: (round(min(run["rps"] / hello["rps"] for run, hello in zip(runs[key], runs["hello"])), 2),
                  round(max(run["rps"] / hello["rps"] for run, hello in zip(runs[key], runs["hello"])), 2))
            for key in targets if key != "hello"
        }
        results["warm_errors"] = sum(run["errors"] for values in runs.values() for run in values)

        print("   cold over HTTP (a version bump, then one request that recomputes inline)", flush=True)
        # Workers without background refresh: the request that finds the board stale recomputes
        # it before answering, so its latency is the cold board over HTTP (warm workers otherwise).
        inline = Gunicorn("wsgi:app", {**env, "BOARD_BACKGROUND_REFRESH": "0"}, workdir / f"inline-{label}.log")
        try:
            for name, path in (("units", units_path), ("users", users_path)):
                for _ in range(6):  # warm both workers (connections, compiled statements, the entry)
                    request(inline.port, "GET", path, api_token)
                results[f"cold_http_{name}_ms"] = recomputed_after_bumps(app, quiz_id, inline.port, path, api_token)
        finally:
            inline.stop()

        print("   submits under board load", flush=True)
        results["submit"] = submits_under_load(server, quiz_id, units_path, api_token, taker_tokens, auth, script)
    finally:
        server.stop()
        hello.stop()
    return results


def run_tree(label: str, url: str, workdir: Path) -> dict:
    """The roll-up boards on a 3,000-unit, 4-level tree with 100,000 users (see the module docstring)."""
    print(f"\n== {label} (tree): seeding", flush=True)
    info = seed(url, str(workdir / "instance"), users=100_000, attempts=250_000, tree=True)
    print(f"   seeded in {info['seconds']:.1f} s", flush=True)
    app = make_app(url, str(workdir / "instance"))
    results: dict = {"label": f"{label} tree", "seed_seconds": round(info["seconds"], 1)}
    now = OPENS_AT + timedelta(days=12)
    top, second = info["levels"][0][0], info["levels"][1][0]

    with app.app_context():
        quiz = db.session.get(Quiz, info["quiz_id"])
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM user_account),"
            " (SELECT count(*) FROM attempt WHERE status IN ('submitted', 'expired'))")).one()
        results["rows"] = {"units": counts[0], "users": counts[1], "attempts": counts[2]}
        # Cold, in process: an empty cache, then a level of the tree (what a cache miss costs).
        cold, service, level_first = [], [], []
        for _ in range(7):
            cache = BoardCache(MemoryStore())
            started = time.perf_counter()
            entry = cached_units(cache, quiz.id, now)
            computed = time.perf_counter()
            child_standings(entry.value, top)
            cold.append(time.perf_counter() - started)
            service.append(computed - started)
            level_first.append(time.perf_counter() - computed)
            db.session.rollback()
        results["cold_rollup_ms"] = {"median": ms(statistics.median(cold)), "max": ms(max(cold)), "min": ms(min(cold))}
        results["cold_service_ms"] = {"median": ms(statistics.median(service)), "max": ms(max(service))}
        results["level_first_ms"] = {"median": ms(statistics.median(level_first)), "max": ms(max(level_first))}
        hits = []
        for _ in range(2000):
            started = time.perf_counter()
            child_standings(cached_units(cache, quiz.id, now).value, top)
            hits.append(time.perf_counter() - started)
        results["cache_hit_us"] = {"p50": round(pct(hits, 0.5) * 1e6, 1), "p95": round(pct(hits, 0.95) * 1e6, 1)}
        admin = accounts.find_user(info["admin"])
        api_token, _ = accounts.issue_token(admin, now_utc(), 24 * 3600)
        display_token, _ = create_display_link(quiz, "基准大屏", created_by=admin, now=now_utc())
        db.session.commit()
        quiz_id = quiz.id

    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZ_INSTANCE_PATH": str(workdir / "instance"),
           "BOARD_BACKGROUND_REFRESH": "0"}
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    level_path = f"/api/v1/quizzes/{quiz_id}/leaderboard/units?parent_id={top}"
    deeper_path = f"/api/v1/quizzes/{quiz_id}/leaderboard/units?parent_id={second}"
    display_path = f"/boards/display/{display_token}/data?parent={top}"
    hello = Gunicorn("boards_hello:app", {}, workdir / "hello.log", cwd=ROOT / "bench")
    server = Gunicorn("wsgi:app", env, workdir / f"app-tree-{label}.log")
    try:
        # The first board request of a fresh server: the cache is empty, the board is computed
        # inline.  /healthz first, so that the figure is not the workers' start-up.
        for _ in range(6):
            request(server.port, "GET", "/healthz")
        status, body, elapsed = request(server.port, "GET", level_path, api_token)
        assert status == 200 and body["units"], body
        results["cold_http_first_ms"] = ms(elapsed)
        for path in (level_path, deeper_path, display_path):
            for _ in range(4):  # warm both workers
                assert request(server.port, "GET", path, api_token)[0] == 200
        results["cold_http_bump_ms"] = recomputed_after_bumps(app, quiz_id, server.port, level_path, api_token)
        for path in (level_path, deeper_path, display_path):
            for _ in range(4):
                request(server.port, "GET", path, api_token)

        auth = {"Authorization": f"Bearer {api_token}"}
        flat_path = f"/api/v1/quizzes/{quiz_id}/leaderboard/units"
        for _ in range(4):
            request(server.port, "GET", flat_path, api_token)
        targets = {"hello": (hello.port, "/", None), "warm_flat": (server.port, flat_path, auth),
                   "warm_level": (server.port, level_path, auth),
                   "warm_deeper": (server.port, deeper_path, auth), "warm_display": (server.port, display_path, None)}
        print(f"   warm throughput ({WARM_ROUNDS} rounds, {WARM_SECONDS} s each)", flush=True)
        runs: dict[str, list[dict]] = {key: [] for key in targets}
        for _ in range(WARM_ROUNDS):
            for key, (port, path, headers) in targets.items():
                runs[key].append(wrk(port, path, headers=headers, script=script, seconds=WARM_SECONDS))
        for key, values in runs.items():
            results[key] = sorted(values, key=lambda figures: figures["rps"])[len(values) // 2]
        results["warm_ratio"] = {
            key: round(statistics.median(run["rps"] / hello["rps"] for run, hello in zip(runs[key], runs["hello"])), 2)
            for key in targets if key != "hello"
        }
        results["warm_errors"] = sum(run["errors"] for values in runs.values() for run in values)
    finally:
        server.stop()
        hello.stop()
    return results


def report_tree(all_results: list[dict]) -> None:
    print("\n" + "=" * 96)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores here: above 2 the figures are slower)")
    for r in all_results:
        print(f"{r['label']}: {r['rows']['units']} units / {r['rows']['users']} users / "
              f"{r['rows']['attempts']} finalized attempts, seeded in {r['seed_seconds']} s")
        print(f"  cold roll-up board, empty cache, in process (ms, median / min / max of 7): "
              f"{r['cold_rollup_ms']['median']} / {r['cold_rollup_ms']['min']} / {r['cold_rollup_ms']['max']}"
              f"  (unit board with subtree figures {r['cold_service_ms']['median']}, first ranking of a level "
              f"{r['level_first_ms']['median']})")
        print(f"  cold roll-up board over HTTP, first request of a fresh server (ms): {r['cold_http_first_ms']}")
        print(f"  roll-up board over HTTP after a version bump, recomputed inline (ms, median / max): "
              f"{r['cold_http_bump_ms']['median']} / {r['cold_http_bump_ms']['max']}")
        print(f"  warm level from the cache in process (us, p50 / p95): {r['cache_hit_us']['p50']} / {r['cache_hit_us']['p95']}")
        for key, name in (("hello", "hello world"), ("warm_flat", "warm API flat board (3,000 units, as before)"),
                          ("warm_level", "warm API level (children of a 区)"),
                          ("warm_deeper", "warm API level (children of a 局)"),
                          ("warm_display", "warm big-screen data at a level")):
            line = f"  {name}: {r[key]['rps']:.0f} req/s, p50/p95/p99 {r[key]['p50_ms']:.1f}/{r[key]['p95_ms']:.1f}/{r[key]['p99_ms']:.1f} ms"
            if key != "hello":
                line += f", {r['warm_ratio'][key]:.2f} of hello world"
            print(line)
        print(f"  non-2xx or socket errors: {r['warm_errors']}")


def bump(app, quiz_id: int) -> None:
    """What finalizing an attempt does to the boards: a new board version."""
    with app.app_context():
        mark_board_changed(quiz_id, now_utc())
        db.session.commit()


def recomputed_after_bumps(app, quiz_id: int, port: int, path: str, token: str, rounds: int = 5) -> dict:
    """The board over HTTP right after each of ``rounds`` version bumps: the request that finds it
    stale and recomputes it inline (ms, median and max)."""
    timings = []
    for _ in range(rounds):
        bump(app, quiz_id)
        time.sleep(0.6)  # past the workers' version check interval
        status, _, elapsed = request(port, "GET", path, token)
        assert status == 200
        timings.append(elapsed)
        request(port, "GET", path, token)  # the other worker catches up too
    return {"median": ms(statistics.median(timings)), "max": ms(max(timings))}


def submits_under_load(server: Gunicorn, quiz_id: int, units_path: str, api_token: str, takers, auth, script) -> dict:
    before = server.computations()
    load: dict = {}
    seconds = 12
    loader = threading.Thread(target=lambda: load.update(wrk(server.port, units_path, seconds=seconds, headers=auth,
                                                                 script=script)))
    loader.start()
    time.sleep(1)
    latencies, visible = [], []
    started_all = time.monotonic()
    for user_id, unit_id, token in takers:
        if time.monotonic() - started_all > seconds - 2:
            break
        status, attempt, _ = request(server.port, "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token)
        assert status in (200, 201), attempt
        for question in attempt["questions"][:20]:
            request(server.port, "PUT", f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}", token,
                    {"selected": [1]})
        _, board, _ = request(server.port, "GET", units_path, api_token)
        count = next(u["participants"] for u in board["units"] if u["unit_id"] == unit_id)
        status, _, elapsed = request(server.port, "POST", f"/api/v1/attempts/{attempt['id']}/submit", token)
        assert status == 200
        latencies.append(elapsed)
        submitted = time.perf_counter()
        deadline = submitted + 5
        while time.perf_counter() < deadline:
            _, board, _ = request(server.port, "GET", units_path, api_token)
            if next(u["participants"] for u in board["units"] if u["unit_id"] == unit_id) > count:
                visible.append(time.perf_counter() - submitted)
                break
            time.sleep(0.02)
    loader.join()
    return {
        "submits": len(latencies),
        "submit_p50_ms": ms(statistics.median(latencies)),
        "submit_p95_ms": ms(pct(latencies, 0.95)),
        "visible": len(visible),
        "visible_p50_ms": ms(statistics.median(visible)) if visible else None,
        "visible_max_ms": ms(max(visible)) if visible else None,
        "board_under_load": load,
        "recomputations": server.computations() - before,
    }


# ---------------------------------------------------------------- report


def report(all_results: list[dict]) -> None:
    print("\n" + "=" * 96)
    header = f"{'figure':<52}" + "".join(f"{r['label']:>22}" for r in all_results)
    print(header)
    print("-" * len(header))

    def row(name, getter):
        cells = []
        for r in all_results:
            try:
                cells.append(getter(r))
            except (KeyError, TypeError):
                cells.append("-")
        print(f"{name:<52}" + "".join(f"{c:>22}" for c in cells))

    row("rows (units / users / finalized attempts)", lambda r: f"{r['rows']['units']}/{r['rows']['users']}/{r['rows']['attempts']}")
    row("seeding (s)", lambda r: f"{r['seed_seconds']}")
    row("cold unit board, service (ms, median / max)", lambda r: f"{r['service_units_ms']['median']} / {r['service_units_ms']['max']}")
    row("cold unit board, HTTP, recomputed inline (ms, med/max)", lambda r: f"{r['cold_http_units_ms']['median']} / {r['cold_http_units_ms']['max']}")
    row("cold individual board, service (ms, med / max)", lambda r: f"{r['service_users_ms']['median']} / {r['service_users_ms']['max']}")
    row("cold individual board, HTTP, inline (ms, med / max)", lambda r: f"{r['cold_http_users_ms']['median']} / {r['cold_http_users_ms']['max']}")
    row("cache hit in process (us, p50 / p95)", lambda r: f"{r['cache_hit_us']['p50']} / {r['cache_hit_us']['p95']}")
    for key, name in (("hello", "hello world"), ("warm_units", "warm unit board (API)"),
                      ("warm_users", "warm individual board (API, top 50)"), ("warm_display", "warm big-screen data"),
                      ("warm_display_gzip", "warm big-screen data, gzip (a browser)")):
        row(f"{name}: req/s", lambda r, k=key: f"{r[k]['rps']:.0f}")
        row(f"{name}: p50 / p95 / p99 (ms)", lambda r, k=key: f"{r[k]['p50_ms']:.1f}/{r[k]['p95_ms']:.1f}/{r[k]['p99_ms']:.1f}")
    for key, name in (("warm_units", "unit board"), ("warm_users", "individual board"), ("warm_display", "big-screen data"),
                      ("warm_display_gzip", "big-screen data, gzip")):
        row(f"warm {name} / hello world (median, range)",
            lambda r, k=key: f"{r['warm_ratio'][k]:.2f} ({r['warm_ratio_range'][k][0]:.2f}-{r['warm_ratio_range'][k][1]:.2f})")
    row("submits under board load", lambda r: f"{r['submit']['submits']}")
    row("submit latency under load (ms, p50 / p95)", lambda r: f"{r['submit']['submit_p50_ms']} / {r['submit']['submit_p95_ms']}")
    row("submit visible on the board (ms, p50 / max)", lambda r: f"{r['submit']['visible_p50_ms']} / {r['submit']['visible_max_ms']}")
    row("board during submits: req/s, p95 (ms)", lambda r: f"{r['submit']['board_under_load']['rps']:.0f}, {r['submit']['board_under_load']['p95_ms']:.1f}")
    row("board requests / recomputations during submits", lambda r: f"{r['submit']['board_under_load']['requests']}/{r['submit']['recomputations']}")
    row("non-2xx or socket errors (all wrk runs)", lambda r: str(r['warm_errors'] + r['submit']['board_under_load']['errors']))


def start_redis(workdir: Path):
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("--redis needs redis-server")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--redis", action="store_true", help="also run PostgreSQL with the Redis cache")
    parser.add_argument("--tree", action="store_true",
                        help="the roll-up boards on a 4-level tree of 3,000 units and 100,000 users instead")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    started = time.monotonic()
    all_results = []
    with tempfile.TemporaryDirectory(prefix="boards-bench-") as tmp:
        workdir = Path(tmp)
        if args.tree:
            for name in args.databases.split(","):
                if name == "postgresql":
                    ensure_pg_database()
                url = PG_URL if name == "postgresql" else f"sqlite:///{workdir}/bench.sqlite3"
                all_results.append(run_tree("PostgreSQL" if name == "postgresql" else "SQLite", url, workdir))
            report_tree(all_results)
            print(f"\nwhole run: {time.monotonic() - started:.0f} s")
            if args.json:
                Path(args.json).write_text(json.dumps(all_results, ensure_ascii=False, indent=2))
            return
        for name in args.databases.split(","):
            if name == "sqlite":
                all_results.append(run_database("SQLite", f"sqlite:///{workdir}/bench.sqlite3", workdir))
            elif name == "postgresql":
                ensure_pg_database()
                all_results.append(run_database("PostgreSQL", PG_URL, workdir))
        if args.redis:
            ensure_pg_database()
            redis_process, redis_url = start_redis(workdir)
            try:
                all_results.append(run_database("PostgreSQL+Redis", PG_URL, workdir, redis_url=redis_url))
            finally:
                redis_process.terminate()
                redis_process.wait(5)
    report(all_results)
    print(f"\nwhole run: {time.monotonic() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(all_results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
