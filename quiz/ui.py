"""Page furniture shared by every template: the navigation (with the current item), the
quiz status shown on a card, and the favicon.  No domain logic here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, request

from .auth_setup import public
from .models import STAFF_ROLES


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    endpoint: str
    #: roles that see the item (empty: every signed-in user)
    roles: tuple[str, ...] = ()


NAV_ITEMS = (
    NavItem("home", "首页", "take.home"),
    NavItem("history", "我的成绩", "take.history"),
    NavItem("bank", "题库管理", "trainer.questions", STAFF_ROLES),
    NavItem("quizzes", "测验管理", "trainer.quizzes", STAFF_ROLES),
    NavItem("admin", "用户管理", "admin.users", ("admin",)),
    NavItem("campaigns", "活动管理", "campaigns.index", STAFF_ROLES),
    NavItem("org", "本单位人员", "org.people", ("manager",)),
    NavItem("reminders", "参与督促", "org.reminders", STAFF_ROLES),
    NavItem("boards", "排行榜", "boards.index"),
    NavItem("training", "练习与错题", "training.index"),
    NavItem("levels", "知识闯关", "training.levels_index"),
    NavItem("levels_manage", "闯关管理", "training.manage", STAFF_ROLES),
    # staff reach the 学习 page from 课程管理 (the bar has no room for both)
    NavItem("learning", "学习", "learning.index", ("employee", "manager")),
    NavItem("learning_manage", "课程管理", "learning.manage", STAFF_ROLES),
    NavItem("offline_manage", "线下培训", "offline.sessions", STAFF_ROLES),
)

#: endpoint prefixes of each navigation item, most specific first
_SECTION_PREFIXES = (
    ("take.history", "history"),
    ("take.", "home"),
    ("trainer.quiz", "quizzes"),
    ("trainer.attempt", "quizzes"),
    ("trainer.result", "quizzes"),
    ("trainer.", "bank"),
    ("admin.", "admin"),
    ("org.reminders", "reminders"),
    ("org.", "org"),
    ("boards.", "boards"),
    ("campaigns.board", "boards"),
    ("campaigns.", "campaigns"),
    ("training.levels", "levels"),
    ("training.series_detail", "levels"),
    ("training.level_start", "levels"),
    ("training.manage", "levels_manage"),
    ("training.level_", "levels_manage"),
    ("training.series_", "levels_manage"),
    ("training.posters", "quizzes"),
    ("training.", "training"),
    ("learning.manage", "learning_manage"),
    ("learning.course_", "learning_manage"),
    ("learning.item_", "learning_manage"),
    ("learning.image_", "learning_manage"),
    ("learning.", "learning"),
    ("offline.session", "offline_manage"),
    ("offline.attendance", "offline_manage"),
)


def nav_section(endpoint: str | None) -> str | None:
    """The navigation item a page belongs to (for ``aria-current``), None for pages outside it."""
    if not endpoint:
        return None
    for prefix, key in _SECTION_PREFIXES:
        if endpoint.startswith(prefix):
            return key
    return None


def nav_items(role: str | None) -> list[NavItem]:
    return [item for item in NAV_ITEMS if not item.roles or role in item.roles]


def quiz_status_label(status: str, quiz, used: int) -> str:
    """What a quiz card says about the taker's status.  "exhausted" means no attempt may start
    *now*: for good when the total allowance is used, otherwise only until tomorrow."""
    if status == "exhausted":
        if quiz.max_attempts is not None and used >= quiz.max_attempts:
            return "次数已用完"
        return "今日已答完"
    return {"upcoming": "未开始", "open": "可参加", "in_progress": "答题中", "closed": "已结束"}.get(status, status)


def invalid_attrs(field, attrs: dict | None = None) -> dict:
    """``attrs`` plus what ties a field with errors to its message: ``aria-invalid`` and
    ``aria-describedby`` pointing at ``<field id>-error`` (the templates' error block)."""
    merged = dict(attrs or {})
    if getattr(field, "errors", None):
        merged["aria-invalid"] = "true"
        merged["aria-describedby"] = f"{field.id}-error"
    return merged


@public
def favicon():
    """/favicon.ico, which browsers ask for on their own (the pages link the SVG icon)."""
    response = current_app.send_static_file("favicon.ico")
    response.headers["Cache-Control"] = "public, max-age=604800"
    return response


#: A plain Flask blueprint: the favicon is no part of the API's OpenAPI document.
bp = Blueprint("ui", __name__)
bp.add_url_rule("/favicon.ico", "favicon", favicon)


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _navigation():
        return {
            "nav_items": nav_items,
            "nav_current": nav_section(request.endpoint),
            "quiz_status_label": quiz_status_label,
            "invalid_attrs": invalid_attrs,
        }
