"""The database schema's version: the migrations this code ships, the ones a database is at, and
Flask-Migrate's ``flask db`` commands.

A web worker never imports Alembic: with every SQLAlchemy dialect its DDL layer brings in, it was
10 MiB of each worker's memory (measured: RSS after ``import wsgi``), for the ``flask db``
commands and one comparison in /healthz.  The commands load Flask-Migrate when a command line
asks for them (:class:`MigrationCommands`); /healthz compares two sets of revision ids that need
no Alembic to read (:func:`shipped_heads`, :func:`database_heads`).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import click
from sqlalchemy import inspect, text

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Alembic's version table (its default name, which env.py keeps).
VERSION_TABLE = "alembic_version"


@functools.cache
def shipped_heads(directory: Path = MIGRATIONS) -> frozenset[str]:
    """The revisions no other migration revises: the heads this code ships.

    Read from each script's ``revision`` and ``down_revision`` assignments, the two names
    Alembic's script format defines for this (tests/test_migrations.py holds the result to
    Alembic's own ``ScriptDirectory.get_heads()``)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((directory / "versions").glob("*.py")):
        names = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id in ("revision", "down_revision"):
                    names[node.targets[0].id] = ast.literal_eval(node.value)
        revisions.add(names["revision"])
        down = names.get("down_revision")
        revised.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return frozenset(revisions - revised)


def database_heads(connection) -> frozenset[str]:
    """The revisions the database says it is at (none before its first migration)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def attach_migrate(app):
    """Flask-Migrate on ``app`` (once), for the ``flask db`` commands and ``flask_migrate.upgrade()``;
    returns Flask-Migrate's command group."""
    from flask_migrate import Migrate  # noqa: PLC0415 - see the module docstring: not in web workers
    from flask_migrate.cli import db as commands  # noqa: PLC0415

    if "migrate" not in app.extensions:
        Migrate(app, db, directory=str(MIGRATIONS))
    return commands


def upgrade_to_heads(app) -> None:
    """Migrate the database of ``app`` to the heads this code ships (tests, benchmarks, set-up)."""
    attach_migrate(app)
    from flask_migrate import upgrade  # noqa: PLC0415

    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="heads")


class MigrationCommands(click.Command):
    """``flask db …``: stands in the command list for Flask-Migrate's group until a command line
    names it; ``make_context`` (Click's public step from arguments to a context) then hands the
    arguments to Flask-Migrate's own group, which parses and runs them as it always does."""

    def __init__(self, app):
        super().__init__("db", help="Perform database migrations (Flask-Migrate / Alembic).")
        self.app = app

    def make_context(self, info_name, args, parent=None, **extra):
        return attach_migrate(self.app).make_context(info_name, args, parent=parent, **extra)


def init_app(app) -> None:
    app.cli.add_command(MigrationCommands(app))
