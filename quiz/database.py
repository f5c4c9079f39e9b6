"""Engine set-up: SQLite pragmas and write-intent transactions.

SQLite in WAL mode lets readers run beside one writer, but a transaction that reads
first and writes later fails at once with "database is locked" when another writer
committed in between (a stale snapshot cannot be upgraded, and busy_timeout does not
help).  So transactions of state-changing requests start with BEGIN IMMEDIATE: they
take the write lock first and wait for it politely (busy_timeout).  Read-only requests
start with a plain BEGIN.  A view that decides to write during a GET calls
:func:`begin_write` first.
"""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _write_intended() -> bool:
    if has_app_context():
        intent = g.get("write_intent")
        if intent is not None:
            return intent
    if not has_request_context():
        return True  # CLI commands and scripts: assume they write
    return request.method not in SAFE_METHODS


def configure_engine(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN; pysqlite's own handling is off.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intended() else "BEGIN")


def read_only_until_needed() -> None:
    """Run this request's first transaction without the write lock (e.g. during a password check)."""
    g.write_intent = False


def begin_write() -> None:
    """End the current read transaction so that the next one takes the write lock first."""
    if g.get("write_intent") is not True:
        db.session.commit()
        g.write_intent = True
