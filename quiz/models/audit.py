"""The audit log: who changed what in the bank, the quizzes, units and users, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: the actor's username when it happened (kept if the account is renamed or removed)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    #: dotted verb, e.g. "question.update", "quiz.publish", "user.import"
    action: Mapped[str] = mapped_column(String(40))
    #: "question" | "category" | "quiz" | "unit" | "user"
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None]
    #: one line for people, in Chinese
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: {field: [old, new]} for updates; counts and names for bulk actions
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")
