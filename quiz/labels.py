"""The Chinese labels of the app's codes, in one place (templates get them from quiz.web)."""

from __future__ import annotations

from .models import ROLE_LABELS  # noqa: F401  (re-exported: every label from one module)
from .services.grading import TYPE_LABELS  # noqa: F401

#: Attempt.status
STATUS_LABELS = {"in_progress": "答题中", "submitted": "已提交", "expired": "超时自动交卷"}
#: attempts.quiz_status() for one user
QUIZ_STATUS_LABELS = {
    "upcoming": "未开始",
    "open": "可参加",
    "in_progress": "答题中",
    "exhausted": "次数已用完",
    "closed": "已结束",
}
