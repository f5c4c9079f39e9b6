"""Operations: health check, request ids, backup and restore."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from quiz.extensions import db
from quiz.models import Question, Unit, User


def test_a_web_worker_starts_lean(tmp_path):
    """openpyxl (8 MiB) and the Redis client (6 MiB) load on first use, and what start-up
    made is frozen out of the garbage collector (so a worker's full collection does not
    copy the pages it shares with the preloading master): a gunicorn worker that never
    exports a workbook or shares a cache stays well under 100 MiB."""
    env = {**os.environ, "QUIZ_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("REDIS_URL", None)
    script = ("import gc, sys, wsgi; "
              "print(sorted({'openpyxl', 'redis'} & set(sys.modules)), gc.get_freeze_count() > 10000)")
    report = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent, env=env,
                            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert report == "[] True"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "current"}


def test_healthz_reports_pending_migrations(app, client):
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    db.session.execute(text("DELETE FROM alembic_version"))
    db.session.commit()
    try:
        response = client.get("/healthz")
        assert response.status_code == 503 and response.json["migrations"] == "pending"
    finally:
        for version in current:
            db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
        db.session.commit()


def test_request_id_and_structured_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="quiz.request"):
        response = client.get("/login", headers={"X-Request-ID": "abc-123"})
        generated = client.get("/login")
    assert response.headers["X-Request-ID"] == "abc-123"
    assert len(generated.headers["X-Request-ID"]) == 32
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "quiz.request"]
    assert records[0]["request_id"] == "abc-123" and records[0]["status"] == 200 and records[0]["path"] == "/login"


def test_backup_and_restore_round_trip(runner, build, tmp_path):
    unit = build.unit("区图书馆")
    build.user("zhangsan", unit=unit)
    build.questions(3)
    backup = tmp_path / "backup.bin"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    db.session.execute(db.delete(User))
    db.session.execute(db.delete(Unit))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0

    refused = runner.invoke(args=["restore", str(backup)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.scalar(db.select(User.username)) == "zhangsan"
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 3


def test_restore_refuses_a_broken_file(runner, app, tmp_path):
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"not a backup at all" * 10)
    result = runner.invoke(args=["restore", str(broken), "--yes"])
    assert result.exit_code != 0
