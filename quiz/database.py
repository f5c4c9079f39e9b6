"""The unit of work: one transaction per request, committed once at its end.

The rule, in one place:

* A request runs in one transaction.  :class:`quiz.QuizApp` commits it when the view
  returns; any exception rolls it back (the error handlers in :mod:`quiz.errors` and
  Flask-SQLAlchemy's teardown).  Views, API endpoints and services never commit.
* Operations flush and never commit.  A view that shows a refusal instead of raising it
  runs the operation in :func:`atomic`, so that nothing the refused operation did is kept.
* SQLite: a transaction that reads first and writes later fails at once with "database is
  locked" when another writer committed in between (a stale snapshot cannot be upgraded, and
  the busy timeout does not help).  So a transaction that may write starts with
  ``BEGIN IMMEDIATE``: it takes the write lock first and waits for it (busy timeout).  The
  request boundary says which transactions may write (:func:`transaction_mode`); a view that
  does slow work (a password hash, parsing an upload) before it writes is marked
  :func:`reads_first` and writes in an explicit :func:`write_block`, so the lock is held only
  while it writes.  PostgreSQL locks rows, not the database: the modes make no difference there.

This module knows nothing about HTTP: :mod:`quiz.transactions` maps requests to modes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event

from .extensions import db
from .private_files import private_dir, private_file, tighten_sqlite_files

#: Whether the transactions begun now may write.  Outside a request (CLI, scripts, tests) they may.
_may_write: ContextVar[bool] = ContextVar("may_write", default=True)


def configure_engine(app) -> None:
    """SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for transactions that may write."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_dir(Path(database).parent)  # SQLite creates its -wal/-shm files next to it
        private_file(database)  # owner-only before SQLite writes the first page

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let the "begin" event below emit BEGIN; pysqlite's own transaction handling is off.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        if database and database != ":memory:":
            tighten_sqlite_files(database)  # a database made before this rule, and its WAL files

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write.get() else "BEGIN")


@contextmanager
def transaction_mode(*, may_write: bool) -> Iterator[None]:
    """Transactions begun inside the block start as writers (SQLite: BEGIN IMMEDIATE) or readers."""
    token = _may_write.set(may_write)
    try:
        yield
    finally:
        _may_write.reset(token)


def reads_first(view):
    """Mark a state-changing view that does slow work before it writes: its request starts
    read-only (no SQLite write lock while it hashes or parses) and it writes in :func:`write_block`."""
    view.reads_first = True
    return view


@contextmanager
def write_block() -> Iterator[None]:
    """Write after slow work: a transaction of its own, with the write lock taken first,
    committed at the end of the block (rolled back if the block raises).

    The read transaction before it is ended first; it must not have written anything
    (that would be a view writing outside its block).  Objects loaded before the block are
    reloaded on their next use, so nothing decided inside it rests on a stale read.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_block(): the session already holds unflushed changes")
    session.rollback()
    with transaction_mode(may_write=True):
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


def single_statement() -> None:
    """Declare that this request's transaction is one self-contained statement (the autosave).

    On PostgreSQL the session then runs it on an autocommit connection of the one engine
    (SQLAlchemy's documented ``isolation_level="AUTOCOMMIT"`` execution option, set on the
    transaction's first connection): no BEGIN and COMMIT round trips around the statement,
    which still commits with a synchronous WAL flush.  It only applies while the request has
    no transaction open (a token that had to be checked in the database opened one: the
    statement then simply joins it, and the request commits as usual).  SQLite commits in
    process and needs nothing.
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@contextmanager
def atomic() -> Iterator[None]:
    """Run one operation in a savepoint: if it raises, what it did is undone and the request
    goes on (for views that show a refusal on the page instead of an error page)."""
    with db.session.begin_nested():
        yield
