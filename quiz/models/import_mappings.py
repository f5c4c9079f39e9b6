"""Column mappings of the question import, remembered by the header row of the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ImportMapping(db.Model):
    """A mapping chosen in the import's mapping step, for the next file with the same header row.

    Shared by every trainer: files exported from the same system have the same header row,
    whoever uploads them.
    """

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: question_bank.header_signature of the file's (first) header row
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    #: that header row, to show which files the mapping is for
    header: Mapped[list[str]] = mapped_column(JSON)
    #: question_bank.ColumnMapping.to_json(): {"columns": {header: field}, "type_values": {value: type}}
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
