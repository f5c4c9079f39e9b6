"""How the attempt page shows a quiz's questions by default: all on one page ("list") or
one question per screen with 上一题/下一题 ("single").  The taker may switch; the page
remembers the switch in the browser.  It changes nothing about drawing or scoring, so it
is never frozen by attempts."""

from __future__ import annotations

from datetime import datetime

from ..errors import ValidationFailed
from ..models import Quiz, User
from ..models.quizzes import DISPLAY_MODES
from .audit import record_audit

DISPLAY_MODE_LABELS = {"list": "整页显示全部题目", "single": "一屏一题（上一题 / 下一题）"}


def set_display_mode(quiz: Quiz, mode: str, actor: User | None, now: datetime) -> bool:
    """Set the quiz's default layout; True if it changed (audited like other quiz settings)."""
    if mode not in DISPLAY_MODES:
        raise ValidationFailed("答题页面显示方式无效", field="display_mode")
    if quiz.display_mode == mode:
        return False
    before = quiz.display_mode
    quiz.display_mode = mode
    record_audit(actor, "quiz.update", "quiz", quiz.id, f"修改测验“{quiz.title}”", now,
                 {"display_mode": [before, mode]})
    return True
