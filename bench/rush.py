"""The 9:00 rush: thousands of employees start the same quiz within a minute.

Seeds N employees with API tokens and a 20-question, three-rule quiz over the built-in bank,
serves the production server (gunicorn, 2 sync workers by default) on loopback, then has every
employee start the quiz through the JSON API from C concurrent clients, as fast as the server
takes them (a meeting says "start now"). Reports starts per second, latency percentiles and
errors, and whether all N started within 60 s. Targets (issue 18, PostgreSQL, 2 workers):
at least 300 starts/s; 5,000 starts within 60 s with p99 under 1 s and no errors.

    .venv/bin/python bench/rush.py                                  # PostgreSQL, 5,000 employees
    .venv/bin/python bench/rush.py --database sqlite --employees 1000

The clients run on the same two cores as the server, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_attempts import RESULTS, Server, prepare_database, seed, server_env, timed_requests  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rush-"))
    database_url = prepare_database(args.database, workdir, "quiz_rush")
    quiz_id, tokens = seed(database_url, workdir, args.employees)
    server = Server("wsgi:app", server_env(database_url, workdir), args.workers, workdir / "app.log")
    try:
        server.wait_ready("/login")
        figures = timed_requests(server.port, [("POST", f"/api/v1/quizzes/{quiz_id}/attempts", token)
                                               for token in tokens], args.connections)
        bodies = figures.pop("bodies")
    finally:
        server.stop()
    started = sum(1 for body in bodies if len(body.get("questions", ())) == 20)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"rush-{args.database}.json").write_text(json.dumps(figures, indent=2))
    print(f"{args.database}: {args.employees} employees, {args.connections} clients, {args.workers} sync workers")
    print(f"  started {started} attempts in {figures['seconds']} s: {figures['rps']} starts/s; "
          f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms; "
          f"errors {figures['errors']}")
    met = figures["rps"] >= 300 and figures["p99_ms"] < 1000 and not figures["errors"] and figures["seconds"] <= 60
    print("  targets (>= 300 starts/s, p99 < 1 s, 0 errors, all within 60 s):", "met" if met else "missed")


if __name__ == "__main__":
    main()
