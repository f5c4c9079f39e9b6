"""Board pages for signed-in users, charts, exports, the print page and the campaign summary."""

from __future__ import annotations


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import roles_required
from ..downloads import attachment
from ..params import id_arg, int_arg
from ..extensions import db
from ..models import RANKING_METRIC_LABELS, STAFF_ROLES, Quiz
from ..services import quizzes
from .cache import cached_trend, cached_units, cached_users, mark_board_changed
from .charts import band_labels
from ..services.clock import now_utc
from . import display  # noqa: F401  (the big-screen views register on bp too)
from .blueprint import board_cache, bp, page_wait
from .pages import MetricForm, board_level, board_quiz, chart_stamp, has_levels, metric_label, render_settings, svg_response
from .exports import boards_workbook, summary_workbook
from .presenters import board_users, ranking_rules

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/quizzes/<int:quiz_id>/charts/<name>.svg")
@roles_required()
def chart(quiz_id: int, name: str):
    return svg_response(board_quiz(quiz_id).id, name, request.args.get("theme", "light"), request.args.get("w"))


# ---------------------------------------------------------------- pages


@bp.get("/")
@roles_required()
def index():
    """The quizzes with boards (trainers and admins also see unpublished ones)."""
    if current_user.is_staff:
        items = list(db.session.scalars(db.select(Quiz).order_by(Quiz.opens_at.desc(), Quiz.id.desc())))
    else:
        items = quizzes.published_quizzes()
    if len(items) == 1:
        return redirect(url_for("boards.units", quiz_id=items[0].id))
    return render_template("boards/index.html", quizzes=items)


@bp.get("/quizzes/<int:quiz_id>/")
@roles_required()
def units(quiz_id: int):
    """The unit board: the signed-in user's unit highlighted, with the contest's charts.

    ``?parent=<unit id>`` ranks that unit's children with their subtree figures (``top``: the
    top-level units), with a breadcrumb; without it, the flat board of every unit."""
    quiz = board_quiz(quiz_id)
    entry = cached_units(board_cache(), quiz.id, now_utc(), page_wait())
    return render_template(
        "boards/units.html",
        quiz=quiz,
        standings=entry.value,
        level=board_level(entry.value, request.args.get("parent")),
        has_levels=has_levels(entry.value),
        summary=entry.value.summary,
        metric_label=metric_label(quiz),
        rules=ranking_rules(metric_label(quiz)),
        stamp=chart_stamp(quiz.id),
        my_unit_id=current_user.unit_id,
        tab="units",
    )


def _unit_filter(unit_param: str | None) -> int | None:
    if unit_param in (None, "", "all"):
        return None
    if unit_param == "mine":
        return current_user.unit_id
    unit_id = id_arg("unit", value=unit_param)
    if unit_id is None:
        abort(404)
    return unit_id


@bp.get("/quizzes/<int:quiz_id>/users")
@roles_required()
def users(quiz_id: int):
    """The individual board: the whole contest or one unit, 50 a page, the signed-in user highlighted."""
    quiz = board_quiz(quiz_id)
    cache, now = board_cache(), now_utc()
    standings = cached_users(cache, quiz.id, now, page_wait()).value
    unit_board = cached_units(cache, quiz.id, now, page_wait()).value
    unit_id = _unit_filter(request.args.get("unit"))
    unit = unit_board.unit(unit_id) if unit_id is not None else None
    if unit_id is not None and unit is None:
        abort(404)
    rows = board_users(standings, unit_id)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = int_arg("page", 1, maximum=pages)
    me = standings.user(current_user.id)
    return render_template(
        "boards/users.html",
        quiz=quiz,
        standings=standings,
        rows=rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
        total=len(rows),
        page=page,
        pages=pages,
        unit=unit,
        unit_param=request.args.get("unit", ""),
        units=sorted(unit_board.units, key=lambda u: u.unit),
        me=me,
        my_unit_id=current_user.unit_id,
        tab="users",
    )


@bp.get("/quizzes/<int:quiz_id>/print")
@roles_required()
def print_view(quiz_id: int):
    """Both boards on a print-friendly page (the individual board's first ``top`` rows)."""
    quiz = board_quiz(quiz_id)
    cache, now = board_cache(), now_utc()
    unit_board = cached_units(cache, quiz.id, now, page_wait()).value
    standings = cached_users(cache, quiz.id, now, page_wait()).value
    top = int_arg("top", 100, minimum=10, maximum=1000)
    return render_template(
        "boards/print.html",
        quiz=quiz,
        standings=unit_board,
        level=board_level(unit_board, request.args.get("parent")),
        summary=unit_board.summary,
        users=(standings.users or [])[:top],
        total_users=len(standings.users or []),
        top=top,
        metric_label=metric_label(quiz),
        rules=ranking_rules(metric_label(quiz)),
    )


@bp.get("/quizzes/<int:quiz_id>/summary")
@roles_required(*STAFF_ROLES)
def summary(quiz_id: int):
    """活动总结: the contest's overall figures, per-unit participation and ranking, with the charts."""
    quiz = board_quiz(quiz_id)
    cache, now = board_cache(), now_utc()
    unit_board = cached_units(cache, quiz.id, now, page_wait()).value
    trend = cached_trend(cache, quiz.id, now, page_wait()).value
    return render_template(
        "boards/summary.html",
        quiz=quiz,
        standings=unit_board,
        summary=unit_board.summary,
        trend=trend,
        bands=list(zip(band_labels(unit_board.max_score), unit_board.summary.score_bands)),
        active_units=sum(1 for u in unit_board.units if u.participants),
        idle_units=[u for u in unit_board.units if not u.participants],
        metric_label=metric_label(quiz),
        rules=ranking_rules(metric_label(quiz)),
        stamp=chart_stamp(quiz.id),
    )


def _workbook(quiz_id: int, sheets: str, name: str) -> Response:
    """A board workbook of the quiz as a download: ``sheets`` is "boards" or "summary"."""
    quiz = board_quiz(quiz_id)
    cache, now = board_cache(), now_utc()
    units = cached_units(cache, quiz.id, now).value
    if sheets == "boards":
        level = board_level(units, request.args.get("parent"))
        data = boards_workbook(quiz.title, units, cached_users(cache, quiz.id, now).value, metric_label(quiz),
                               level=level)
    else:
        data = summary_workbook(quiz.title, units, cached_trend(cache, quiz.id, now).value, metric_label(quiz))
    return attachment(data, f"{quiz.title}-{name}.xlsx", XLSX)


@bp.get("/quizzes/<int:quiz_id>/export.xlsx")
@roles_required(*STAFF_ROLES)
def export(quiz_id: int):
    """Both boards as .xlsx (单位排名, 个人排名, 排名规则); ``?parent=`` exports that level's units."""
    return _workbook(quiz_id, "boards", "排行榜")


@bp.get("/quizzes/<int:quiz_id>/summary.xlsx")
@roles_required(*STAFF_ROLES)
def summary_export(quiz_id: int):
    """活动总结 as .xlsx."""
    return _workbook(quiz_id, "summary", "活动总结")


# ---------------------------------------------------------------- settings


@bp.get("/quizzes/<int:quiz_id>/settings")
@roles_required(*STAFF_ROLES)
def settings(quiz_id: int):
    """The unit ranking metric (trainers, admins) and the big-screen links (admins)."""
    return render_settings(board_quiz(quiz_id))


@bp.post("/quizzes/<int:quiz_id>/metric")
@roles_required(*STAFF_ROLES)
def set_metric(quiz_id: int):
    quiz = board_quiz(quiz_id)
    form = MetricForm()
    if not form.validate_on_submit():
        flash("排名依据无效，请重新选择。", "warning")
        return redirect(url_for("boards.settings", quiz_id=quiz.id))
    if quiz.ranking_metric != form.ranking_metric.data:
        quiz.ranking_metric = form.ranking_metric.data
        mark_board_changed(quiz.id, now_utc())  # the boards re-rank at once
    flash(f"单位排名依据已改为：{RANKING_METRIC_LABELS[quiz.ranking_metric]}", "success")
    return redirect(url_for("boards.units", quiz_id=quiz.id))
