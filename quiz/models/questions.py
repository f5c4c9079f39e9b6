"""Categories and questions of the bank."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        # the draw: active questions by category, type and difficulty
        Index("ix_question_draw", "is_active", "category_id", "type", "difficulty"),
        # duplicate detection on import: same type and normalised stem
        Index("ix_question_type_stem_key", "type", "stem_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    #: "single" | "multiple" | "true_false"
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    #: question_bank.normalize_stem(stem), for duplicate detection
    stem_key: Mapped[str] = mapped_column(String(255))
    #: option texts in their canonical order (A, B, C ...)
    options: Mapped[list[str]] = mapped_column(JSON)
    #: sorted indexes into options
    correct: Mapped[list[int]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[int] = mapped_column(default=2)
    points: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()


class SupersededEdition(db.Model):
    """A trainer's addition to the shipped editions table (question_bank/data/editions): a law,
    standard, clause or name that has been replaced, so the 题库体检 flags questions citing it."""

    __tablename__ = "superseded_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: written like a 出处: "GB 2894-2008", "《…》（2014年修正）", a clause list, or plain text
    superseded: Mapped[str] = mapped_column(String(200), unique=True)
    current: Mapped[str] = mapped_column(String(200))
    effective: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionBankVersion(db.Model):
    """One row, given a new random version by every flush that adds, changes or removes a question
    or category: the draw's candidate pools are cached per process for the version they were read
    at (quiz.services.quizzes.candidate_pools), so every worker sees a bank change at its next
    start.  Random, not a counter: a restored backup or an emptied table never repeats a version
    a process has cached."""

    __tablename__ = "question_bank_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
