"""Mastery per category: the share answered right in the employee's last N answers.

Every answer from practice, levels and (once their review policy allows it) contest
attempts is logged in ``training_answer``; mastery reads only that log.  N is
:data:`MASTERY_WINDOW` (20): recent answers count, old mistakes fade out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select

from ..extensions import db
from ..models import Category, Question, TrainingAnswer

#: N: mastery of a category is the share right in the last N answers in it
MASTERY_WINDOW = 20
#: a category needs this many answers before it may be called the weakest
MIN_ANSWERS_FOR_WEAKEST = 3


@dataclass(frozen=True)
class Result:
    """One graded answer, ready for the log and the notebook."""

    question_id: int
    category_id: int
    is_correct: bool


@dataclass(frozen=True)
class CategoryMastery:
    category_id: int
    name: str
    answered: int       # answers counted (at most MASTERY_WINDOW)
    correct: int
    question_count: int  # active questions in the bank

    @property
    def share(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


def log_results(user_id: int, results: list[Result], answered_at: datetime, source: str,
                attempt_id: int | None = None) -> None:
    if not results:
        return
    db.session.execute(insert(TrainingAnswer), [
        {"user_id": user_id, "question_id": r.question_id, "category_id": r.category_id,
         "is_correct": r.is_correct, "answered_at": answered_at, "source": source, "attempt_id": attempt_id}
        for r in results
    ])


def category_mastery(user_id: int, window: int = MASTERY_WINDOW) -> list[CategoryMastery]:
    """Every category with active questions, with the user's right/answered in its last ``window`` answers."""
    ranked = (
        select(
            TrainingAnswer.category_id,
            TrainingAnswer.is_correct,
            func.row_number().over(
                partition_by=TrainingAnswer.category_id,
                order_by=(TrainingAnswer.answered_at.desc(), TrainingAnswer.id.desc()),
            ).label("recency"),
        )
        .where(TrainingAnswer.user_id == user_id)
        .subquery()
    )
    recent = dict(
        (row.category_id, (row.answered, row.correct))
        for row in db.session.execute(
            select(
                ranked.c.category_id,
                func.count().label("answered"),
                func.count().filter(ranked.c.is_correct.is_(True)).label("correct"),
            )
            .where(ranked.c.recency <= window)
            .group_by(ranked.c.category_id)
        )
    )
    categories = db.session.execute(
        select(Category.id, Category.name, func.count(Question.id))
        .outerjoin(Question, (Question.category_id == Category.id) & Question.is_active.is_(True))
        .group_by(Category.id, Category.name)
        .order_by(Category.name)
    ).all()
    result = []
    for category_id, name, question_count in categories:
        answered, correct = recent.get(category_id, (0, 0))
        if question_count or answered:
            result.append(CategoryMastery(category_id, name, answered, correct, question_count))
    return result


def weakest_category(masteries: list[CategoryMastery]) -> CategoryMastery | None:
    """The category to practise next: the lowest share among those with enough answers;
    without such data, a category with questions that has been practised least."""
    measured = [m for m in masteries if m.answered >= MIN_ANSWERS_FOR_WEAKEST]
    if measured:
        weakest = min(measured, key=lambda m: (m.share, -m.answered, m.name))
        if weakest.share < 1:
            return weakest
    candidates = [m for m in masteries if m.question_count and m.answered < MIN_ANSWERS_FOR_WEAKEST]
    if candidates:
        return min(candidates, key=lambda m: (m.answered, m.name))
    return None
