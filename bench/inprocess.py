"""A scratch app for the in-process benchmarks (save_cpu.py, start_cpu.py): another checkout's
code when asked (``tree``), a fresh SQLite file or PostgreSQL schema, migrated, with the built-in bank."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def scratch_app(tree: Path, database: str, prefix: str, rate_limits: bool) -> tuple[object, Callable[[], None]]:
    """The app of ``tree`` on an empty, migrated database holding the built-in bank; and its clean-up."""
    sys.path.insert(0, str(tree))
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from question_bank import load_builtin_bank  # noqa: PLC0415
    from quiz import create_app  # noqa: PLC0415
    from quiz.extensions import db  # noqa: PLC0415
    from quiz.services.questions import import_question_records  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    drop = lambda: None  # noqa: E731
    if database == "sqlite":
        url = "sqlite:///" + str(workdir / "bench.sqlite3")
    else:
        schema = f"{prefix.replace('-', '_')}_{os.getpid()}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

        drop()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    os.environ["QUIZ_INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "RATELIMIT_ENABLED": rate_limits, "WTF_CSRF_ENABLED": False})
    try:
        from quiz.schema_version import upgrade_to_heads  # noqa: PLC0415
    except ImportError:  # a checkout from before quiz.schema_version (a side-by-side baseline)
        from flask_migrate import upgrade  # noqa: PLC0415

        with app.app_context():
            upgrade(directory=str(tree / "migrations"), revision="heads")
    else:
        upgrade_to_heads(app)
    with app.app_context():
        import_question_records(load_builtin_bank().records)
        db.session.commit()
    return app, drop
