"""A second yardstick for bench/load_attempts.py: the autosave with nothing around it.

A bare Flask view and the database driver, the same checked upsert as the app's
(attempt in progress and before its deadline, question in the attempt), one
connection per worker, no authentication, validation, ORM, logging or hooks.  Served
the same way as the app, it shows how much of the gap to hello world the database
itself costs on this machine, and how much the app's stack adds.  Not part of the product.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone

from flask import Flask, request

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
IS_POSTGRESQL = DATABASE_URL.startswith("postgresql")

_SAVE = (
    "INSERT INTO answer (attempt_id, question_id, selected, saved_at)"
    " SELECT attempt.id, attempt_question.question_id, {selected}, {now}"
    " FROM attempt JOIN attempt_question ON attempt_question.attempt_id = attempt.id"
    " WHERE attempt.id = {attempt} AND attempt.status = 'in_progress' AND attempt.deadline_at > {now}"
    " AND attempt_question.question_id = {question}{lock}"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET selected = excluded.selected, saved_at = excluded.saved_at"
    " RETURNING attempt_id"
)
_connection = None


def connection():
    global _connection
    if _connection is None:
        if IS_POSTGRESQL:
            import psycopg

            _connection = psycopg.connect(DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"),
                                          autocommit=True)
        else:
            _connection = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            _connection.execute("PRAGMA synchronous = NORMAL")
    return _connection


if IS_POSTGRESQL:
    SQL = _SAVE.format(selected="%(selected)s::json", now="%(now)s", attempt="%(attempt)s",
                       question="%(question)s", lock=" FOR UPDATE OF attempt")
else:
    SQL = _SAVE.format(selected=":selected", now=":now", attempt=":attempt", question=":question", lock="")


@app.put("/api/v1/attempts/<int:attempt_id>/answers/<int:question_id>")
def save(attempt_id, question_id):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    params = {"selected": json.dumps(request.get_json()["selected"]), "now": now if IS_POSTGRESQL else now.isoformat(" "),
              "attempt": attempt_id, "question": question_id}
    db = connection()
    if IS_POSTGRESQL:
        saved = db.execute(SQL, params).fetchone()
    else:
        db.execute("BEGIN IMMEDIATE")
        saved = db.execute(SQL, params).fetchone()
        db.execute("COMMIT")
    if saved is None:
        return {"error": "time_up"}, 409
    return {"saved_at": now.isoformat()}
