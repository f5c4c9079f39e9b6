"""SQLite writers of every process queue on a lock file (quiz.database.QueuedWriterConnection)."""

from __future__ import annotations

import fcntl
import os

import pytest
from sqlalchemy import text

from quiz.database import QueuedWriterConnection, transaction_mode


def test_a_write_transaction_holds_the_queue_until_it_ends(tmp_path):
    path = tmp_path / "quiz.db"
    connection = QueuedWriterConnection(str(path), isolation_level=None)
    connection.queue_for_write()
    connection.execute("BEGIN IMMEDIATE")
    other = os.open(f"{path}-writers", os.O_RDWR)
    with pytest.raises(BlockingIOError):  # another writer would wait here
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
    fcntl.flock(other, fcntl.LOCK_UN)
    connection.queue_for_write()
    connection.rollback()
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(other)
    connection.close()


def test_the_app_engine_queues_writers_and_not_readers(app):
    from quiz.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows: no queue")
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, QueuedWriterConnection)
        with transaction_mode(may_write=False), connection.begin():
            connection.execute(text("SELECT 1"))
            assert not raw.queued
        with transaction_mode(may_write=True), connection.begin():
            connection.execute(text("SELECT 1"))
            assert raw.queued
        assert not raw.queued


def test_an_sqlite_app_leaves_the_shared_engine_options_alone(tmp_path):
    """A PostgreSQL app made after an SQLite one in the same process must not get sqlite3's factory."""
    from quiz import create_app
    from quiz.config import DefaultConfig

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"})
    assert "connect_args" not in DefaultConfig.SQLALCHEMY_ENGINE_OPTIONS
