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
  ``BEGIN IMMEDIATE``: it takes the write lock first and waits for it (writers of all the
  worker processes queue on a lock file first: :class:`QueuedWriterConnection`).  The
  request boundary says which transactions may write (:func:`transaction_mode`); a view that
  does slow work (a password hash, parsing an upload) before it writes is marked
  :func:`reads_first` and writes in an explicit :func:`write_block`, so the lock is held only
  while it writes.  PostgreSQL locks rows, not the database: the modes make no difference there.

This module knows nothing about HTTP: :mod:`quiz.transactions` maps requests to modes.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection

from .extensions import db
from .private_files import private_dir, private_file, tighten_sqlite_files

#: Whether the transactions begun now may write.  Outside a request (CLI, scripts, tests) they may.
_may_write: ContextVar[bool] = ContextVar("may_write", default=True)


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions first queue on an ``flock()`` of a file
    beside the database, held from BEGIN IMMEDIATE to COMMIT or ROLLBACK.

    Why: SQLite's busy handler polls for the write lock with sleeps of up to 100 ms, so under a
    burst of autosaves from two workers a 1 ms write waited tens of milliseconds; the kernel's
    lock queue hands the lock over at once.  Measured side by side on this machine
    (bench/load_attempts.py, 2026-12-02, a busy machine): without the queue the autosave
    reached 11-12 % of hello world on SQLite against 21-25 % for the code that had it; with it
    again, 17-19 % against 20-21 % in alternating runs.  PostgreSQL does not need it.  (A
    connection to an in-memory database has no file and does not queue.)
    """

    _queue_fd: int | None = None
    _queued = False

    def queue_for_write(self) -> None:
        """Wait for this database's other writers (any process) to finish; called before BEGIN IMMEDIATE."""
        if self._queue_fd is None:
            path = next((row[2] for row in self.execute("PRAGMA database_list") if row[1] == "main"), "")
            if not path:
                return
            self._queue_fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
        self._queued = True

    @property
    def queued(self) -> bool:
        """Whether this connection holds its place at the head of the writers' queue."""
        return self._queued

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None


def engine_options(app) -> None:
    """SQLite connections are made as :class:`QueuedWriterConnection` (set before the engine exists)."""
    # copies: the default options dict is shared by every app made in this process
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {"factory": QueuedWriterConnection, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use when it sat idle in the pool longer than idle_seconds.

    Why: after PostgreSQL restarts, every pooled connection is dead.  A ping on checkout
    replaces a dead one before a request uses it, so the only requests that fail are those in
    flight at the restart (503 ``database_unavailable``, :func:`quiz.errors.database_fault`;
    the quiz page retries them).  ``pool_pre_ping`` pings on every checkout, which costs a
    round trip and about 130 µs of worker CPU per request (15 % of an autosave, measured with
    bench/save_cpu.py).  A worker under load takes its connection back within milliseconds,
    so this pings only connections that were idle, when the worker has time to spare; a
    connection that died within ``idle_seconds`` of its last use fails one request, and
    SQLAlchemy then replaces the whole pool (its optimistic disconnect handling).  The
    checkin/checkout pool events, ``Dialect.do_ping`` and raising ``DisconnectionError``
    (the pool then connects afresh) are SQLAlchemy's documented pessimistic-ping recipe.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # a new connection, or one used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise exc.DisconnectionError("pooled connection found dead on checkout")


def configure_engine(app) -> None:
    """PostgreSQL: idle connections pinged on checkout.  SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for transactions that may write."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        ping_idle_connections(engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
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
        if not _may_write.get():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        queued = isinstance(dbapi_connection, QueuedWriterConnection)
        if queued:
            dbapi_connection.queue_for_write()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                dbapi_connection.rollback()  # leaves the queue
            raise


@contextmanager
def transaction_mode(*, may_write: bool) -> Iterator[None]:
    """Transactions begun inside the block start as writers (SQLite: BEGIN IMMEDIATE) or readers."""
    token = _may_write.set(may_write)
    try:
        yield
    finally:
        _may_write.reset(token)


def reads_only_from_now() -> None:
    """The rest of this request only reads: after a database fault, its error page and
    after-request hooks must not ask for SQLite's write lock on a disk that refuses writes
    (the request's :func:`transaction_mode` restores the mode when it ends)."""
    _may_write.set(False)


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


def dialect_name() -> str:
    """The database's dialect ("postgresql", "sqlite"), read from the app's one engine: asking the
    session (``db.session.get_bind()``) made a session, and its teardown, for a request that needs none."""
    return db.engine.dialect.name


@contextmanager
def single_statement() -> Iterator[Connection]:
    """The connection for a request's one self-contained statement (the autosave).

    On PostgreSQL, while the request has no transaction open, it is a connection of the one
    engine with SQLAlchemy's documented ``isolation_level="AUTOCOMMIT"`` execution option,
    used outside the ORM session: no BEGIN and COMMIT round trips around the statement (which
    still commits with a synchronous WAL flush) and none of the session's transaction
    bookkeeping.  Otherwise (SQLite, which commits in process, or a request that already
    opened a transaction, e.g. to check a token) it is the session's connection: the
    statement joins the request's transaction and the request commits as usual.
    """
    # registry.has(): whether the request made a session at all; when it did not (an autosave
    # with a remembered token), none is made just to ask, and none torn down at the end.
    session_open = db.session.registry.has() and db.session().in_transaction()
    if dialect_name() == "postgresql" and not session_open:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    else:
        yield db.session.connection()


@contextmanager
def atomic() -> Iterator[None]:
    """Run one operation in a savepoint: if it raises, what it did is undone and the request
    goes on (for views that show a refusal on the page instead of an error page)."""
    with db.session.begin_nested():
        yield
