"""Quizzes (contest papers) and the rules that draw their questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

REVIEW_POLICIES = ("immediate", "after_close", "never")
#: "contest": a quiz of the campaign (lists, boards, certificates); "level": one level of a 闯关 series
QUIZ_KINDS = ("contest", "level")
SCORING_POLICIES = ("all_or_nothing", "partial")
#: how the attempt page shows the questions by default (the taker may switch):
#: "list" all on one page, "single" one question per screen with 上一题/下一题
DISPLAY_MODES = ("list", "single")
#: The longest time limit a quiz may have.  A quiz with it counts as untimed: a 闯关 level
#: "without a time limit" runs for a day, and its page shows no countdown.
MAX_TIME_LIMIT_SECONDS = 24 * 3600


class Quiz(db.Model):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    time_limit_seconds: Mapped[int]
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None means unlimited
    max_attempts: Mapped[int | None]
    #: per calendar day in the campaign's time zone; None means no daily limit
    max_attempts_per_day: Mapped[int | None]
    pass_score: Mapped[float] = mapped_column(default=0)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    #: "all_or_nothing" | "partial" (选对但不全得一半分)
    multiple_choice_scoring: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    #: "immediate" | "after_close" | "never"
    review_policy: Mapped[str] = mapped_column(String(20), default="immediate")
    is_published: Mapped[bool] = mapped_column(default=True, index=True)
    #: how the unit board ranks units: "average_score" | "participation_rate" | "composite" (boards)
    ranking_metric: Mapped[str] = mapped_column(String(20), default="average_score", server_default="average_score")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "contest" | "level" (a level of a LevelSeries; not listed with contests, never on a board)
    kind: Mapped[str] = mapped_column(String(16), default="contest", server_default="contest", index=True)
    #: the 闯关 series of a level quiz, and its place in it (1, 2, ...)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("level_series.id"), index=True)
    position: Mapped[int | None]
    #: 1 for a new quiz; a copy made because the quiz's rules were frozen by attempts is 2, 3 ...
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: the quiz this one is a new version of (indexed, deliberately without a foreign key:
    #: SQLite could only add one by rebuilding the quiz table)
    previous_version_id: Mapped[int | None] = mapped_column(index=True)
    #: the attempt page's default layout, one of DISPLAY_MODES (quiz/services/quiz_display.py)
    display_mode: Mapped[str] = mapped_column(String(16), default="list", server_default="list")
    #: the campaign (活动) this quiz belongs to, if any
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)

    rules: Mapped[list["QuizRule"]] = relationship(
        back_populates="quiz", order_by="QuizRule.position", cascade="all, delete-orphan"
    )

    @property
    def is_untimed(self) -> bool:
        """The untimed rule: a quiz with the longest allowed time limit shows no countdown or limit."""
        return self.time_limit_seconds >= MAX_TIME_LIMIT_SECONDS

    @property
    def question_count(self) -> int:
        return sum(rule.count for rule in self.rules)

    def is_open(self, now: datetime) -> bool:
        if self.opens_at and now < self.opens_at:
            return False
        if self.closes_at and now >= self.closes_at:
            return False
        return True

    def review_allowed(self, now: datetime) -> bool:
        """Whether correct answers and explanations may be shown to the taker now."""
        if self.review_policy == "immediate":
            return True
        if self.review_policy == "after_close":
            return self.closes_at is not None and now >= self.closes_at
        return False


class QuizRule(db.Model):
    """Draw `count` active questions matching category/type/difficulty (None = any)."""

    __tablename__ = "quiz_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    type: Mapped[str | None] = mapped_column(String(16))
    difficulty: Mapped[int | None]
    count: Mapped[int]
    #: points per drawn question; None keeps each question's own points
    points: Mapped[int | None]
    #: fixed paper: this rule always draws exactly this question (count 1), in rule order
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"), index=True)

    quiz: Mapped[Quiz] = relationship(back_populates="rules")
    category: Mapped["Category | None"] = relationship("Category")
    question: Mapped["Question | None"] = relationship("Question")

    @property
    def max_points(self) -> int | None:
        return None if self.points is None else self.points * self.count
