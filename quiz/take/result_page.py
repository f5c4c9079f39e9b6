"""What the result page shows besides the attempt itself: the taker's standing on the
boards, whether another attempt may start, and whether a share card can be drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ..boards.blueprint import board_cache, page_wait
from ..models import Attempt, Quiz, User
from ..services import attempts
from ..boards.cache import cached_users
from ..services.share_card import find_font


@dataclass(frozen=True)
class Standing:
    """The taker's place on the individual board (their best counted result)."""

    rank: int
    total: int
    unit_rank: int | None
    unit_total: int | None
    best_score: float


def shows_boards(quiz: Quiz) -> bool:
    """Contests that employees can open have boards (闯关 levels never do)."""
    return quiz.kind == "contest" and quiz.is_published


def standing_of(user: User, quiz: Quiz, now: datetime) -> Standing | None:
    """The user's rank overall and in their unit, None when the quiz has no boards or the user
    has no counted result (e.g. submitted outside the contest window)."""
    if not shows_boards(quiz):
        return None
    standings = cached_users(board_cache(), quiz.id, now, page_wait()).value
    me = standings.user(user.id)
    if me is None:
        return None
    unit_rows = standings.unit_users(me.unit_id) if me.unit_id is not None else []
    return Standing(me.rank, len(standings.users or []), me.unit_rank, len(unit_rows) or None, me.best_score)


def share_font() -> str | None:
    return find_font(current_app.config.get("SHARE_CARD_FONT_PATH"))


def result_context(attempt: Attempt, quiz: Quiz, user: User, now: datetime) -> dict:
    allowance = attempts.attempt_allowance(user, quiz, now)
    return {
        "show_boards": shows_boards(quiz),
        "standing": standing_of(user, quiz, now) if attempt.is_final else None,
        "can_start_again": quiz.kind == "contest" and allowance.can_start,
        "share_available": share_font() is not None,
    }
