"""Offline training sessions (线下培训) with their attendance, the yearly training requirements,
and the corrections that make the 个人培训档案 append-only.

What a person's record holds is computed from rows that are never updated or deleted:
CourseCompletion (quiz.models.learning), SessionAttendance, finalized attempts and
certificates. A mistake is fixed by a TrainingCorrection that says what it corrects and who
made it; the record applies the corrections when it is read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: 岗位类别: the law's roles, which set the yearly 学时 (not the platform's access role)
POSITIONS = ("主要负责人", "安全生产管理人员", "从业人员")
DEFAULT_POSITION = "从业人员"

#: how an attendance was recorded: QR sign-in on the person's phone, ticked on a list, imported
ATTENDANCE_METHODS = ("qr", "list", "import")
ATTENDANCE_METHOD_LABELS = {"qr": "扫码签到", "list": "名单登记", "import": "导入"}

#: what a requirement measures: 学时 in the year, or how many trainings (sessions or courses)
REQUIREMENT_METRICS = ("hours", "count")
REQUIREMENT_METRIC_LABELS = {"hours": "学时", "count": "次数"}

#: what a correction does: void an entry, amend its hours/result, or add a missing one
CORRECTION_ACTIONS = ("void", "amend", "add")
CORRECTION_ACTION_LABELS = {"void": "作废", "amend": "更正", "add": "补录"}
#: the kinds of record entries a correction can point at
RECORD_ENTRY_KINDS = ("course", "session", "quiz", "manual")
RECORD_ENTRY_KIND_LABELS = {"course": "在线学习", "session": "线下培训", "quiz": "考试", "manual": "补录"}


class TrainingSession(db.Model):
    """A 线下培训 session: when, where, what, how many 学时, who taught it."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 培训主题, as the record prints it
    title: Mapped[str] = mapped_column(String(200))
    #: 分类, e.g. 消防安全: requirements with a category count sessions of that category
    category: Mapped[str] = mapped_column(String(50), default="")
    #: 培训内容 (what was taught), plain text
    content: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    teacher: Mapped[str] = mapped_column(String(64), default="")
    #: 学时 credited to each attendee
    hours: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False), default=0)
    #: the session's time window: QR sign-in works only inside it
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: an exam attached to the session (its result is the session's 考核结果)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id"), index=True)
    #: the secret the rotating sign-in code is derived from (never shown)
    checkin_secret: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quiz = relationship("Quiz")
    attendances: Mapped[list["SessionAttendance"]] = relationship(
        back_populates="session", order_by="SessionAttendance.signed_at"
    )


class SessionAttendance(db.Model):
    """One person present at one session: written once (a mistake is a TrainingCorrection)."""

    __tablename__ = "session_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_session_attendance_session_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: qr, list or import (ATTENDANCE_METHODS)
    method: Mapped[str] = mapped_column(String(10))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the trainer who ticked or imported it; None for a QR sign-in by the person
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    session: Mapped[TrainingSession] = relationship(back_populates="attendances")
    user = relationship("User", foreign_keys=[user_id])


class TrainingRequirement(db.Model):
    """A yearly requirement: who it binds (岗位类别, unit kinds) and what they must reach."""

    __tablename__ = "training_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: hours (学时 in the year) or count (number of trainings in the year)
    metric: Mapped[str] = mapped_column(String(10))
    required: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    #: only trainings of this category count (e.g. 消防安全); empty: every training counts
    category: Mapped[str] = mapped_column(String(50), default="")
    #: the 岗位类别 it binds (POSITIONS); empty: everyone
    positions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the unit kinds it binds (a person's own unit's kind); empty: every unit
    unit_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the legal basis, printed on the record (e.g. 《消防法》第十六条)
    basis: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingCorrection(db.Model):
    """A correction to a person's training record: a new row, never an edit of the old one."""

    __tablename__ = "training_correction"
    __table_args__ = (Index("ix_training_correction_user_year", "user_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    year: Mapped[int]
    #: void, amend or add (CORRECTION_ACTIONS)
    action: Mapped[str] = mapped_column(String(10))
    #: the entry corrected: its kind (RECORD_ENTRY_KINDS) and id (CourseCompletion,
    #: SessionAttendance, Attempt, or an earlier "add" correction); None for "add"
    entry_kind: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[int | None]
    #: for amend/add: the corrected figures (None keeps the entry's own)
    entry_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(50))
    hours: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    result: Mapped[str | None] = mapped_column(String(100))
    #: 更正原因, required
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User", foreign_keys=[created_by_id])
