"""What the employee chose the last time a 错题本 question was answered wrongly.

The notebook keeps when and where (practice, level, contest) a question was last answered
wrongly; the choice itself is in the answer that was graded: a practice item, or a saved
answer of a finalized attempt whose review was allowed (a harvested attempt).  Choices are
given in the bank's canonical option order (the notebook shows the bank's question), and
an empty list means the question was left unanswered.  Read-only: two queries per page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import Answer, Attempt, AttemptQuestion, HarvestedAttempt, PracticeItem, PracticeSession, User


def last_wrong_choices(user: User, question_ids: list[int]) -> dict[int, list[int]]:
    """question id -> canonical options chosen in the latest wrong answer ([] = unanswered).

    A question whose wrong answer cannot be found (e.g. its practice round was deleted) is
    left out.
    """
    if not question_ids:
        return {}
    latest: dict[int, tuple[datetime, list[int]]] = {}

    def offer(question_id: int, at: datetime | None, chosen: list[int]) -> None:
        if at is None:
            return
        known = latest.get(question_id)
        if known is None or at >= known[0]:
            latest[question_id] = (at, chosen)

    practice = db.session.execute(
        select(PracticeItem.question_id, PracticeItem.answered_at, PracticeItem.selected)
        .join(PracticeSession, PracticeSession.id == PracticeItem.session_id)
        .where(PracticeSession.user_id == user.id, PracticeItem.question_id.in_(question_ids),
               PracticeItem.is_correct.is_(False))
    )
    for question_id, answered_at, selected in practice:
        offer(question_id, answered_at, sorted(selected or []))

    answer_join = and_(Answer.attempt_id == AttemptQuestion.attempt_id, Answer.question_id == AttemptQuestion.question_id)
    graded = db.session.execute(
        select(AttemptQuestion.question_id, Attempt.submitted_at, AttemptQuestion.option_order, Answer.selected)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(HarvestedAttempt, HarvestedAttempt.attempt_id == Attempt.id)
        .outerjoin(Answer, answer_join)
        .where(Attempt.user_id == user.id, AttemptQuestion.question_id.in_(question_ids),
               or_(Answer.id.is_(None), Answer.is_correct.is_not(True)))
    )
    for question_id, submitted_at, option_order, selected in graded:
        chosen = sorted(option_order[i] for i in (selected or []) if 0 <= i < len(option_order))
        offer(question_id, submitted_at, chosen)
    return {question_id: chosen for question_id, (_, chosen) in latest.items()}
