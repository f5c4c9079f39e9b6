"""The lunch-hour burst: 1,000 employees start within 5 minutes, save 20 answers each, submit.

Runs against the production server (gunicorn, 2 sync workers by default) on PostgreSQL
(or SQLite with --database sqlite).  Each simulated employee arrives at a random moment in
the arrival window, starts the contest, answers every question with a think time between
answers, and submits.  Reports throughput and latency percentiles per request kind; the
error count must be zero.

    .venv/bin/python -m bench.lunch_burst                      # 1000 employees, 300 s window
    .venv/bin/python -m bench.lunch_burst --employees 200 --window 60 --think 1   # a quick look

Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.load_attempts import RESULTS, Server, percentile, prepare_database, seed, server_env


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def add(self, kind: str, ms: float, ok: bool) -> None:
        with self.lock:
            self.samples.setdefault(kind, []).append(ms)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def request(port: int, method: str, path: str, token: str, body=None, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = None if body is None else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        status = response.status
    except OSError:
        data, status = b"{}", 0
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000, json.loads(data or b"{}")


def employee(port, quiz_id, token, arrive_at, think, recorder, rng, began):
    time.sleep(max(0.0, began + arrive_at - time.time()))
    status, ms, attempt = request(port, "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token)
    recorder.add("start", ms, status in (200, 201))
    if status not in (200, 201):
        return
    for question in attempt["questions"]:
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        selected = [rng.randrange(len(question["options"]))]
        if question["type"] == "multiple":
            selected = sorted(rng.sample(range(len(question["options"])), 2))
        status, ms, _ = request(port, "PUT", f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}", token,
                                {"selected": selected})
        recorder.add("save_answer", ms, status == 200)
    status, ms, _ = request(port, "POST", f"/api/v1/attempts/{attempt['id']}/submit", token)
    recorder.add("submit", ms, status == 200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--window", type=float, default=300, help="seconds over which employees arrive")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds between two answers")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="burst-"))
    database_url = prepare_database(args.database, workdir)
    quiz_id, tokens = seed(database_url, workdir, args.employees)
    server = Server("wsgi:app", server_env(database_url, workdir), args.workers, workdir / "app.log")
    recorder = Recorder()
    rng = random.Random(2026)
    try:
        server.wait_ready("/healthz")
        began = time.time()
        threads = [
            threading.Thread(target=employee, daemon=True, args=(
                server.port, quiz_id, token, rng.uniform(0, args.window), args.think, recorder,
                random.Random(i), began))
            for i, token in enumerate(tokens)
        ]
        for thread in threads:
            thread.start()
        limit = began + args.window + 40 * args.think * 1.5 + 120
        for thread in threads:
            thread.join(max(0.0, limit - time.time()))
        wall = time.time() - began
        memory = server.worker_memory_mib()
    finally:
        server.stop()

    report = {"database": args.database, "employees": args.employees, "window_s": args.window,
              "wall_s": round(wall, 1), "memory_mib_per_worker": memory, "kinds": {}}
    total = sum(len(v) for v in recorder.samples.values())
    print(f"\n== lunch burst on {args.database}: {args.employees} employees arriving over {args.window:.0f} s, "
          f"think {args.think} s, {args.workers} sync workers; {total} requests in {wall:.0f} s "
          f"({total / wall:.1f} req/s)")
    print(f"{'kind':<13}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind in ("start", "save_answer", "submit"):
        values = recorder.samples.get(kind, [])
        if not values:
            continue
        figures = {"requests": len(values), "p50_ms": round(statistics.median(values), 1),
                   "p95_ms": round(percentile(values, 95), 1), "p99_ms": round(percentile(values, 99), 1),
                   "max_ms": round(max(values), 1), "errors": recorder.errors.get(kind, 0)}
        report["kinds"][kind] = figures
        print(f"{kind:<13}{figures['requests']:>9}{figures['p50_ms']:>9}{figures['p95_ms']:>9}"
              f"{figures['p99_ms']:>9}{figures['max_ms']:>9}{figures['errors']:>8}")
    completed = len(recorder.samples.get("submit", []))
    print(f"employees who submitted: {completed} / {args.employees}; worker memory (MiB): {report['memory_mib_per_worker']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"lunch_burst-{args.database}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
