"""Training: practice sessions, the answer log behind mastery, the wrong-answer notebook,
安全知识闯关 level series, and certificates.

Practice answers live in their own tables (never Attempt rows), so they can never count
on a board.  A level is a Quiz with ``kind = "level"`` that belongs to a LevelSeries; its
attempts are ordinary attempts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .quizzes import Quiz

PRACTICE_MODES = ("bank", "notebook")
#: where a logged answer came from
ANSWER_SOURCES = ("practice", "level", "contest")


class LevelSeries(db.Model):
    """An ordered series of levels (安全知识闯关); level N+1 unlocks when level N is passed."""

    __tablename__ = "level_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: employees see only published series; the levels' Quiz.is_published follows this flag
    is_published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the campaign (活动) this series belongs to, if any
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)

    levels: Mapped[list[Quiz]] = relationship(
        Quiz, primaryjoin="LevelSeries.id == Quiz.series_id", foreign_keys="Quiz.series_id",
        order_by="Quiz.position", viewonly=True,
    )


class PracticeSession(db.Model):
    """One round of untimed practice: questions drawn at the start, answered one at a time."""

    __tablename__ = "practice_session"
    __table_args__ = (Index("ix_practice_session_user_finished", "user_id", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: "bank" (from the question bank) | "notebook" (re-practise the wrong-answer notebook)
    mode: Mapped[str] = mapped_column(String(16), default="bank")
    #: None: all categories
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    question_count: Mapped[int]
    answered_count: Mapped[int] = mapped_column(default=0)
    correct_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the last question was answered, or when a new session replaced this one
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list["PracticeItem"]] = relationship(
        back_populates="session", order_by="PracticeItem.position", cascade="all, delete-orphan"
    )
    category = relationship("Category")

    @property
    def is_complete(self) -> bool:
        return self.answered_count >= self.question_count


class PracticeItem(db.Model):
    """One question of a practice session and the answer given to it (options in canonical order)."""

    __tablename__ = "practice_item"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_practice_item_session_position"),
        UniqueConstraint("session_id", "question_id", name="uq_practice_item_session_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("practice_session.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    #: canonical option indexes chosen, sorted; None until answered
    selected: Mapped[list[int] | None] = mapped_column(JSON)
    is_correct: Mapped[bool | None]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[PracticeSession] = relationship(back_populates="items")
    question = relationship("Question")


class TrainingAnswer(db.Model):
    """The answer log behind mastery: one row per question answered in practice, a level, or
    a contest attempt (a contest's rows are written only once its review policy allows review)."""

    __tablename__ = "training_answer"
    __table_args__ = (Index("ix_training_answer_user_category_time", "user_id", "category_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    is_correct: Mapped[bool]
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: "practice" | "level" | "contest"
    source: Mapped[str] = mapped_column(String(16))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)


class HarvestedAttempt(db.Model):
    """A finalized attempt whose answers have gone into the answer log and the notebook.

    The primary key makes harvesting idempotent: two requests finalizing or syncing the
    same attempt cannot both harvest it.
    """

    __tablename__ = "harvested_attempt"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    harvested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotebookEntry(db.Model):
    """A question in one employee's wrong-answer notebook (错题本).

    It enters on a wrong answer and leaves (``is_active`` false) after being answered
    right twice in a row; a later wrong answer puts it back with a fresh streak.
    """

    __tablename__ = "notebook_entry"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_notebook_entry_user_question"),
        Index("ix_notebook_entry_user_active", "user_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    wrong_count: Mapped[int] = mapped_column(default=1)
    #: right answers in a row since the last wrong one
    right_streak: Mapped[int] = mapped_column(default=0)
    #: when it (last) entered the notebook
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_wrong_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: where the last wrong answer was given: "practice" | "level" | "contest"
    last_wrong_source: Mapped[str] = mapped_column(String(16))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question = relationship("Question")


class Certificate(db.Model):
    """A certificate for a passed contest attempt.

    ``code`` is an HMAC (app secret) over the certificate's id, user, quiz, score and date
    (see services/certificates.py): /verify/<code> recomputes it, so a forged code or an
    altered row is refused.  Name, unit and quiz title are kept as printed.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: set right after the row gets its id; "XXXX-XXXX-XXXX-XXXX" (base32)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    display_name: Mapped[str] = mapped_column(String(64))
    unit_name: Mapped[str] = mapped_column(String(100), default="")
    quiz_title: Mapped[str] = mapped_column(String(200))
    score: Mapped[float]
    max_score: Mapped[float]
    #: when the attempt was finalized (the date printed on the certificate)
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
