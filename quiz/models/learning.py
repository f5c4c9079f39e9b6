"""Online learning (学习资料): courses made of items, the server's record of each person's
progress, and the 学时 credited when a course's rules are met.

A CourseCompletion is the credit itself: it is written once per person and course, never
updated or deleted, and carries its year so that a 个人培训档案 lists a person's rows by year.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: article (Markdown), pdf (shown in the page), video (mp4), case (典型事故案例)
COURSE_ITEM_KINDS = ("article", "pdf", "video", "case")
COURSE_ITEM_KIND_LABELS = {"article": "图文", "pdf": "PDF 文档", "video": "视频", "case": "事故案例"}
#: what an uploaded file is for
COURSE_FILE_KINDS = ("pdf", "video", "image")


class Course(db.Model):
    """A course (学习资料): items to study, 学时 credited when every item is done and the
    linked quiz (if any) is passed."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: 分类, e.g. 消防安全, 典型事故案例
    category: Mapped[str] = mapped_column(String(50), default="")
    #: 学时 credited on completion, e.g. 0.5
    hours: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False), default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    #: a quiz that must be passed (a finalized attempt with passed = true) before 学时 are credited
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id"), index=True)
    #: audience: unit ids (each with its sub-units) and roles; an empty list means everyone
    unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the window in which employees see and study the course (None: open-ended)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_published: Mapped[bool] = mapped_column(default=False, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list["CourseItem"]] = relationship(
        back_populates="course", order_by="CourseItem.position", cascade="all, delete-orphan"
    )
    quiz = relationship("Quiz")

    def is_open(self, now: datetime) -> bool:
        """The window rule: open from opens_at (included) until closes_at (excluded)."""
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class CourseFile(db.Model):
    """An uploaded file (PDF, mp4 video, an article's image), stored under the instance folder
    by a random name; the original name is kept for display only."""

    __tablename__ = "course_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: "pdf" | "video" | "image"
    kind: Mapped[str] = mapped_column(String(16))
    #: the name on disk: 32 hex characters and the extension, never built from user input
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    mime_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: a video's length read from its moov/mvhd box
    duration_seconds: Mapped[float | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseItem(db.Model):
    """One item of a course, in ``position`` order."""

    __tablename__ = "course_item"
    __table_args__ = (Index("ix_course_item_course_position", "course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    #: one of COURSE_ITEM_KINDS
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    #: article: the Markdown text (rendered and sanitised on display)
    body: Mapped[str] = mapped_column(Text, default="")
    #: accident case (典型事故案例): 事故经过, 事故原因, 教训与防范, 违反的规定
    case_events: Mapped[str] = mapped_column(Text, default="")
    case_causes: Mapped[str] = mapped_column(Text, default="")
    case_lessons: Mapped[str] = mapped_column(Text, default="")
    case_rules: Mapped[str] = mapped_column(Text, default="")
    #: pdf / video: the uploaded file
    file_id: Mapped[int | None] = mapped_column(ForeignKey("course_file.id"), index=True)
    #: article / case / pdf: the reading time the page must have been visible for
    required_seconds: Mapped[int] = mapped_column(default=60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="items")
    file: Mapped[CourseFile | None] = relationship()

    @property
    def kind_label(self) -> str:
        return COURSE_ITEM_KIND_LABELS.get(self.kind, self.kind)

    @property
    def duration_seconds(self) -> float | None:
        """A video's length (from the file), None for other kinds."""
        return self.file.duration_seconds if self.kind == "video" and self.file else None


class CourseProgress(db.Model):
    """What the server has verified of one person's study of one item."""

    __tablename__ = "course_progress"
    __table_args__ = (UniqueConstraint("user_id", "item_id", name="uq_course_progress_user_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("course_item.id", ondelete="CASCADE"), index=True)
    #: reading time credited from visible-page heartbeats (capped: quiz.learning.services)
    seconds_spent: Mapped[int] = mapped_column(default=0)
    #: video: the verified watched ranges [[start, end], ...] in seconds, merged and sorted
    watched_ranges: Mapped[list] = mapped_column(JSON, default=list)
    watched_seconds: Mapped[float] = mapped_column(default=0)
    #: the last heartbeat or video report (the wall clock that bounds the next credit)
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseCompletion(db.Model):
    """学时 credited to one person for one course: written once, never changed or deleted."""

    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_course_completion_user_course"),
        Index("ix_course_completion_user_year", "user_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the 学时 as credited (a later change of the course's hours does not change this row)
    hours: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    #: the calendar year of completed_at in the campaign's time zone
    year: Mapped[int]
    #: the course's title when credited, as the training record prints it
    course_title: Mapped[str] = mapped_column(String(200))
    #: the passed attempt of the linked quiz, if the course had one
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id"))

    course: Mapped[Course] = relationship()
