"""Uploaded files parsed and waiting for the trainer's confirmation (preview -> confirm)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

IMPORT_KINDS = ("questions", "users")


class PendingImport(db.Model):
    """A parsed upload kept in the database, so any worker can show and confirm it.

    Nothing of it reaches the bank or the accounts until the owner confirms; it
    expires an hour after the upload.
    """

    __tablename__ = "pending_import"

    #: random, unguessable (secrets.token_urlsafe)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: "questions" | "users"
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    row_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    #: the parsed rows and errors, as plain JSON (see the import services)
    payload: Mapped[dict] = mapped_column(JSON)
    #: the uploaded file itself, while it may still be read again (the question import's mapping
    #: step); loaded only when asked for
    source: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
