"""Engine set-up: SQLite pragmas and write-intent transactions.

SQLite in WAL mode lets readers run beside one writer, but a transaction that reads
first and writes later fails at once with "database is locked" when another writer
committed in between (a stale snapshot cannot be upgraded, and busy_timeout does not
help).  So transactions of state-changing requests start with BEGIN IMMEDIATE: they
take the write lock first and wait for it politely (busy_timeout).  Read-only requests
start with a plain BEGIN.  A view that decides to write during a GET calls
:func:`begin_write` first.

Writers of several processes (gunicorn workers) also queue on an flock() of a file
beside the database before BEGIN IMMEDIATE.  SQLite's own busy handler polls with
sleeps of up to 100 ms, which under a burst of autosaves turned a 1 ms write into a
100 ms wait; the kernel's lock queue hands the lock over at once.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

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


def sqlite_engine_options(app) -> None:
    """Make SQLite connections LockingConnections (set before the engine is created)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "factory": LockingConnection}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_engine(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    database_path = engine.url.database
    lock_path = database_path + ".writelock" if database_path and database_path != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if lock_path and isinstance(dbapi_connection, LockingConnection):
            dbapi_connection.writer_lock = WriterLock(lock_path)
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
        # On the driver's connection: a BEGIN needs none of SQLAlchemy's statement handling.
        dbapi_connection = connection.connection.dbapi_connection
        if not _write_intended():
            dbapi_connection.execute("BEGIN")
            return
        writer_lock = getattr(dbapi_connection, "writer_lock", None)
        if writer_lock is not None:
            writer_lock.acquire()
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            if writer_lock is not None:
                writer_lock.release()
            raise


class WriterLock:
    """An exclusive flock() on a lock file, held from BEGIN IMMEDIATE to COMMIT/ROLLBACK."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.held = False

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        os.close(self.fd)


class LockingConnection(sqlite3.Connection):
    """sqlite3 connection that releases its WriterLock once the transaction has ended."""

    writer_lock: WriterLock | None = None

    def commit(self):
        try:
            super().commit()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.release()

    def rollback(self):
        try:
            super().rollback()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.release()

    def close(self):
        try:
            super().close()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.close()
                self.writer_lock = None


def _session_in_transaction():
    """The request's session if it has a transaction open, else None.  Never makes a session:
    an autosave on PostgreSQL needs none, and making one (and closing it) is a cost."""
    if not db.session.registry.has():
        return None
    session = db.session()
    return session if session.in_transaction() else None


def read_only_until_needed() -> None:
    """Go on without SQLite's write lock until :func:`begin_write` (while a password hash or an
    upload is checked).  A transaction that already took the lock (loading the signed-in user
    opens one with BEGIN IMMEDIATE in a POST) is ended first."""
    g.write_intent = False
    session = _session_in_transaction()
    if session is not None and session.get_bind().dialect.name == "sqlite":
        session.commit()


def begin_write() -> None:
    """End the current read transaction so that the next one takes the write lock first.

    Only SQLite needs it: PostgreSQL locks rows, not the database, and simply goes on.
    """
    if g.get("write_intent") is not True:
        session = _session_in_transaction()
        if session is not None and session.get_bind().dialect.name == "sqlite":
            session.commit()
        g.write_intent = True


@contextmanager
def single_statement_connection() -> Iterator[Connection]:
    """A connection for one self-contained statement: the autosave, the API token check.

    PostgreSQL, while the session has no transaction open: a connection in autocommit
    from a pool of its own, so the statement commits itself.  It saves the BEGIN and
    COMMIT round trips and all of the session's bookkeeping; such a statement needs no
    snapshot shared with the rest of the request.  Otherwise the session's
    connection: a statement must see (and must not wait for the locks of) what the
    open transaction has done, and on SQLite the request's write transaction holds
    the database lock that makes the statement atomic.  The view commits as usual.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql" or _session_in_transaction() is not None:
        yield db.session.connection()
        return
    with _autocommit_engine(engine).connect() as connection:
        yield connection


#: Each engine's autocommit twin; weak keys, so a twin never outlives its engine.
_autocommit_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_autocommit_engines_lock = threading.Lock()


def _autocommit_engine(engine: Engine) -> Engine:
    """The autocommit twin of `engine` (same URL and options), made on first use in the
    process and disposed of with `engine`."""
    twin = _autocommit_engines.get(engine)
    if twin is not None:
        return twin
    with _autocommit_engines_lock:
        twin = _autocommit_engines.get(engine)
        if twin is None:
            options = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            # No transaction can outlive a statement in autocommit: nothing to roll back on check-in.
            options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
            twin = _autocommit_engines[engine] = create_engine(engine.url, **options)
            if not event.contains(engine, "engine_disposed", _dispose_autocommit_twin):
                event.listen(engine, "engine_disposed", _dispose_autocommit_twin)
    return twin


def _dispose_autocommit_twin(engine: Engine) -> None:
    with _autocommit_engines_lock:
        twin = _autocommit_engines.pop(engine, None)
    if twin is not None:
        twin.dispose()


class PrecompiledStatement:
    """A Core statement compiled once per dialect and sent with ``exec_driver_sql``.

    For the hottest statement (the autosave): SQLAlchemy's work on each execution (the
    cache key of a large statement, the execution context's bind and result handling)
    was a tenth of the request's CPU.  Parameters still pass through their types' bind
    processors and the returned value through `result_type`'s result processor; errors,
    pooling and disconnect handling stay SQLAlchemy's.
    """

    def __init__(self, build: Callable[[str], ClauseElement], result_type: TypeEngine):
        self._build = build  # dialect name -> statement
        self._result_type = result_type
        self._by_dialect: dict[str, tuple] = {}

    def _compile(self, dialect) -> tuple:
        compiled = self._build(dialect.name).compile(dialect=dialect)
        processors = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        order = compiled.positiontup if compiled.positional else None
        result = self._result_type.dialect_impl(dialect).result_processor(dialect, None)
        return compiled.string, compiled.params, order, processors, result

    def scalar(self, connection: Connection, params: dict):
        """The first column of the first row returned, or None."""
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = self._compile(dialect)
        sql, defaults, order, processors, result = compiled
        values = {**defaults, **params}
        for name, processor in processors.items():
            values[name] = processor(values[name])
        value = connection.exec_driver_sql(sql, values if order is None else tuple(values[n] for n in order)).scalar()
        return value if value is None or result is None else result(value)


def commit_if_used() -> None:
    """Commit the request's work in the session, if it did any: an empty commit still
    costs the session's bookkeeping, which the autosave on PostgreSQL (whose statement
    committed itself) does not need to pay."""
    if not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()


def commit_then_read() -> None:
    """Commit the writes; what the request still reads (building a response) needs no write lock."""
    db.session.commit()
    g.write_intent = False
