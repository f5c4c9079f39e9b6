"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from quiz import schema_version
from quiz.extensions import db

from helpers import ROOT


def test_one_migration_head():
    assert len(ScriptDirectory(str(ROOT / "migrations")).get_heads()) == 1


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_shipped_heads_are_alembics_heads():
    """/healthz reads the heads without Alembic; they must be the ones Alembic computes."""
    directory = ROOT / "migrations"
    assert schema_version.shipped_heads(directory) == frozenset(ScriptDirectory(str(directory)).get_heads())


def test_shipped_heads_follow_merges_and_branches(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    scripts = {"a": None, "b": "a", "c": "a", "d": ("b", "c"), "e": "d", "f": "d"}
    for revision, down in scripts.items():
        (versions / f"{revision}_x.py").write_text(
            f'"""{revision}"""\nfrom alembic import op\n\nrevision = {revision!r}\ndown_revision = {down!r}\n'
            "branch_labels = None\n\n\ndef upgrade():\n    pass\n")
    assert schema_version.shipped_heads(tmp_path) == frozenset({"e", "f"})
    assert schema_version.shipped_heads(tmp_path) == frozenset(ScriptDirectory(str(tmp_path)).get_heads())


def test_database_heads_are_what_alembic_records(app):
    with db.engine.connect() as connection:
        assert schema_version.database_heads(connection) == frozenset(
            MigrationContext.configure(connection).get_current_heads())
        assert schema_version.database_heads(connection) == schema_version.shipped_heads()


def test_a_web_worker_imports_no_alembic(tmp_path):
    """Alembic and Flask-Migrate are 10 MiB of each worker's memory: only the command line loads them."""
    code = ("import sys, wsgi; assert wsgi.app; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'flask_migrate')))")
    env = {**os.environ, "QUIZ_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_flask_db_commands_load_on_demand(tmp_path):
    """`flask db upgrade` and `flask db current` from a real command line (Flask-Migrate loaded on demand)."""
    env = {**os.environ, "QUIZ_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "FLASK_APP": "wsgi",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    flask = str(Path(sys.executable).parent / "flask")
    for args in (["db", "upgrade", "heads"], ["db", "current"]):
        result = subprocess.run([flask, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    (head,) = schema_version.shipped_heads()
    assert f"{head} (head)" in result.stdout
    listed = subprocess.run([flask, "--help"], cwd=ROOT, env=env, capture_output=True, text=True).stdout
    assert "Perform database migrations" in listed
