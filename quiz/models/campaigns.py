"""Campaigns (活动): one 安全生产月 each year, with its theme, dates, quizzes and level series."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Campaign(db.Model):
    """A yearly campaign; quizzes and level series belong to at most one (``campaign_id``)."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(index=True)
    #: 主题, e.g. 落实安全责任，推动安全发展
    theme: Mapped[str] = mapped_column(String(200), default="")
    #: calendar days in the campaign's time zone, both included
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: the campaign this one was started from (its quizzes and series copied as drafts)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
