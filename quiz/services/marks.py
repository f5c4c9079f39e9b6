"""标记: questions the taker flagged to come back to, kept with the attempt on the server.

A mark is a flag on the attempt's frozen question (``AttemptQuestion.is_marked``), so it
survives a reload and follows the attempt to another device.  It never touches the
answer rows or the autosave's statement, and it is not part of the result.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ..errors import NotFound, TimeUp
from ..extensions import db
from ..models import Attempt, AttemptQuestion


def set_mark(attempt_id: int, user_id: int, question_id: int, marked: bool, now: datetime) -> bool:
    """Mark or unmark one question of the user's attempt in progress; return the new state.

    Someone else's attempt, or a question that is
    not in the attempt, is NotFound; a finalized or overdue attempt is TimeUp.
    """
    open_attempt = select(Attempt.id).where(
        Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.accepts_answers_at(now),
    )
    result = db.session.execute(
        update(AttemptQuestion)
        .where(AttemptQuestion.attempt_id.in_(open_attempt), AttemptQuestion.question_id == question_id)
        .values(is_marked=bool(marked))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        return bool(marked)
    row = db.session.execute(
        select(Attempt.status, Attempt.deadline_at).where(Attempt.id == attempt_id, Attempt.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("答题记录不存在", code="attempt_not_found")
    if row.status != "in_progress" or now >= row.deadline_at:
        raise TimeUp("本次答题已结束，不能再标记")
    raise NotFound("该题不在本次答卷中", code="question_not_in_attempt")


def marked_question_ids(attempt: Attempt) -> set[int]:
    """The questions of the attempt that are marked."""
    return set(db.session.scalars(
        select(AttemptQuestion.question_id).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.is_marked.is_(True))
    ))
