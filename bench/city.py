"""City scale: thousands answering, hundreds reading boards, dozens of big screens, on PostgreSQL.

Seeds (bench/boards_seed.py) ``--accounts`` people in a 4-level tree of ``--units`` units with a
finished contest of 2.5 attempts per person (its boards are what readers and screens show), then
a live quiz (20 questions, open now) that ``--takers`` people have started.  The servers run the
production set-up: ``--servers 1`` is one app server (the ExecStart of deploy/systemd/quiz@.service,
2 sync workers, no Redis, no nginx), ``--servers 2`` two of them behind nginx (deploy/nginx/quiz.conf)
sharing Redis, started by bench/two_servers.py (the launcher of tests/test_two_servers.py).

Then, for ``--seconds``, at a fixed schedule (open loop: a slow answer does not slow the load):

* every taker saves an answer every ``--save-every`` seconds (the quiz page's autosave, JSON API);
* ``--readers`` people read a board every ``--read-every`` seconds (the unit board of a top-level
  unit or of the level below it, the individual board, their own unit's individuals);
* ``--screens`` big screens fetch their data every BOARD_DISPLAY_REFRESH_SECONDS (15 s, as
  static/js/boards_display.js does; 5 display links, different levels of the tree).  Warm, a
  screen's request reads the database only when its worker's memo of the board's version has run
  out (DISPLAY_VERSION_SECONDS, 5 s; the link is read again only when that version moved), so the
  screens' queries are bounded by workers x quizzes every 5 s, whatever the number of screens.

and reports save, board and screen latency (p50/p99), errors and the rates reached.  Last, with
the takers and readers stopped, the database transactions of the bench database are counted
(pg_stat_database, read from another database) over the same window for each of
``--screen-counts`` screens (0, 10, 50, 200): what the big screens cost the database.

    .venv/bin/python bench/city.py --servers 1
    .venv/bin/python bench/city.py --servers 2
    .venv/bin/python bench/city.py --accounts 2000 --units 60 --takers 100 --readers 20 --screens 10 --seconds 20

The load generator runs on the same two cores as the servers and PostgreSQL: a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import json
import os
import random
import ssl
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import create_engine, text  # noqa: E402

from boards_seed import make_app, seed, tree_levels  # noqa: E402
from two_servers import Deployment, missing_tools  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
DATABASE = "city_bench"
SCREEN_PERIOD = 15.0  # BOARD_DISPLAY_REFRESH_SECONDS, the big screen page's default
SLOW_SECONDS = 0.1  # a request slower than this is counted in its window of SLOW_WINDOW seconds
SLOW_WINDOW = 10
FLUSH_WAIT = 11.0  # PostgreSQL 15 backends report their counters within 10 s of going idle


@dataclass(order=True)
class Task:
    due: float
    kind: str = field(compare=False)
    method: str = field(compare=False)
    path: str = field(compare=False)
    token: str | None = field(compare=False, default=None)
    body: object = field(compare=False, default=None)
    period: float = field(compare=False, default=10.0)
    next_body: object = field(compare=False, default=None)  # callable giving the next body


class Client:
    """One keep-alive connection to the server or nginx."""

    def __init__(self, base: str, cafile: Path | None):
        parts = urlsplit(base)
        self.host, self.port, self.https = parts.hostname, parts.port, parts.scheme == "https"
        self.context = ssl.create_default_context(cafile=str(cafile)) if self.https else None
        self.connection = None

    def request(self, method: str, path: str, token: str | None, body) -> int:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = (http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
                                   if self.https else http.client.HTTPConnection(self.host, self.port, timeout=30))
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return 599


class Load:
    """Open-loop load: each thread runs its own share of the tasks at their due times."""

    def __init__(self, base: str, cafile: Path | None, threads: int):
        self.base, self.cafile, self.threads = base, cafile, threads
        self.results: dict[str, list[float]] = {}
        self.errors: dict[str, dict[int, int]] = {}
        self.late: list[float] = []
        self.slow: list[float] = []  # seconds into the run of each request over SLOW_SECONDS
        self.started = 0.0
        self.lock = threading.Lock()

    def run(self, tasks: list[Task], seconds: float) -> None:
        shares: list[list[Task]] = [[] for _ in range(self.threads)]
        for index, task in enumerate(tasks):
            shares[index % self.threads].append(task)
        start = self.started = time.monotonic()
        for share in shares:
            for task in share:
                task.due += start
            heapq.heapify(share)
        stop = start + seconds
        workers = [threading.Thread(target=self._worker, args=(share, stop), daemon=True) for share in shares if share]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _worker(self, heap: list[Task], stop: float) -> None:
        client = Client(self.base, self.cafile)
        timings: dict[str, list[float]] = {}
        errors: dict[str, dict[int, int]] = {}
        late = []
        slow = []
        while heap:
            task = heap[0]
            if task.due >= stop:
                break
            wait = task.due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            sent = time.monotonic()
            late.append(sent - task.due)
            status = client.request(task.method, task.path, task.token, task.body)
            elapsed = time.monotonic() - sent
            timings.setdefault(task.kind, []).append(elapsed)
            if elapsed > SLOW_SECONDS:
                slow.append(sent - self.started)
            if status >= 400:
                errors.setdefault(task.kind, {}).setdefault(status, 0)
                errors[task.kind][status] += 1
            if task.next_body is not None:
                task.body = task.next_body()
            task.due += task.period
            heapq.heapreplace(heap, task)
        with self.lock:
            for kind, values in timings.items():
                self.results.setdefault(kind, []).extend(values)
            for kind, counts in errors.items():
                for status, count in counts.items():
                    self.errors.setdefault(kind, {}).setdefault(status, 0)
                    self.errors[kind][status] += count
            self.late.extend(late)
            self.slow.extend(slow)

    def figures(self, seconds: float) -> dict:
        out = {}
        for kind, values in sorted(self.results.items()):
            ordered = sorted(values)
            out[kind] = {"requests": len(values), "per_s": round(len(values) / seconds, 1),
                         "p50_ms": round(pct(ordered, 0.5) * 1000, 1), "p99_ms": round(pct(ordered, 0.99) * 1000, 1),
                         "max_ms": round(ordered[-1] * 1000, 1), "errors": self.errors.get(kind, {})}
        if self.late:
            out["generator_late_p99_ms"] = round(pct(sorted(self.late), 0.99) * 1000, 1)
        # when the slow requests happened: a burst at the start (cold boards), at the boards' refresh, or spread out
        windows = Counter(int(at // SLOW_WINDOW) for at in self.slow)
        out["slow_requests_by_window"] = {f"{index * SLOW_WINDOW}-{(index + 1) * SLOW_WINDOW} s": count
                                          for index, count in sorted(windows.items())}
        return out


def pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ensure_database() -> str:
    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}).first():
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()
    return f"{PG_SERVER}/{DATABASE}"


def prepare(url: str, workdir: Path, args) -> dict:
    """Seed the city, start the live quiz for the takers, make tokens and display links."""
    started = time.perf_counter()
    info = seed(url, str(workdir / "instance"), users=args.accounts, attempts=int(args.accounts * 2.5), tree=True,
                levels_spec=tree_levels(args.units))
    seeded = time.perf_counter() - started
    from quiz.boards.links import create_display_link  # noqa: PLC0415
    from quiz.extensions import db  # noqa: PLC0415
    from quiz.models import Quiz, Unit, User  # noqa: PLC0415
    from quiz.services import accounts, attempts, quizzes  # noqa: PLC0415
    from quiz.services.clock import now_utc  # noqa: PLC0415

    app = make_app(url, str(workdir / "instance"))
    rng = random.Random(18)
    with app.app_context():
        now = now_utc()
        admin = accounts.find_user(info["admin"])
        live = quizzes.create_quiz(
            quizzes.QuizSettings(title="城市联赛（基准，进行中）", time_limit_seconds=4 * 3600, max_attempts=None,
                                 shuffle_questions=True),
            [quizzes.RuleSpec(count=20, type="single", points=5)], admin, now)
        # People of units that exist today: the seed retires 1 % of the lower units with their people
        # in them, whose own unit's board is then (rightly) 404.
        people = db.session.execute(text(
            "SELECT u.id, u.unit_id FROM user_account u JOIN unit ON unit.id = u.unit_id"
            " WHERE u.role = 'employee' AND u.is_enabled AND unit.retired_at IS NULL ORDER BY u.id")).all()
        chosen = rng.sample(people, args.takers + args.readers)
        takers, readers = chosen[:args.takers], chosen[args.takers:]
        taker_work = []
        for user_id, _unit in takers:
            user = db.session.get(User, user_id)
            attempt, _ = attempts.start_attempt(user, live, now)
            token, _ = accounts.issue_token(user, now, 24 * 3600)
            taker_work.append((token, attempt.id, [item.question_id for item in attempt.questions]))
        reader_work = []
        for user_id, unit_id in readers:
            token, _ = accounts.issue_token(db.session.get(User, user_id), now, 24 * 3600)
            reader_work.append((token, unit_id))
        contest = db.session.get(Quiz, info["quiz_id"])
        links = [create_display_link(contest, f"大屏{n}", created_by=admin, now=now)[0] for n in range(5)]
        db.session.commit()
        units = db.session.query(Unit.id).count()
        people_count = db.session.query(User.id).count()
        db.session.remove()
        db.engine.dispose()
    return {"quiz_id": info["quiz_id"], "levels": info["levels"], "takers": taker_work, "readers": reader_work,
            "links": links, "seed_seconds": round(seeded, 1), "units": units, "people": people_count}


def taker_tasks(world: dict, period: float, rng: random.Random) -> list[Task]:
    tasks = []
    for token, attempt_id, question_ids in world["takers"]:
        state = {"n": 0}

        def next_body(state=state):
            state["n"] += 1
            return {"selected": [state["n"] % 4]}

        position = rng.randrange(len(question_ids))
        tasks.append(Task(rng.uniform(0, period), "save", "PUT",
                          f"/api/v1/attempts/{attempt_id}/answers/{question_ids[position]}", token,
                          {"selected": [0]}, period, next_body))
    return tasks


def reader_tasks(world: dict, period: float, rng: random.Random) -> list[Task]:
    quiz, levels = world["quiz_id"], world["levels"]
    tasks = []
    for n, (token, unit_id) in enumerate(world["readers"]):
        path = (f"/api/v1/quizzes/{quiz}/leaderboard/units?parent_id={rng.choice(levels[0])}",
                f"/api/v1/quizzes/{quiz}/leaderboard/units?parent_id={rng.choice(levels[1])}",
                f"/api/v1/quizzes/{quiz}/leaderboard/users?limit=20",
                f"/api/v1/quizzes/{quiz}/leaderboard/users?unit_id={unit_id}&limit=20")[n % 4]
        tasks.append(Task(rng.uniform(0, period), "board", "GET", path, token, None, period))
    return tasks


def screen_tasks(world: dict, count: int, rng: random.Random) -> list[Task]:
    top = world["levels"][0]
    tasks = []
    for n in range(count):
        link = world["links"][n % len(world["links"])]
        parent = "" if n % 3 == 0 else f"?parent={top[n % len(top)]}"
        tasks.append(Task(rng.uniform(0, SCREEN_PERIOD), "screen", "GET", f"/boards/display/{link}/data{parent}",
                          None, None, SCREEN_PERIOD))
    return tasks


def transactions() -> int:
    """Committed and rolled-back transactions of the bench database so far (read from another database)."""
    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        value = conn.execute(text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :name"),
                             {"name": DATABASE}).scalar()
    engine.dispose()
    return int(value)


def screen_database_cost(base: str, cafile, world: dict, counts: list[int], seconds: float, threads: int) -> dict:
    """Database transactions per minute with only big screens polling, for each number of screens."""
    out = {}
    time.sleep(FLUSH_WAIT)
    for count in counts:
        before = transactions()
        load = Load(base, cafile, min(threads, max(1, count)))
        if count:
            load.run(screen_tasks(world, count, random.Random(count)), seconds)
        else:
            time.sleep(seconds)
        time.sleep(FLUSH_WAIT)
        spent = transactions() - before
        figures = load.figures(seconds).get("screen", {})
        out[count] = {"transactions": spent, "per_minute": round(spent * 60 / (seconds + FLUSH_WAIT), 1),
                      "requests": figures.get("requests", 0), "errors": figures.get("errors", {}),
                      "p99_ms": figures.get("p99_ms")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--takers", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--save-every", type=float, default=10)
    parser.add_argument("--read-every", type=float, default=10)
    parser.add_argument("--screen-seconds", type=float, default=60, help="each window of the big-screen count")
    parser.add_argument("--screen-counts", default="0,10,50,200",
                        help="numbers of big screens whose database transactions are counted (screens only)")
    parser.add_argument("--threads", type=int, default=64, help="load generator threads (one connection each)")
    parser.add_argument("--reuse", action="store_true", help="skip seeding: reuse the last run's database (bench/results/city-world.json)")
    args = parser.parse_args()
    why = missing_tools() if args.servers == 2 else None
    if why:
        sys.exit(f"--servers 2: {why}")
    workdir = Path(tempfile.mkdtemp(prefix="city-"))
    url = ensure_database()
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    world_file = results_dir / "city-world.json"
    if args.reuse and world_file.exists():
        world = json.loads(world_file.read_text())
    else:
        print(f"seeding {args.accounts} accounts, {args.units} units, {args.takers} takers ...", flush=True)
        world = prepare(url, workdir, args)
        world_file.write_text(json.dumps(world))
    print(f"  {world['people']} people, {world['units']} units (seeded in {world['seed_seconds']} s)", flush=True)

    deployment = Deployment(url, workdir, servers=args.servers, proxy=args.servers == 2)
    deployment.start()
    try:
        base = deployment.url if args.servers == 2 else deployment.server(0)
        cafile = deployment.cert if args.servers == 2 else None
        rng = random.Random(2026)
        # warm: every board and screen path once per worker or so
        warm = Load(base, cafile, 8)
        warm.run([*reader_tasks(world, 1.0, rng)[:40], *screen_tasks(world, 20, rng)], 4)
        load = Load(base, cafile, args.threads)
        tasks = [*taker_tasks(world, args.save_every, rng), *reader_tasks(world, args.read_every, rng),
                 *screen_tasks(world, args.screens, rng)]
        print(f"running {args.seconds:.0f} s: {len(world['takers'])} takers, {len(world['readers'])} readers, "
              f"{args.screens} screens, through {'nginx and 2 app servers' if args.servers == 2 else '1 app server'}",
              flush=True)
        load_before = os.getloadavg()
        load.run(tasks, args.seconds)
        figures = load.figures(args.seconds)
        figures["load_average"] = [round(value, 2) for value in os.getloadavg()]
        figures["load_average_before"] = [round(value, 2) for value in load_before]
        counts = [int(count) for count in args.screen_counts.split(",")]
        print(f"big screens only: database transactions with {counts} screens, {args.screen_seconds:.0f} s each",
              flush=True)
        figures["screens_database"] = screen_database_cost(base, cafile, world, counts, args.screen_seconds,
                                                           args.threads)
    finally:
        deployment.stop()
    figures.update({"servers": args.servers, "people": world["people"], "units": world["units"],
                    "takers": len(world["takers"]), "readers": len(world["readers"]), "screens": args.screens,
                    "seconds": args.seconds})
    (results_dir / f"city-{args.servers}.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    save, board = figures.get("save", {}), figures.get("board", {})
    errors = sum(sum(figures.get(kind, {}).get("errors", {}).values()) for kind in ("save", "board", "screen"))
    met = save.get("p99_ms", 9e9) < 100 and board.get("p99_ms", 9e9) < 200 and not errors
    print("targets (save p99 < 100 ms, board p99 < 200 ms, 0 errors):", "met" if met else "missed")


if __name__ == "__main__":
    main()
