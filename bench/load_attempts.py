"""Load test of the timed quiz against the production server (gunicorn, 2 sync workers).

200 simulated employees start a 20-question quiz, save answers, and submit; the
save-answer phase is driven by wrk for a fixed time at 50 connections.  A hello-world
Flask app is served and loaded the same way in the same run: the ratio is the figure.
So is bench/bare_save.py, the same upsert without the app around it (what the database
alone costs here).

    .venv/bin/python bench/load_attempts.py                  # SQLite and PostgreSQL
    .venv/bin/python bench/load_attempts.py --database sqlite
    .venv/bin/python bench/load_attempts.py --rounds 3         # median of three alternating runs

Only 127.0.0.1 is ever contacted.  PostgreSQL uses a scratch database `quiz_bench`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "quiz_bench"

sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def prepare_database(kind: str, workdir: Path, pg_name: str = PG_BENCH_DB) -> str:
    """A fresh, empty scratch database: a SQLite file in `workdir`, or PostgreSQL's `pg_name` recreated."""
    if kind == "sqlite":
        return "sqlite:///" + str(workdir / "bench.sqlite3")
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + pg_name


def server_env(database_url: str, workdir: Path) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "QUIZ_INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-secret", "PYTHONPATH": str(ROOT)}


def seed(database_url: str, workdir: Path, employees: int) -> tuple[int, list[str]]:
    """Migrate, load the built-in bank, create employees with tokens and a 20-question quiz."""
    env = server_env(database_url, workdir)
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade", "heads"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "QUIZ_INSTANCE_PATH", "SECRET_KEY")})
    from question_bank import load_builtin_bank
    from quiz import create_app
    from quiz.extensions import db
    from quiz.services import accounts, quizzes
    from quiz.services.clock import now_utc
    from quiz.services.questions import import_question_records

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        import_question_records(load_builtin_bank().records)
        unit = accounts.create_unit("压测单位", "局属单位", employees)
        password_hash = accounts.hash_new_password("Bench-Pass-1", hash_method="pbkdf2:sha256:1000", min_length=8)
        tokens = []
        for i in range(employees):
            user = accounts.create_user(f"bench{i}", password_hash=password_hash, unit=unit)
            tokens.append(accounts.issue_token(user, now_utc(), 24 * 3600)[0])
        quiz = quizzes.create_quiz(
            quizzes.QuizSettings(title="压测竞赛", time_limit_seconds=3600, max_attempts=None),
            [quizzes.RuleSpec(count=12, type="single", points=4),
             quizzes.RuleSpec(count=4, type="multiple", points=8),
             quizzes.RuleSpec(count=4, type="true_false", points=5)],
            None, now_utc(),
        )
        db.session.commit()
        quiz_id = quiz.id
        db.engine.dispose()
    return quiz_id, tokens


class Server:
    """gunicorn with sync workers on a free loopback port."""

    def __init__(self, app: str, env: dict, workers: int, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "--preload", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("w"),
        )

    def wait_ready(self, path: str) -> None:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + self.log_path.read_text()[-2000:])

    def worker_memory_mib(self) -> dict[str, list[float]]:
        """Per worker: RSS (counts library pages shared with the preloading master in full)
        and PSS (shares them out: the memory a worker really adds)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        memory: dict[str, list[float]] = {"rss": [], "pss": []}
        for pid in children:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                key = line.split(":")[0]
                if key in ("Rss", "Pss"):
                    memory[key.lower()].append(round(int(line.split()[1]) / 1024, 1))
        return memory

    def worker_cpu_seconds(self) -> float:
        """CPU seconds (user + system) the workers have used so far: divided by the requests
        of a phase, the app's own cost per request, which other load on the machine barely moves."""
        ticks = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / ticks

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def timed_requests(port: int, calls: list[tuple[str, str, str]], concurrency: int) -> dict:
    """Run (method, path, token) calls from `concurrency` threads; latency percentiles and throughput."""
    latencies: list[float] = []
    statuses: list[int] = []
    bodies: list[dict] = []

    def one(call):
        method, path, token = call
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request(method, path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        return elapsed, response.status, json.loads(body or b"{}")

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for elapsed, status, body in pool.map(one, calls):
            latencies.append(elapsed)
            statuses.append(status)
            bodies.append(body)
    wall = time.perf_counter() - began
    return {
        "requests": len(calls), "seconds": round(wall, 3), "rps": round(len(calls) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "errors": sum(1 for s in statuses if s >= 400), "bodies": bodies,
    }


def wrk(port: int, path: str, script: str, connections: int, seconds: int, env: dict | None = None) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / script),
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True,
    ).stdout
    line = next(l for l in output.splitlines() if l.startswith("JSON "))
    figures = json.loads(line[5:])
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    figures["errors"] = figures.pop("non2xx") + figures.pop("socket_errors")
    return figures


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    database_url = prepare_database(kind, workdir)
    quiz_id, tokens = seed(database_url, workdir, args.employees)
    env = server_env(database_url, workdir)
    app_server = Server("wsgi:app", env, args.workers, workdir / "app.log")
    hello_server = Server("bench.hello:app", env, args.workers, workdir / "hello.log")
    bare_server = Server("bench.bare_save:app", env, args.workers, workdir / "bare.log")
    try:
        app_server.wait_ready("/login")
        hello_server.wait_ready("/hello")
        bare_server.wait_ready("/")
        results = {}
        started = timed_requests(app_server.port, [("POST", f"/api/v1/quizzes/{quiz_id}/attempts", t) for t in tokens],
                                 args.connections)
        attempts = started.pop("bodies")
        results["start"] = started
        targets = workdir / "targets.txt"
        with targets.open("w") as handle:
            for token, attempt in zip(tokens, attempts):
                for question in attempt["questions"]:
                    selected = "0" if question["type"] != "multiple" else "0,1"
                    handle.write(f"{attempt['id']} {question['id']} {token} {selected}\n")
        cpu_before = app_server.worker_cpu_seconds()
        results["save_answer"] = wrk(app_server.port, "/", "save_answers.lua", args.connections, args.duration,
                                     {"BENCH_TARGETS": str(targets)})
        results["save_answer"]["worker_cpu_us"] = round(
            (app_server.worker_cpu_seconds() - cpu_before) / max(1, results["save_answer"]["requests"]) * 1e6)
        results["bare_save"] = wrk(bare_server.port, "/", "save_answers.lua", args.connections, args.duration,
                                   {"BENCH_TARGETS": str(targets)})
        results["memory_mib_per_worker"] = app_server.worker_memory_mib()
        submitted = timed_requests(app_server.port, [("POST", f"/api/v1/attempts/{a['id']}/submit", t)
                                                     for t, a in zip(tokens, attempts)], args.connections)
        submitted.pop("bodies")
        results["submit"] = submitted
        results["hello_world"] = wrk(hello_server.port, "/hello", "hello.lua", args.connections, args.duration)
        results["save_vs_hello"] = round(results["save_answer"]["rps"] / results["hello_world"]["rps"], 3)
        results["bare_save_vs_hello"] = round(results["bare_save"]["rps"] / results["hello_world"]["rps"], 3)
        return results
    finally:
        app_server.stop()
        hello_server.stop()
        bare_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole run; this machine's speed varies from minute to minute")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    RESULTS.mkdir(exist_ok=True)
    ratios: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(1, args.rounds + 1):
        for kind in kinds:  # alternate the databases, so slow spells of the machine hit both
            figures = run(kind, args)
            ratios[kind].append(figures["save_vs_hello"])
            (RESULTS / f"load_attempts-{kind}-{round_number}.json").write_text(json.dumps(figures, indent=2))
            print(f"\n== {kind}, round {round_number}: {args.employees} employees, {args.connections} connections, "
                  f"{args.workers} sync workers")
            print(f"{'phase':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
            for phase in ("start", "save_answer", "submit", "hello_world", "bare_save"):
                f = figures[phase]
                print(f"{phase:<14}{f['requests']:>9}{f['rps']:>9}{f['p50_ms']:>9}{f['p95_ms']:>9}{f['p99_ms']:>9}"
                      f"{f['errors']:>8}")
            print(f"save-answer / hello-world throughput: {figures['save_vs_hello']:.0%}"
                  f"  (bare Flask + driver upsert: {figures['bare_save_vs_hello']:.0%})")
            print(f"worker CPU per save-answer request: {figures['save_answer']['worker_cpu_us']} µs")
            memory = figures["memory_mib_per_worker"]
            print(f"worker memory (MiB): RSS {memory['rss']}, PSS {memory['pss']}", flush=True)
    if args.rounds > 1:
        print()
        for kind, values in ratios.items():
            print(f"{kind}: save-answer / hello-world over {len(values)} rounds: median "
                  f"{statistics.median(values):.0%}, range {min(values):.0%}-{max(values):.0%}")


if __name__ == "__main__":
    main()
