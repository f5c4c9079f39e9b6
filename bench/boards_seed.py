"""Seed a contest for the boards benchmark: units, users and finalized attempts, inserted in bulk.

Used by bench/boards.py; also runnable alone:
    .venv/bin/python bench/boards_seed.py sqlite:////tmp/boards-bench.sqlite3
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quiz.schema_version import upgrade_to_heads  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from quiz import create_app  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.models import Attempt, Category, Question, Unit, User  # noqa: E402
from quiz.boards.cache import mark_board_changed  # noqa: E402
from quiz.services import accounts, quizzes  # noqa: E402

#: The contest window of the seeded quiz: 2026-06-05 .. 2026-07-05 (Shanghai), "now" is mid-June.
OPENS_AT = datetime(2026, 6, 4, 16, 0, tzinfo=timezone.utc)
CLOSES_AT = datetime(2026, 7, 4, 16, 0, tzinfo=timezone.utc)
BENCH_PASSWORD = "Bench-Lantern-Quill"  # no year: the password policy refuses campaign words
FAST_HASH = "pbkdf2:sha256:1000"


def reset_database(url: str) -> None:
    """An empty database: a new SQLite file, or PostgreSQL's public schema dropped and recreated."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(url: str, instance: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": FAST_HASH,
                       "RATELIMIT_ENABLED": False})


#: The --tree benchmark's organisation: units per level (区 → 局 → 局属单位/科室 → 班组), 3,000 in all.
TREE_LEVELS = (10, 90, 900, 2000)
#: Where its people work: the share of users in each level (most in 班组).
TREE_USER_SHARE = (0.02, 0.08, 0.20, 0.70)


def tree_levels(units: int) -> tuple[int, ...]:
    """TREE_LEVELS scaled to about ``units`` units in all (at least one per level)."""
    scaled = [max(1, round(count * units / sum(TREE_LEVELS))) for count in TREE_LEVELS]
    scaled[-1] = max(1, units - sum(scaled[:-1]))
    return tuple(scaled)


def seed_tree_units(session, rng: random.Random, now, levels_spec: tuple[int, ...] = TREE_LEVELS) -> list[list[int]]:
    """``levels_spec`` (TREE_LEVELS) units level by level, each under a random unit of the level above (bulk inserts);
    1 % of the lowest two levels retired.  Returns the unit ids of each level."""
    kinds = ("局属单位", "局属单位", "科室", "班组")
    levels: list[list[int]] = []
    for depth, count in enumerate(levels_spec):
        parents = levels[-1] if levels else [None]
        rows = []
        for i in range(count):
            parent = parents[i % len(parents)] if depth < 2 else rng.choice(parents)
            rows.append({
                "name": f"L{depth + 1}-{i:04d}", "kind": kinds[depth], "parent_id": parent, "created_at": now,
                "headcount": None if i % 4 == 0 else (400, 120, 40, 12)[depth] + (i * 37) % 30,
                "retired_at": now if depth >= 2 and i % 100 == 7 else None,
            })
        session.execute(insert(Unit), rows)
        levels.append(list(session.scalars(text(
            "SELECT id FROM unit WHERE name LIKE :prefix ORDER BY id"), {"prefix": f"L{depth + 1}-%"})))
    return levels


def seed(url: str, instance: str, *, units: int = 300, users: int = 30_000, attempts: int = 100_000,
         seed_value: int = 2026, tree: bool = False, levels_spec: tuple[int, ...] = TREE_LEVELS) -> dict:
    """Migrate and fill the database; returns ids the benchmark needs and the seeding time.

    ``tree``: a 4-level unit tree of TREE_LEVELS units instead of ``units`` flat ones."""
    rng = random.Random(seed_value)
    reset_database(url)
    app = make_app(url, instance)
    started = time.perf_counter()
    upgrade_to_heads(app)
    with app.app_context():
        session = db.session
        now = OPENS_AT + timedelta(days=12)
        levels = None
        if tree:
            levels = seed_tree_units(session, rng, now, levels_spec)
        else:
            session.execute(insert(Unit), [
                {"name": f"单位{i:03d}", "kind": ("科室", "局属单位", "企业")[i % 3],
                 "headcount": None if i % 3 == 0 else 60 + (i * 37) % 140, "created_at": now}
                for i in range(1, units + 1)
            ])
        category = Category(name="综合", created_at=now)
        session.add(category)
        session.flush()
        session.execute(insert(Question), [
            {"category_id": category.id, "type": "single", "stem": f"基准题{i}", "stem_key": f"bench{i}",
             "options": ["甲", "乙", "丙", "丁"], "correct": [1], "explanation": "", "difficulty": 2, "points": 1,
             "source": "", "is_active": True, "created_at": now, "updated_at": now}
            for i in range(60)
        ])
        unit_ids = list(session.scalars(text("SELECT id FROM unit ORDER BY id")))
        password_hash = accounts.hash_new_password(BENCH_PASSWORD, hash_method=FAST_HASH, min_length=8)
        surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
        given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
        rows = []
        for i in range(1, users + 1):
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
            if levels is not None:
                unit_id = rng.choice(levels[rng.choices(range(len(levels)), TREE_USER_SHARE)[0]])
            else:
                unit_id = unit_ids[(i * 7919) % len(unit_ids)]
            rows.append({"username": f"u{i:05d}", "display_name": name, "unit_id": unit_id,
                         "role": "employee", "password_hash": password_hash, "is_enabled": i % 97 != 0,
                         "created_at": now})
        for start in range(0, len(rows), 5000):
            session.execute(insert(User), rows[start:start + 5000])
        admin = accounts.create_user("benchadmin", password_hash=password_hash, display_name="基准管理员",
                                     unit=None, role="admin")
        quiz = quizzes.create_quiz(
            quizzes.QuizSettings(title="“测测你的安全力”安全知识竞赛（基准）", time_limit_seconds=1200,
                                 opens_at=OPENS_AT, closes_at=CLOSES_AT, max_attempts=None, pass_score=60,
                                 shuffle_questions=False),
            [quizzes.RuleSpec(count=25, type="single", points=4)], admin, now,
        )
        quiz.ranking_metric = "composite"
        user_ids = list(session.scalars(text("SELECT id FROM user_account WHERE role = 'employee' ORDER BY id")))
        # About 80 % of users take part, with 1 to 8 attempts each.
        participants = rng.sample(user_ids, int(len(user_ids) * 0.8))
        per_user = {uid: 1 for uid in participants}
        for _ in range(attempts - len(participants)):
            per_user[rng.choice(participants)] += 1
        span = int((now - OPENS_AT).total_seconds())
        batch = []
        for uid, count in per_user.items():
            for number in range(1, count + 1):
                submitted = OPENS_AT + timedelta(seconds=rng.randrange(span))
                seconds = rng.randrange(120, 1200)
                score = float(4 * min(25, max(0, round(rng.gauss(19, 4)))))
                status = "expired" if seconds >= 1190 else "submitted"
                batch.append({
                    "user_id": uid, "quiz_id": quiz.id, "number": number, "status": status,
                    "started_at": submitted - timedelta(seconds=seconds), "deadline_at": submitted + timedelta(seconds=1200 - seconds),
                    "submitted_at": submitted, "score": score, "max_score": 100.0, "correct_count": int(score // 4),
                    "question_count": 25, "duration_seconds": seconds, "passed": score >= 60, "left_page_count": 0,
                })
                if len(batch) == 10_000:
                    session.execute(insert(Attempt), batch)
                    batch = []
        if batch:
            session.execute(insert(Attempt), batch)
        mark_board_changed(quiz.id, now)  # the bulk inserts above bypass the hooks that bump it
        session.commit()
        if db.engine.dialect.name == "postgresql":
            # VACUUM as autovacuum does after bulk inserts (PostgreSQL 13+ vacuums insert-only
            # tables): it sets the visibility map, so the board's index-only scan reads no heap.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            session.execute(text("ANALYZE"))
            session.commit()
        info = {"quiz_id": quiz.id, "admin": "benchadmin", "password": BENCH_PASSWORD,
                "seconds": time.perf_counter() - started, "participants": len(participants),
                "levels": levels}
        db.session.remove()
        db.engine.dispose()
    return info


if __name__ == "__main__":
    print(seed(sys.argv[1], "/tmp/boards-bench-instance"))
