"""Campaign pages: list, create/edit, the campaign with its quizzes and series, 从上一年复制,
the campaign board (any signed-in user), the 活动总结 (page, charts, .xlsx)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth_setup import roles_required
from ..boards.charts import chart_width, participation_chart
from ..database import atomic
from ..downloads import attachment
from ..errors import DomainError
from ..extensions import db
from ..forms import save_form
from ..models import STAFF_ROLES, Campaign, LevelSeries, Quiz
from ..services.clock import now_utc
from ..services.exports import XLSX_MIMETYPE
from ..training import levels
from . import services
from .board import campaign_board, campaign_summary
from .charts import CAMPAIGN_CHART_NAMES, comparison_chart
from .exports import summary_workbook
from .forms import ActionForm, AssignQuizForm, AssignSeriesForm, CampaignForm
from .services import CampaignFields

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


bp.add_app_template_global(services.campaign_label, "campaign_label")


def _render_form(form: CampaignForm, campaign: Campaign | None, *, source: Campaign | None = None, status: int = 200):
    return render_template("campaigns/form.html", form=form, campaign=campaign, source=source), status


@bp.get("/")
@roles_required(*STAFF_ROLES)
def index():
    """Every campaign, newest year first, with the current one marked."""
    now = now_utc()
    rows = services.all_campaigns()
    counts = dict(db.session.execute(
        select(Quiz.campaign_id, db.func.count(Quiz.id)).where(Quiz.kind == "contest", Quiz.campaign_id.is_not(None))
        .group_by(Quiz.campaign_id)).all())
    return render_template("campaigns/index.html", rows=rows, counts=counts, current=services.current_campaign(now))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new():
    form = CampaignForm()
    if request.method == "GET":
        year = now_utc().year
        form.fill(CampaignFields("", year, "", date(year, 6, 1), date(year, 6, 30)))
    campaign = save_form(form, lambda fields: services.create_campaign(fields, current_user, now_utc()), form.title)
    if campaign is None:
        return _render_form(form, None, status=422 if request.method == "POST" else 200)
    flash("已创建活动。请把测验和闯关加入活动。", "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(campaign_id: int):
    campaign = services.get_campaign(campaign_id)
    form = CampaignForm()
    if request.method == "GET":
        form.fill(CampaignFields.of(campaign))
    changes = save_form(form, lambda fields: services.update_campaign(campaign, fields, current_user, now_utc()),
                        form.title)
    if changes is None:
        return _render_form(form, campaign, status=422 if request.method == "POST" else 200)
    flash("已保存修改。" if changes else "没有需要保存的修改。", "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/copy", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def copy(campaign_id: int):
    """从上一年复制: a new campaign for the next year with this one's quizzes and series as drafts."""
    source = services.get_campaign(campaign_id)
    form = CampaignForm()
    if request.method == "GET":
        year = source.year + 1
        form.fill(CampaignFields(services.retitle(source.title, source.year, year), year, "",
                                 _next_year(source.starts_on), _next_year(source.ends_on)))
    campaign = save_form(form, lambda fields: services.start_from_previous(source, fields, current_user, now_utc()),
                         form.title)
    if campaign is None:
        return _render_form(form, None, source=source, status=422 if request.method == "POST" else 200)
    flash(f"已创建“{campaign.title}”，并复制了上一年的测验和闯关（均未发布，请检查时间和内容后发布）。", "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _assign_forms(campaign: Campaign) -> tuple[AssignQuizForm, AssignSeriesForm]:
    quiz_form, series_form = AssignQuizForm(prefix="q"), AssignSeriesForm(prefix="s")
    quiz_form.quiz_id.choices = [
        (q.id, f"{q.title}{'' if q.is_published else '（未发布）'}")
        for q in db.session.scalars(select(Quiz).where(
            Quiz.kind == "contest", (Quiz.campaign_id.is_(None)) | (Quiz.campaign_id != campaign.id)).order_by(Quiz.id.desc()))
    ]
    series_form.series_id.choices = [
        (s.id, s.title) for s in db.session.scalars(select(LevelSeries).where(
            (LevelSeries.campaign_id.is_(None)) | (LevelSeries.campaign_id != campaign.id)).order_by(LevelSeries.id.desc()))
    ]
    return quiz_form, series_form


@bp.get("/<int:campaign_id>")
@roles_required(*STAFF_ROLES)
def detail(campaign_id: int):
    """The campaign: its dates and theme, quizzes and series, and the forms that add more."""
    campaign = services.get_campaign(campaign_id)
    quiz_form, series_form = _assign_forms(campaign)
    return render_template(
        "campaigns/detail.html", campaign=campaign, quizzes=services.campaign_quizzes(campaign),
        series=[(s, levels.series_levels(s)) for s in services.campaign_series(campaign)],
        quiz_form=quiz_form, series_form=series_form, action=ActionForm(),
        previous=services.previous_campaign(campaign),
        source=db.session.get(Campaign, campaign.copied_from_id) if campaign.copied_from_id else None,
        has_next=db.session.scalar(select(Campaign.id).where(Campaign.year == campaign.year + 1)) is not None,
    )


def _assign(campaign_id: int, form, lookup, assign, label: str):
    campaign = services.get_campaign(campaign_id)
    if not form.validate_on_submit():
        flash(f"请选择要加入的{label}。", "warning")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    try:
        with atomic():
            item = lookup(form)
            assign(item, campaign, current_user, now_utc())
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"已把{label}“{item.title}”加入活动。", "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/quizzes")
@roles_required(*STAFF_ROLES)
def add_quiz(campaign_id: int):
    campaign = services.get_campaign(campaign_id)
    form, _ = _assign_forms(campaign)
    return _assign(campaign.id, form, lambda f: db.session.get(Quiz, f.quiz_id.data), services.assign_quiz, "测验")


@bp.post("/<int:campaign_id>/series")
@roles_required(*STAFF_ROLES)
def add_series(campaign_id: int):
    campaign = services.get_campaign(campaign_id)
    _, form = _assign_forms(campaign)
    return _assign(campaign.id, form, lambda f: db.session.get(LevelSeries, f.series_id.data), services.assign_series, "闯关")


def _remove(campaign_id: int, item: Quiz | LevelSeries | None, assign, label: str):
    campaign = services.get_campaign(campaign_id)
    if item is None or item.campaign_id != campaign.id:
        abort(404)
    if ActionForm().validate_on_submit():
        assign(item, None, current_user, now_utc())
        flash(f"已把{label}“{item.title}”移出活动。", "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/quizzes/<int:quiz_id>/remove")
@roles_required(*STAFF_ROLES)
def remove_quiz(campaign_id: int, quiz_id: int):
    return _remove(campaign_id, db.session.get(Quiz, quiz_id), services.assign_quiz, "测验")


@bp.post("/<int:campaign_id>/series/<int:series_id>/remove")
@roles_required(*STAFF_ROLES)
def remove_series(campaign_id: int, series_id: int):
    return _remove(campaign_id, db.session.get(LevelSeries, series_id), services.assign_series, "闯关")


# ---------------------------------------------------------------- board and summary


@bp.get("/<int:campaign_id>/board")
@roles_required()
def board(campaign_id: int):
    """The campaign board: units by their people's campaign scores (every signed-in user)."""
    campaign = services.get_campaign(campaign_id)
    figures = campaign_board(campaign, now_utc())
    quizzes = [q for q in services.campaign_quizzes(campaign) if q.is_published or current_user.is_staff]
    return render_template("campaigns/board.html", campaign=campaign, board=figures, quizzes=quizzes,
                           my_unit_id=current_user.unit_id)


@bp.get("/<int:campaign_id>/summary")
@roles_required(*STAFF_ROLES)
def summary(campaign_id: int):
    """活动总结: this campaign against the previous one, unit by unit, with charts; printable."""
    campaign = services.get_campaign(campaign_id)
    figures = campaign_summary(campaign, services.previous_campaign(campaign), now_utc())
    return render_template("campaigns/summary.html", campaign=campaign, summary=figures,
                           quizzes=services.campaign_quizzes(campaign))


@bp.get("/<int:campaign_id>/summary.xlsx")
@roles_required(*STAFF_ROLES)
def summary_export(campaign_id: int):
    campaign = services.get_campaign(campaign_id)
    figures = campaign_summary(campaign, services.previous_campaign(campaign), now_utc())
    return attachment(summary_workbook(figures), f"{campaign.title}-活动总结.xlsx", XLSX_MIMETYPE)


@bp.get("/<int:campaign_id>/charts/<name>.svg")
@roles_required()
def chart(campaign_id: int, name: str):
    """A campaign chart: ``board`` (participation by unit) for everyone; the summary's comparison
    charts (``participation``, ``average``) for staff.  ``?w=`` picks the width (CHART_WIDTHS)."""
    campaign = services.get_campaign(campaign_id)
    width = chart_width("light", request.args.get("w"))
    now = now_utc()
    if name == "board":
        svg = participation_chart(campaign_board(campaign, now).units, "light", width)
    elif name in CAMPAIGN_CHART_NAMES and current_user.is_staff:
        previous = services.previous_campaign(campaign)
        figures = campaign_summary(campaign, previous, now)
        svg = comparison_chart(figures.units, name, f"{campaign.year}年", f"{previous.year}年" if previous else None,
                               "light", width)
    else:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
