"""Warm-board throughput of two checkouts side by side (issue 11: "measured that way").

Both apps are served at once (gunicorn, 2 sync workers each, with hello world beside them) on
databases seeded by each checkout's own code (bench/boards_seed.py: 300 units, 30,000 users,
100,000 attempts), and ``wrk`` loads them in turn, round after round, alternating which goes
first, with hello world measured before and after each pair.  The figure is each board's
throughput over hello world (median of the rounds) and the paired change of this checkout
against the other.  Interleaving cancels most of this machine's drift, which moved separate
runs of bench/boards.py by 10 points.

    .venv/bin/python bench/boards_side_by_side.py --baseline /path/to/other/checkout
    .venv/bin/python bench/boards_side_by_side.py --baseline ../baseline --database postgresql --rounds 8

The other checkout needs its own .venv (a link to this one's works).  PostgreSQL uses the scratch
databases ``sbs_this`` and ``sbs_other`` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
KINDS = ("units", "users", "display")
WRK_SCRIPT = '''done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.1f %d\\n", summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end'''


def prepare(url: str, instance: str) -> None:
    """Run inside a checkout (its code on sys.path): seed, make an API token and a display link."""
    sys.path[:0] = [str(Path.cwd()), str(Path.cwd() / "bench")]
    from boards_seed import make_app, seed  # noqa: PLC0415

    from quiz.extensions import db  # noqa: PLC0415
    from quiz.models import Quiz  # noqa: PLC0415
    from quiz.services import accounts  # noqa: PLC0415
    from quiz.services.clock import now_utc  # noqa: PLC0415
    try:
        from quiz.boards.links import create_display_link  # noqa: PLC0415
    except ImportError:  # checkouts from before the boards package
        from quiz.services.board_links import create_display_link  # noqa: PLC0415

    info = seed(url, instance)
    app = make_app(url, instance)
    with app.app_context():
        quiz = db.session.get(Quiz, info["quiz_id"])
        admin = accounts.find_user(info["admin"])
        token, _ = accounts.issue_token(admin, now_utc(), 24 * 3600)
        display, _ = create_display_link(quiz, "side by side", created_by=admin, now=now_utc())
        quiz.closes_at = None
        db.session.commit()
        print("RESULT " + json.dumps({"quiz_id": quiz.id, "token": token, "display": display}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}: see the gunicorn logs")


def gunicorn(tree: Path, target: str, env: dict, log: Path, cwd: Path | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(tree / ".venv/bin/gunicorn"), "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "--log-level", "info", target],
        cwd=str(cwd or tree), env={**os.environ, **env}, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, port


def wrk(port: int, path: str, headers: list[str], script: Path, seconds: int) -> tuple[float, int]:
    output = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(script), *headers,
                             f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    _, _, rps, errors = next(line for line in output.splitlines() if line.startswith("RESULT")).split()
    return float(rps), int(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=4, help="of each wrk run")
    parser.add_argument("--prepare", nargs=2, metavar=("URL", "INSTANCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(*args.prepare)
        return
    trees = {"other": args.baseline.resolve(), "this": ROOT}
    work = Path(tempfile.mkdtemp(prefix="sbs-"))
    script = work / "report.lua"
    script.write_text(WRK_SCRIPT)
    processes, servers = [], {}
    try:
        for name, tree in trees.items():
            instance = work / name / "instance"
            instance.mkdir(parents=True)
            if args.database == "sqlite":
                url = f"sqlite:///{work / name / 'boards.db'}"
            else:
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                                f"CREATE DATABASE sbs_{name}"], capture_output=True)
                url = f"{PG_SERVER}/sbs_{name}"
            print(f"seeding {name} ({tree}) ...", flush=True)
            output = subprocess.run([str(tree / ".venv/bin/python"), str(Path(__file__).resolve()), "--baseline", ".",
                                     "--prepare", url, str(instance)], cwd=tree, capture_output=True, text=True)
            if output.returncode:
                raise SystemExit(output.stderr[-3000:])
            info = json.loads(next(line for line in output.stdout.splitlines() if line.startswith("RESULT"))[7:])
            env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZ_INSTANCE_PATH": str(instance)}
            process, port = gunicorn(tree, "wsgi:app", env, work / f"{name}.log")
            processes.append(process)
            servers[name] = {**info, "port": port}
        hello, hello_port = gunicorn(ROOT, "boards_hello:app", {}, work / "hello.log", cwd=ROOT / "bench")
        processes.append(hello)
        for port in [hello_port] + [server["port"] for server in servers.values()]:
            wait_for(port)

        def target(name: str, kind: str) -> tuple[int, str, list[str]]:
            server = servers[name]
            auth = ["-H", f"Authorization: Bearer {server['token']}"]
            return {"units": (server["port"], f"/api/v1/quizzes/{server['quiz_id']}/leaderboard/units", auth),
                    "users": (server["port"], f"/api/v1/quizzes/{server['quiz_id']}/leaderboard/users?limit=50", auth),
                    "display": (server["port"], f"/boards/display/{server['display']}/data", [])}[kind]

        for name in servers:  # warm both workers of each: connections, compiled statements, board entries
            for kind in KINDS:
                wrk(*target(name, kind), script, 1)
        ratios = {(name, kind): [] for name in servers for kind in KINDS}
        errors = 0
        for number in range(args.rounds):
            for kind in KINDS:
                order = ["other", "this"] if number % 2 == 0 else ["this", "other"]
                before, _ = wrk(hello_port, "/", [], script, args.seconds)
                measured = {name: wrk(*target(name, kind), script, args.seconds) for name in order}
                after, _ = wrk(hello_port, "/", [], script, args.seconds)
                for name, (rps, failed) in measured.items():
                    ratios[(name, kind)].append(rps / ((before + after) / 2))
                    errors += failed
                print(f"round {number + 1} {kind:8s} hello {before:.0f}/{after:.0f}  "
                      + "  ".join(f"{name} {measured[name][0]:.0f}" for name in order), flush=True)
        print(f"\n{args.database}: warm board over hello world (median of {args.rounds} rounds); errors {errors}")
        for kind in KINDS:
            other, this = (statistics.median(ratios[(name, kind)]) for name in ("other", "this"))
            paired = statistics.median(b / a - 1 for a, b in zip(ratios[("other", kind)], ratios[("this", kind)]))
            print(f"  {kind:8s} other {other:.2f}  this {this:.2f}  this against other {this / other - 1:+.1%}"
                  f"  (median of the rounds' own changes {paired:+.1%})")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
