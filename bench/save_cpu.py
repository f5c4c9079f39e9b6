"""CPU time of one autosave, in process: the app's own cost, which other load on the machine barely moves.

The throughput benchmark (bench/load_attempts.py) measures requests per second over HTTP; on a
shared machine its figures move with whatever else runs.  This one sends the same autosave
(PUT /api/v1/attempts/{id}/answers/{question_id} with a bearer token) through Flask's test
client and counts the process's CPU seconds per request (time.process_time), which is what a
change to the code changes.  It uses the public API only, so the same script measures another
checkout of the project: ``--tree DIR`` runs DIR's code.

    .venv/bin/python bench/save_cpu.py                                   # this tree, both databases
    .venv/bin/python bench/save_cpu.py --tree /path/to/other/checkout    # another version, same way
    .venv/bin/python bench/save_cpu.py --cookie                          # as the quiz page: session cookie
    .venv/bin/python bench/save_cpu.py --rate-limits                     # Flask-Limiter on, as in production
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import scratch_app  # noqa: E402


def run(tree: Path, database: str, saves: int, rounds: int, cookie: bool = False,
        rate_limits: bool = False) -> list[float]:
    app, drop = scratch_app(tree, database, "save-cpu", rate_limits)
    from quiz.extensions import db  # noqa: PLC0415
    from quiz.services import accounts  # noqa: PLC0415

    with app.app_context():
        unit = accounts.create_unit("压测单位", "局属单位", 10)
        password_hash = accounts.hash_new_password("Bench-Pass-1", hash_method="pbkdf2:sha256:1000", min_length=8)
        accounts.create_user("bench_admin", password_hash=password_hash, unit=unit, role="admin")
        accounts.create_user("bench_user", password_hash=password_hash, unit=unit)
        db.session.commit()
        db.engine.dispose()
    client = app.test_client()

    def token(username: str) -> dict:
        response = client.post("/api/v1/tokens", json={"username": username, "password": "Bench-Pass-1"})
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    quiz = client.post("/api/v1/quizzes", headers=token("bench_admin"), json={
        "title": "CPU", "time_limit_seconds": 86400, "max_attempts": None,
        "rules": [{"count": 20, "type": "single", "points": 5}]}).get_json()
    employee = token("bench_user")
    if cookie:  # the quiz page: the browser's session cookie (CSRF is off here), no bearer token
        saver = app.test_client()
        assert saver.post("/login", data={"username": "bench_user", "password": "Bench-Pass-1"}).status_code == 302
        employee = {}
    else:
        saver = client
    attempt = saver.post(f"/api/v1/quizzes/{quiz['id']}/attempts", headers=employee).get_json()
    questions = [q["id"] for q in attempt["questions"]]
    paths = [f"/api/v1/attempts/{attempt['id']}/answers/{qid}" for qid in questions]
    for path in paths:  # warm up: caches, first compilations
        assert saver.put(path, headers=employee, json={"selected": [0]}).status_code == 200
    per_save = []
    for _ in range(rounds):
        started = time.process_time()
        for i in range(saves):
            saver.put(paths[i % len(paths)], headers=employee, json={"selected": [i % 4]})
        per_save.append((time.process_time() - started) / saves * 1e6)
    drop()
    return per_save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cookie", action="store_true", help="autosave with a web session cookie, as the quiz page")
    parser.add_argument("--rate-limits", action="store_true",
                        help="Flask-Limiter on, as in production (its per-request hook is then measured too)")
    args = parser.parse_args()
    per_save = run(args.tree.resolve(), args.database, args.saves, args.rounds, args.cookie, args.rate_limits)
    mode = (" cookie" if args.cookie else "") + (" rate-limits" if args.rate_limits else "")
    print(f"{args.tree} {args.database}{mode}: CPU per autosave, µs: median {statistics.median(per_save):.0f}, "
          f"best {min(per_save):.0f} (rounds: {', '.join(f'{v:.0f}' for v in per_save)})")


if __name__ == "__main__":
    main()
