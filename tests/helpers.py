"""Constants and small helpers shared by the tests."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
from sqlalchemy import event, select

from quiz.extensions import db
from quiz.models import AttemptQuestion
from quiz.services import attempts

ROOT = Path(__file__).resolve().parent.parent
FAST_HASH = "pbkdf2:sha256:1000"
#: tests tell the bulk import's temporary-password hashes from full ones by this method
TEMPORARY_HASH = "pbkdf2:sha256:999"
PASSWORD = "Correct-Horse-7"
#: 10:00 in Shanghai on 2026-06-10, during the campaign
T0 = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def xlsx_file(rows) -> bytes:
    """An .xlsx whose first sheet holds `rows`."""
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_zip_members(data: bytes, replacements: dict[str, bytes]) -> bytes:
    """Copy a zip (an .xlsx or .docx), swapping the content of the named members (added if missing)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in replacements:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in replacements.items():
            target.writestr(name, content)
    return output.getvalue()


class StatementLog:
    """The SQL statements run while the block is open (``with StatementLog() as log``)."""

    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._log)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._log)

    def _log(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def count(self, fragment: str) -> int:
        return sum(fragment in statement for statement in self.statements)


def take_quiz(user, quiz, now, *, right=True):
    """A finished attempt of ``quiz`` by ``user`` through the real services: every answer right (or wrong)."""
    attempt, _ = attempts.start_attempt(user, quiz, now, random.Random(1))
    db.session.commit()
    for item in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)):
        canonical = item.correct if right else [c for c in range(len(item.options)) if c not in item.correct][:1]
        attempts.save_answer(attempt.id, user.id, item.question_id, [item.option_order.index(c) for c in canonical], now)
    attempts.submit_attempt(attempt, now + timedelta(minutes=1))
    db.session.commit()
    return attempt
