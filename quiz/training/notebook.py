"""The wrong-answer notebook (错题本) and the harvest of attempt answers into it.

Rules:
- A question enters an employee's notebook when answered wrongly in practice, in a level,
  or in a contest attempt once that quiz's review policy allows review
  (``Quiz.review_allowed(now)``): before that, the notebook would give answers away.
  Unanswered questions of a finalized attempt count as wrong; a multiple-choice answer
  that earned partial points is wrong too.
- It leaves after being answered right twice in a row (:data:`RIGHTS_TO_LEAVE`), anywhere:
  practice, levels or a harvested contest attempt.  A wrong answer resets the streak and
  puts a question that had left back in.

Attempts are harvested once (``harvested_attempt`` has the attempt id as its key):
right when they are finalized if review is already allowed (a hook in
``attempts._finalize``), otherwise later by :func:`sync_user` on the employee's next
visit to a training page (``flask training sync`` does it for everybody).

Writes are single upsert/update statements, so two requests of one employee never
trip over each other's notebook rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import dialect_name
from ..extensions import db
from ..models import (
    FINAL_STATUSES,
    Answer,
    Attempt,
    AttemptQuestion,
    Category,
    HarvestedAttempt,
    NotebookEntry,
    Question,
    Quiz,
    User,
)
from .mastery import Result, log_results

#: right answers in a row that take a question out of the notebook
RIGHTS_TO_LEAVE = 2


def _insert(model):
    dialect = dialect_name()
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def apply_results(user_id: int, results: list[Result], now: datetime, source: str) -> None:
    """Update the notebook for graded answers (each question at most once in ``results``)."""
    # Sorted, so concurrent writers for one employee lock rows in the same order (no deadlock).
    wrong = sorted(r.question_id for r in results if not r.is_correct)
    right = sorted(r.question_id for r in results if r.is_correct)
    if wrong:
        statement = _insert(NotebookEntry).values([
            {"user_id": user_id, "question_id": qid, "is_active": True, "wrong_count": 1, "right_streak": 0,
             "entered_at": now, "last_wrong_at": now, "last_wrong_source": source, "left_at": None}
            for qid in wrong
        ])
        was_active = NotebookEntry.__table__.c.is_active
        statement = statement.on_conflict_do_update(
            index_elements=["user_id", "question_id"],
            set_={
                "wrong_count": NotebookEntry.__table__.c.wrong_count + 1,
                "right_streak": 0,
                "entered_at": case((was_active.is_(True), NotebookEntry.__table__.c.entered_at),
                                   else_=statement.excluded.entered_at),
                "is_active": True,
                "last_wrong_at": statement.excluded.last_wrong_at,
                "last_wrong_source": statement.excluded.last_wrong_source,
                "left_at": None,
            },
        )
        db.session.execute(statement)
    if right:
        streak = NotebookEntry.right_streak + 1
        db.session.execute(
            update(NotebookEntry)
            .where(NotebookEntry.user_id == user_id, NotebookEntry.question_id.in_(right),
                   NotebookEntry.is_active.is_(True))
            .values(
                right_streak=streak,
                is_active=streak < RIGHTS_TO_LEAVE,
                left_at=case((streak >= RIGHTS_TO_LEAVE, literal(now, NotebookEntry.left_at.type)), else_=None),
            )
            .execution_options(synchronize_session=False)
        )
    # Bulk statements bypass the identity map: loaded entries must be re-read.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, NotebookEntry) and obj.user_id == user_id:
            db.session.expire(obj)


def record_results(user_id: int, results: list[Result], now: datetime, source: str,
                   attempt_id: int | None = None) -> None:
    """Log graded answers for mastery and apply them to the notebook."""
    log_results(user_id, results, now, source, attempt_id)
    apply_results(user_id, results, now, source)


def attempt_results(attempt: Attempt) -> list[Result]:
    """The graded questions of a finalized attempt (unanswered ones are wrong)."""
    correct_by_question = dict(db.session.execute(
        select(Answer.question_id, Answer.is_correct).where(Answer.attempt_id == attempt.id)
    ).all())
    rows = db.session.execute(
        select(AttemptQuestion.question_id, Question.category_id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ).all()
    return [Result(qid, category_id, bool(correct_by_question.get(qid))) for qid, category_id in rows]


def harvest_attempt(attempt: Attempt, now: datetime) -> bool:
    """Put a finalized attempt's answers into the log and notebook, once, if review is allowed now."""
    if attempt.status not in FINAL_STATUSES:
        return False
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if not quiz.review_allowed(now):
        return False
    claimed = db.session.execute(
        _insert(HarvestedAttempt)
        .values(attempt_id=attempt.id, harvested_at=now)
        .on_conflict_do_nothing(index_elements=["attempt_id"])
    ).rowcount
    if not claimed:
        return False
    source = "level" if quiz.kind == "level" else "contest"
    # Answers count as given when the attempt was finalized, in the order harvested.
    record_results(attempt.user_id, attempt_results(attempt), attempt.submitted_at or now, source, attempt.id)
    return True


def unharvested_attempts(user: User | None = None) -> list[Attempt]:
    query = (
        select(Attempt)
        .outerjoin(HarvestedAttempt, HarvestedAttempt.attempt_id == Attempt.id)
        .where(HarvestedAttempt.attempt_id.is_(None), Attempt.status.in_(FINAL_STATUSES))
        .order_by(Attempt.submitted_at, Attempt.id)
    )
    if user is not None:
        query = query.where(Attempt.user_id == user.id)
    return list(db.session.scalars(query))


def sync_user(user: User | None, now: datetime) -> int:
    """Harvest every finalized attempt (of one user, or of everybody) whose review is now allowed."""
    return sum(int(harvest_attempt(attempt, now)) for attempt in unharvested_attempts(user))


def has_unharvested(user: User, now: datetime) -> bool:
    """Whether :func:`sync_user` would harvest something (lets a GET stay read-only otherwise)."""
    return any(db.session.get(Quiz, a.quiz_id).review_allowed(now) for a in unharvested_attempts(user))


# ---------------------------------------------------------------- reading the notebook


@dataclass
class NotebookItem:
    entry: NotebookEntry
    question: Question
    category_name: str

    @property
    def rights_needed(self) -> int:
        return RIGHTS_TO_LEAVE - self.entry.right_streak


def active_entries(user: User, category_id: int | None = None) -> list[NotebookItem]:
    """The questions in the user's notebook, most recently wrong first."""
    query = (
        select(NotebookEntry, Question, Category.name)
        .join(Question, Question.id == NotebookEntry.question_id)
        .join(Category, Category.id == Question.category_id)
        .where(NotebookEntry.user_id == user.id, NotebookEntry.is_active.is_(True))
        .order_by(NotebookEntry.last_wrong_at.desc(), NotebookEntry.id.desc())
    )
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    return [NotebookItem(entry, question, name) for entry, question, name in db.session.execute(query)]


def active_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(NotebookEntry.id)).where(NotebookEntry.user_id == user.id, NotebookEntry.is_active.is_(True))
    ) or 0


def left_count(user: User) -> int:
    """Questions that were in the notebook and have been mastered since."""
    return db.session.scalar(
        select(func.count(NotebookEntry.id)).where(NotebookEntry.user_id == user.id, NotebookEntry.is_active.is_(False))
    ) or 0


def category_counts(user: User) -> list[tuple[int, str, int]]:
    """(category id, name, active entries) for the notebook's category filter."""
    return [tuple(row) for row in db.session.execute(
        select(Category.id, Category.name, func.count(NotebookEntry.id))
        .join(Question, Question.category_id == Category.id)
        .join(NotebookEntry, NotebookEntry.question_id == Question.id)
        .where(NotebookEntry.user_id == user.id, NotebookEntry.is_active.is_(True))
        .group_by(Category.id, Category.name)
        .order_by(Category.name)
    )]
