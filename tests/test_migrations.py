"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from quiz.extensions import db

from helpers import ROOT


def test_one_migration_head():
    assert len(ScriptDirectory(str(ROOT / "migrations")).get_heads()) == 1


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
