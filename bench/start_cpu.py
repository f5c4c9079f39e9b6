"""The cost of one start, in process: database statements and CPU per start.

A start draws the paper and freezes its questions (bench/load_attempts.py times 200 of them
over HTTP; the 9:00 rush is thousands within a minute).  This script starts a 20-question quiz
(four rules, as a real paper has) for N employees through the JSON API with Flask's test
client and reports, per start, the SQL statements sent (a count that does not drift with the
machine's load) and the process's CPU time; on PostgreSQL also the CPU its server processes
spent, and the starts a second this machine's cores could give at most if app and database had
them to themselves (no clients, no waiting).  ``--tree DIR`` runs another checkout's code.

    .venv/bin/python bench/start_cpu.py                       # SQLite
    .venv/bin/python bench/start_cpu.py --database postgresql
    .venv/bin/python bench/start_cpu.py --tree /path/to/other/checkout
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import scratch_app  # noqa: E402

PASSWORD = "Bench-Pass-1"


def postgres_cpu_seconds(backends: set[int]) -> float:
    """User + system CPU so far of the PostgreSQL processes that serve this bench: the backends of
    its connections and the WAL writer its commits wake (from /proc; other databases' work on the
    same server is not counted)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(pid) not in backends and b"walwriter" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def run(tree: Path, database: str, employees: int, rounds: int) -> tuple[list[float], list[float], list[float]]:
    app, drop = scratch_app(tree, database, "start-cpu", rate_limits=True)
    from sqlalchemy import event  # noqa: PLC0415

    from quiz.extensions import db  # noqa: PLC0415
    from quiz.services import accounts  # noqa: PLC0415

    users = employees * rounds
    with app.app_context():
        unit = accounts.create_unit("压测单位", "局属单位", users)
        password_hash = accounts.hash_new_password(PASSWORD, hash_method="pbkdf2:sha256:1000", min_length=8)
        accounts.create_user("bench_admin", password_hash=password_hash, unit=unit, role="admin")
        for number in range(users):
            accounts.create_user(f"bench_{number}", password_hash=password_hash, unit=unit)
        db.session.commit()
        engine = db.engine
    client = app.test_client()

    def token(username: str) -> dict:
        response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    quiz = client.post("/api/v1/quizzes", headers=token("bench_admin"), json={
        "title": "开始", "time_limit_seconds": 1800, "max_attempts": 1, "shuffle_options": True,
        "rules": [{"count": 8, "type": "single", "points": 5}, {"count": 4, "type": "multiple", "points": 5},
                  {"count": 4, "type": "true_false", "points": 5}, {"count": 4, "points": 5}]}).get_json()
    headers = [token(f"bench_{number}") for number in range(users)]
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    backends: set[int] = set()
    if database == "postgresql":
        engine.dispose()  # the connections made from now on are the ones whose backends are counted

        @event.listens_for(engine, "connect")
        def remember_backend(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
    path = f"/api/v1/quizzes/{quiz['id']}/attempts"
    assert client.post(path, headers=headers[0]).status_code == 201  # warm up
    cpu, database_cpu, per_start_statements = [], [], []
    for round_number in range(rounds):
        batch = headers[1 + round_number * (employees - 1): 1 + (round_number + 1) * (employees - 1)]
        statements, started, database_started = 0, time.process_time(), postgres_cpu_seconds(backends)
        for header in batch:
            assert client.post(path, headers=header).status_code == 201
        cpu.append((time.process_time() - started) / len(batch) * 1e6)
        database_cpu.append((postgres_cpu_seconds(backends) - database_started) / len(batch) * 1e6)
        per_start_statements.append(statements / len(batch))
    drop()
    return cpu, database_cpu, per_start_statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--employees", type=int, default=300, help="starts per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cpu, database_cpu, statements = run(args.tree.resolve(), args.database, args.employees, args.rounds)
    print(f"{args.tree} {args.database}: per start: {statistics.median(statements):.1f} SQL statements, "
          f"CPU µs median {statistics.median(cpu):.0f}, best {min(cpu):.0f} "
          f"(rounds: {', '.join(f'{v:.0f}' for v in cpu)})")
    if args.database == "postgresql":
        server = statistics.median(database_cpu)
        ceiling = (os.cpu_count() or 1) * 1e6 / (statistics.median(cpu) + server)
        print(f"  PostgreSQL's own CPU µs per start: median {server:.0f}; so {os.cpu_count()} cores give at most "
              f"{ceiling:.0f} starts/s to app and database alone (no clients, no waiting)")


if __name__ == "__main__":
    main()
