"""The big-screen display (LED screens): a public, read-only, revocable link per screen.

The page renders the current figures and then ``static/js/boards_display.js`` fetches
``/data`` every few seconds and patches the DOM in place (no reload, no flicker).
Names are masked (张*三) unless an admin turned masking off for the link.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import public, roles_required
from ..proxies import absolute_url
from ..extensions import db
from ..models import Campaign, DisplayLink, Quiz
from ..campaigns.board import campaign_board
from ..campaigns.presenters import campaign_board_json
from .cache import cached_units, cached_users
from .links import DisplayGrant, create_display_link, display_grant, get_display_link, mask_name, revoke_display_link, set_display_masking
from ..services.clock import isoformat, now_utc
from .blueprint import board_cache, bp
from .presenters import cached_json, cached_value, unit_json
from ..forms import ActionForm
from .pages import board_level, board_quiz, chart_stamp, metric_label, render_settings, svg_response

#: how many individuals the big screen shows
DISPLAY_TOP_USERS = 20
#: how old a board version a big screen accepts: it refreshes every BOARD_DISPLAY_REFRESH_SECONDS (15 s),
#: so this bounds what screens cost the database by workers x quizzes, not by how many screens poll
DISPLAY_VERSION_SECONDS = 5.0


def _grant_or_404(token: str) -> DisplayGrant:
    cache = board_cache()
    grant = display_grant(token, lambda quiz_id: cache.version(quiz_id, DISPLAY_VERSION_SECONDS))
    if grant is None:
        abort(404)
    return grant


def display_payload(grant: DisplayGrant, token: str, parent: str | None = None) -> dict:
    """Everything the big screen shows, masked as the link says.

    ``parent`` (the page's ``?parent=``, see pages.board_level): one level of the unit tree, its
    units with their subtree figures, the figures of the level's unit and its subtree's top people."""
    cache, now = board_cache(), now_utc()
    units_entry = cached_units(cache, grant.quiz_id, now, max_age=DISPLAY_VERSION_SECONDS)
    units = units_entry.value
    users = cached_users(cache, grant.quiz_id, now, max_age=DISPLAY_VERSION_SECONDS).value
    quiz = cached_value(("display-quiz", grant.quiz_id), units_entry, lambda: display_quiz(grant.quiz_id, now))
    level = board_level(units, parent)
    summary = units.summary
    figures = level.parent if level is not None and level.parent is not None else summary
    people = users.users or []
    if level is not None and level.parent is not None:
        inside = units.subtree_unit_ids(level.parent.unit_id)
        people = [row for row in people if row.unit_id in inside]
    stamp = chart_stamp(grant.quiz_id)
    return {
        "quiz": quiz["title"],
        "metric": units.metric,
        "metric_label": quiz["metric_label"],
        "updated_at": isoformat(units.updated_at),
        "level": None if level is None else (
            " / ".join(row.unit for row in level.path) if level.parent is not None else "顶层单位"),
        "summary": {
            "headcount": figures.headcount,
            "participants": figures.participants,
            "participation_rate": figures.participation_rate,
            "average_score": figures.average_score,
            "pass_rate": figures.pass_rate,
            "full_marks": figures.full_marks,
            "attempts": summary.attempts,
        },
        "units": [unit_json(row) for row in (units.units if level is None else level.units)],
        "users": [
            {
                "rank": row.rank,
                "display_name": mask_name(row.display_name) if grant.mask_names else row.display_name,
                "unit": row.unit,
                "best_score": row.best_score,
                "duration_seconds": row.duration_seconds,
            }
            for row in people[:DISPLAY_TOP_USERS]
        ],
        "charts": {
            name: url_for("boards.display_chart", token=token, name=name, theme="dark", v=stamp)
            for name in ("participation", "daily")
        },
        "campaign": quiz["campaign"],
    }


def display_quiz(quiz_id: int, now) -> dict:
    """What every screen of a quiz shows alike and only the database knows (title, metric, campaign board).

    Built once per board entry in a process (``cached_value``), not once per link and level: when the
    boards refresh, the screens' bodies are rebuilt from memory."""
    quiz = db.session.get(Quiz, quiz_id)
    return {"title": quiz.title, "metric_label": metric_label(quiz), "campaign": display_campaign(quiz, now)}


def display_campaign(quiz: Quiz, now) -> dict | None:
    """The campaign board of the quiz's campaign (a slide of its own), None when it belongs to none."""
    campaign = db.session.get(Campaign, quiz.campaign_id) if quiz.campaign_id else None
    return campaign_board_json(campaign, campaign_board(campaign, now)) if campaign else None


@bp.get("/display/<token>")
@public
def display(token: str):
    """The full-screen board for LED screens (no login: the link is the key)."""
    grant = _grant_or_404(token)
    quiz = db.session.get(Quiz, grant.quiz_id)
    parent = _level_param()
    return render_template("boards/display.html", quiz=quiz, data=display_payload(grant, token, parent),
                           data_url=url_for("boards.display_data", token=token, parent=parent))


def _level_param() -> str | None:
    """The ``?parent=`` a display link carries (any level of the unit tree; blank: the flat board)."""
    return (request.args.get("parent") or "").strip()[:20] or None


@bp.get("/display/<token>/data")
@public
def display_data(token: str):
    """The big screen's figures as JSON (fetched every few seconds by the page).

    Warm, this touches no database: the grant and the board state are memoized (the state for
    DISPLAY_VERSION_SECONDS) and the body is built once per (link, masking, board entries).
    """
    grant = _grant_or_404(token)
    cache, now = board_cache(), now_utc()
    state = cache.state(grant.quiz_id, max_age=DISPLAY_VERSION_SECONDS)
    if state is None:
        abort(404)
    units = cached_units(cache, grant.quiz_id, now, max_age=DISPLAY_VERSION_SECONDS)
    users = cached_users(cache, grant.quiz_id, now, max_age=DISPLAY_VERSION_SECONDS)
    parent = _level_param()
    response = cached_json(("display", grant.link_id, grant.mask_names, parent, users.version, users.computed_at),
                           units, lambda: display_payload(grant, token, parent))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/display/<token>/charts/<name>.svg")
@public
def display_chart(token: str, name: str):
    grant = _grant_or_404(token)
    return svg_response(grant.quiz_id, name, "dark")


# ---------------------------------------------------------------- managing links (admins)


@bp.post("/quizzes/<int:quiz_id>/links")
@roles_required("admin")
def create_link(quiz_id: int):
    """Create a display link and show its URL once (only its hash is kept)."""
    quiz = board_quiz(quiz_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("boards.settings", quiz_id=quiz.id))
    token, link = create_display_link(
        quiz, request.form.get("label", ""), created_by=current_user, now=now_utc(),
        mask_names=request.form.get("mask_names") != "off",
    )
    url = absolute_url("boards.display", token=token)
    return render_settings(quiz, new_link=link, new_link_url=url)


def _managed_link(link_id: int) -> DisplayLink:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return get_display_link(link_id)


@bp.post("/links/<int:link_id>/mask")
@roles_required("admin")
def toggle_mask(link_id: int):
    link = _managed_link(link_id)
    set_display_masking(link, not link.mask_names, now_utc())
    flash(f"“{link.label}”已{'开启' if link.mask_names else '关闭'}姓名脱敏。", "success")
    return redirect(url_for("boards.settings", quiz_id=link.quiz_id))


@bp.post("/links/<int:link_id>/revoke")
@roles_required("admin")
def revoke_link(link_id: int):
    link = _managed_link(link_id)
    revoke_display_link(link, now_utc())
    flash(f"大屏链接“{link.label}”已停用，使用该链接的屏幕将无法再显示。", "success")
    return redirect(url_for("boards.settings", quiz_id=link.quiz_id))
