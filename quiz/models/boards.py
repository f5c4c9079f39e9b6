"""Ranking boards: the board version per quiz, public display links, and the board index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: How units are ranked, chosen per quiz (Quiz.ranking_metric).
RANKING_METRICS = ("average_score", "participation_rate", "composite")
RANKING_METRIC_LABELS = {
    "average_score": "平均分",
    "participation_rate": "参与率",
    "composite": "综合分（平均分×参与率）",
}

class BoardVersion(db.Model):
    """Bumped whenever an attempt of the quiz is finalized: cached boards of older versions are stale.

    It lives in the database (not in one process's memory) so that every worker and
    every cache backend sees a submit at once; the bump commits with the attempt.
    """

    __tablename__ = "board_version"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisplayLink(db.Model):
    """A revocable, read-only link to a quiz's big-screen display (LED screens), usable without login.

    Only the token's SHA-256 is stored; the full link is shown once, when it is created.
    """

    __tablename__ = "board_display_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    #: where the screen is, e.g. "一楼大厅 LED"
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: names shown as 张*三 on the public screen unless an admin turns this off
    mask_names: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    quiz = relationship("Quiz")
    created_by = relationship("User")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
