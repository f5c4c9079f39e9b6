"""Attempts, the questions frozen into each attempt, and saved answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

ATTEMPT_STATUSES = ("in_progress", "submitted", "expired")
FINAL_STATUSES = ("submitted", "expired")


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        # At most one attempt in progress per user and quiz: two tabs or two
        # concurrent requests cannot open two (enforced by the database).
        Index(
            "uq_attempt_one_in_progress",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        UniqueConstraint("user_id", "quiz_id", "number", name="uq_attempt_user_quiz_number"),
        # boards: finalized attempts of a quiz by score
        Index("ix_attempt_quiz_status_score", "quiz_id", "status", "score"),
        # sweeper: in-progress attempts past their deadline
        Index("ix_attempt_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    #: 1 for the user's first attempt at this quiz, 2 for the second ...
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the attempt was finalized: the submit time, or the deadline if it expired
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    max_score: Mapped[float] = mapped_column(default=0)
    correct_count: Mapped[int | None]
    question_count: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[int | None]
    passed: Mapped[bool | None]
    #: how often the page was hidden (tab or app switch): evidence for trainers, never a penalty
    left_page_count: Mapped[int] = mapped_column(default=0)

    questions: Mapped[list["AttemptQuestion"]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )
    user = relationship("User")
    quiz = relationship("Quiz")

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @hybrid_method
    def accepts_answers_at(self, now: datetime) -> bool:
        """The deadline rule: answers count while the attempt is in progress and before its deadline."""
        return self.status == "in_progress" and now < self.deadline_at

    @accepts_answers_at.expression
    def accepts_answers_at(cls, now):
        return and_(cls.status == "in_progress", cls.deadline_at > now)

    @hybrid_method
    def is_overdue(self, now: datetime) -> bool:
        """In progress but past its deadline: the next touch (or the sweeper) finalizes it."""
        return self.status == "in_progress" and now >= self.deadline_at

    @is_overdue.expression
    def is_overdue(cls, now):
        return and_(cls.status == "in_progress", cls.deadline_at <= now)


#: Boards: the best attempt per user is a window partitioned by user and ordered by score
#: (desc), duration and submission; this index, in that order and covering the other columns
#: the boards read, lets both databases answer from the index alone without a sort.
Index(
    "ix_attempt_board",
    Attempt.quiz_id,
    Attempt.user_id,
    Attempt.score.desc(),
    Attempt.duration_seconds,
    Attempt.submitted_at,
    Attempt.status,
    Attempt.max_score,
)


def best_attempt_order(attempt: Attempt) -> tuple:
    """The best-attempt rule (boards, certificates, levels): the highest score, then the shortest
    time, then the earliest submission.  quiz.boards.rankings.best_attempts states it in SQL."""
    return (-(attempt.score or 0), attempt.duration_seconds if attempt.duration_seconds is not None else 1 << 31,
            attempt.submitted_at)


def best_attempt(attempts) -> "Attempt | None":
    """The best of some finalized attempts (best_attempt_order), or None."""
    return min(attempts, key=best_attempt_order, default=None)



class AttemptQuestion(db.Model):
    """A question as it was when drawn: later edits to the bank never change this attempt."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_attempt_question_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int]
    points: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    #: option texts in canonical order, as they were when drawn
    options: Mapped[list[str]] = mapped_column(JSON)
    #: sorted canonical indexes of the correct options
    correct: Mapped[list[int]] = mapped_column(JSON)
    #: display order: option_order[k] is the canonical index shown at position k
    option_order: Mapped[list[int]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    #: 标记: the taker flagged the question to come back to (quiz/services/marks.py)
    is_marked: Mapped[bool] = mapped_column(default=False, server_default=false())

    attempt: Mapped[Attempt] = relationship(back_populates="questions")


class Answer(db.Model):
    """The latest saved selection for one question of one attempt."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_answer_attempt_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    #: displayed option ids (positions in the attempt's option_order), sorted
    selected: Mapped[list[int]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: filled in when the attempt is finalized
    is_correct: Mapped[bool | None]
    points_awarded: Mapped[float | None]
