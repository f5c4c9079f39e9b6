"""Training pages: thin views over services/practice, notebook, mastery, levels, certificates.

Every state change is a POST form with CSRF; each request is one transaction (quiz.database).
Pages that would only read, but find contest attempts whose answers may now go into the
notebook (review allowed since), write them in a ``write_block``.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..auth_setup import roles_required
from ..campaigns import services as campaigns
from ..params import id_arg
from ..proxies import absolute_url
from ..database import atomic, write_block
from ..errors import DomainError
from ..downloads import attachment
from ..extensions import db
from ..models import STAFF_ROLES, Category, NotebookEntry, Question, Quiz
from ..services import attempts, quizzes
from . import certificates, levels, notebook, practice, qrcodes
from ..services.clock import now_utc
from ..services.questions import category_counts
from ..services.quizzes import RuleSpec
from . import cli, verify  # noqa: F401  (the CLI commands and the public verify page)
from .blueprint import bp, verify_bp  # noqa: F401  (verify_bp: registered by create_app)
from ..services.notebook_choices import last_wrong_choices
from .overview import overview
from .verify import certificate_secret
from .forms import (
    ActionForm,
    LevelForm,
    NotebookPracticeForm,
    PracticeStartForm,
    SeriesForm,
)

# ---------------------------------------------------------------- helpers


def sync_notebook(now) -> None:
    """Harvest the user's finalized attempts whose review became allowed since (writes only if needed)."""
    if notebook.has_unharvested(current_user, now):
        with write_block():
            notebook.sync_user(current_user, now)


def _category_choices(all_label: str = "全部分类") -> list[tuple[int, str]]:
    return [(0, all_label)] + [(c.id, f"{c.name}（{n} 题）") for c, n in category_counts() if n]


def _flash_error(error: DomainError) -> None:
    flash(error.message, "warning")


# ---------------------------------------------------------------- overview and practice


@bp.get("/")
@roles_required()
def index():
    sync_notebook(now_utc())
    form = PracticeStartForm()
    form.category_id.choices = _category_choices()
    wanted = id_arg("category")
    if wanted and any(value == wanted for value, _ in form.category_id.choices):
        form.category_id.data = wanted
    return render_template("training/index.html", form=form, **overview(current_user))


@bp.post("/practice")
@roles_required()
def practice_start():
    form = PracticeStartForm()
    form.category_id.choices = _category_choices()
    if not form.validate_on_submit():
        flash("请选择练习范围和题数。", "warning")
        return redirect(url_for("training.index"))
    try:
        with atomic():
            session = practice.start_session(
                current_user, now_utc(), count=form.count.data, category_id=form.category_id.data or None
            )
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("training.index"))
    return redirect(url_for("training.practice_session", session_id=session.id))


@bp.get("/practice/<int:session_id>")
@roles_required()
def practice_session(session_id: int):
    session = practice.get_own_session(session_id, current_user)
    item = practice.next_item(session)
    if item is None or session.finished_at is not None:
        questions = {q.id: q for q in db.session.scalars(
            db.select(Question).where(Question.id.in_([i.question_id for i in session.items]))
        )}
        return render_template("training/practice_summary.html", session=session, questions=questions)
    question = db.session.get(Question, item.question_id)
    return render_template(
        "training/practice_question.html", session=session, item=item, question=question,
        category=db.session.get(Category, question.category_id), form=ActionForm(),
    )


@bp.post("/practice/<int:session_id>/answer")
@roles_required()
def practice_answer(session_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重新作答。", "warning")
        return redirect(url_for("training.practice_session", session_id=session_id))
    session = practice.get_own_session(session_id, current_user)
    position = request.form.get("position", type=int)
    try:
        selected = [int(value) for value in request.form.getlist("option")]
    except ValueError:
        abort(400)
    if position is None:
        abort(400)
    try:
        with atomic():
            practice.answer_item(session, position, selected, now_utc())
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("training.practice_session", session_id=session_id))
    return redirect(url_for("training.practice_feedback", session_id=session_id, position=position))


@bp.get("/practice/<int:session_id>/items/<int:position>")
@roles_required()
def practice_feedback(session_id: int, position: int):
    session = practice.get_own_session(session_id, current_user)
    item = practice.get_item(session, position)
    if item.selected is None:
        return redirect(url_for("training.practice_session", session_id=session_id))
    question = db.session.get(Question, item.question_id)
    entry = db.session.scalar(db.select(NotebookEntry).where(
        NotebookEntry.user_id == current_user.id, NotebookEntry.question_id == question.id
    ))
    return render_template(
        "training/practice_feedback.html", session=session, item=item, question=question,
        category=db.session.get(Category, question.category_id), entry=entry,
        rights_to_leave=notebook.RIGHTS_TO_LEAVE, is_last=practice.next_item(session) is None,
    )


# ---------------------------------------------------------------- notebook


@bp.get("/notebook")
@roles_required()
def notebook_view():
    sync_notebook(now_utc())
    category_id = id_arg("category")
    counts = notebook.category_counts(current_user)
    form = NotebookPracticeForm()
    form.category_id.choices = [(0, "全部错题")] + [(cid, f"{name}（{n} 题）") for cid, name, n in counts]
    if category_id:
        form.category_id.data = category_id
    items = notebook.active_entries(current_user, category_id)
    return render_template(
        "training/notebook.html",
        items=items,
        choices=last_wrong_choices(current_user, [it.question.id for it in items]),  # the employee's last wrong choice
        counts=counts,
        category_id=category_id,
        total=notebook.active_count(current_user),
        mastered=notebook.left_count(current_user),
        rights_to_leave=notebook.RIGHTS_TO_LEAVE,
        form=form,
    )


@bp.post("/notebook/practice")
@roles_required()
def notebook_practice():
    form = NotebookPracticeForm()
    form.category_id.choices = [(0, "全部错题")] + [(cid, name) for cid, name, _ in notebook.category_counts(current_user)]
    if not form.validate_on_submit():
        flash("请选择范围和题数。", "warning")
        return redirect(url_for("training.notebook_view"))
    try:
        with atomic():
            session = practice.start_session(current_user, now_utc(), count=form.count.data,
                                             category_id=form.category_id.data or None, mode="notebook")
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("training.notebook_view"))
    return redirect(url_for("training.practice_session", session_id=session.id))


# ---------------------------------------------------------------- levels (employees)


@bp.get("/levels")
@roles_required()
def levels_index():
    progress = [levels.series_progress(current_user, series) for series in levels.published_series()]
    return render_template("training/levels.html", progress=progress)


@bp.get("/levels/<int:series_id>")
@roles_required()
def series_detail(series_id: int):
    series = levels.get_series(series_id, include_unpublished=current_user.is_staff)
    return render_template(
        "training/series.html",
        progress=levels.series_progress(current_user, series),
        form=ActionForm(),
        can_manage=current_user.is_staff,
    )


@bp.post("/levels/<int:series_id>/<int:quiz_id>/start")
@roles_required()
def level_start(series_id: int, quiz_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("training.series_detail", series_id=series_id))
    series = levels.get_series(series_id)
    level = levels.get_level(series, quiz_id)
    try:
        with atomic():
            attempt, _created = attempts.start_attempt(current_user, level, now_utc())
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("training.series_detail", series_id=series_id))
    return redirect(url_for("take.attempt", attempt_id=attempt.id))


@bp.get("/levels/<int:series_id>/units")
@roles_required(*STAFF_ROLES)
def series_units(series_id: int):
    series = levels.get_series(series_id, include_unpublished=True)
    return render_template("training/series_units.html", series=series,
                           levels=levels.series_levels(series), rows=levels.unit_progress(series))


# ---------------------------------------------------------------- level series (trainers)


@bp.route("/manage", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def manage():
    form = SeriesForm()
    form.campaign_id.choices = campaigns.campaign_choices()
    if form.validate_on_submit():
        try:
            with atomic():
                series = levels.create_series(form.title.data, form.description.data or "", current_user)
                campaigns.assign_series_id(form.campaign_id.data, series, current_user, now_utc())
        except DomainError as error:
            _flash_error(error)
        else:
            flash("已创建闯关，请添加关卡后发布。", "success")
            return redirect(url_for("training.manage_series", series_id=series.id))
    rows = [(series, levels.series_levels(series)) for series in levels.all_series()]
    return render_template("training/manage.html", form=form, rows=rows)


def _level_form() -> LevelForm:
    form = LevelForm()
    form.category_id.choices = _category_choices()
    return form


@bp.route("/manage/<int:series_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def manage_series(series_id: int):
    series = levels.get_series(series_id, include_unpublished=True)
    form = SeriesForm(obj=series) if request.method == "GET" else SeriesForm()
    form.campaign_id.choices = campaigns.campaign_choices()
    if request.method == "GET":
        form.campaign_id.data = series.campaign_id or 0
    if form.validate_on_submit():
        series.title = form.title.data.strip()
        series.description = form.description.data or ""
        campaigns.assign_series_id(form.campaign_id.data, series, current_user, now_utc())
        flash("已保存。", "success")
        return redirect(url_for("training.manage_series", series_id=series.id))
    return render_template(
        "training/manage_series.html", series=series, form=form, level_form=_level_form(),
        action=ActionForm(), levels=levels.series_levels(series),
    )


@bp.post("/manage/<int:series_id>/levels")
@roles_required(*STAFF_ROLES)
def level_add(series_id: int):
    series = levels.get_series(series_id, include_unpublished=True)
    form = _level_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "warning")
        return redirect(url_for("training.manage_series", series_id=series.id))
    rule = RuleSpec(count=form.count.data, category_id=form.category_id.data or None, type=form.type.data or None)
    try:
        with atomic():
            levels.add_level(
                series, title=form.title.data, rules=[rule], pass_percent=form.pass_percent.data,
                time_limit_seconds=form.time_limit_minutes.data * 60 or None, created_by=current_user,
                now=now_utc(),
            )
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for("training.manage_series", series_id=series.id))
    flash("已添加关卡。", "success")
    return redirect(url_for("training.manage_series", series_id=series.id))


@bp.post("/manage/<int:series_id>/levels/<int:quiz_id>/<any(up, down):direction>")
@roles_required(*STAFF_ROLES)
def level_move(series_id: int, quiz_id: int, direction: str):
    series = levels.get_series(series_id, include_unpublished=True)
    if ActionForm().validate_on_submit():
        levels.move_level(levels.get_level(series, quiz_id), -1 if direction == "up" else 1)
    return redirect(url_for("training.manage_series", series_id=series.id))


@bp.post("/manage/<int:series_id>/levels/<int:quiz_id>/delete")
@roles_required(*STAFF_ROLES)
def level_delete(series_id: int, quiz_id: int):
    series = levels.get_series(series_id, include_unpublished=True)
    if ActionForm().validate_on_submit():
        try:
            with atomic():
                levels.delete_level(levels.get_level(series, quiz_id))
        except DomainError as error:
            _flash_error(error)
        else:
            flash("已删除关卡。", "success")
    return redirect(url_for("training.manage_series", series_id=series.id))


@bp.post("/manage/<int:series_id>/<any(publish, withdraw):action>")
@roles_required(*STAFF_ROLES)
def series_publish(series_id: int, action: str):
    series = levels.get_series(series_id, include_unpublished=True)
    if ActionForm().validate_on_submit():
        try:
            with atomic():
                levels.set_series_published(series, action == "publish")
        except DomainError as error:
            _flash_error(error)
        else:
            flash("已发布，职工现在可以闯关了。" if action == "publish" else "已撤回。", "success")
    return redirect(url_for("training.manage_series", series_id=series.id))


# ---------------------------------------------------------------- QR codes and posters


def _svg(text: str) -> Response:
    response = Response(text, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/qr/quizzes/<int:quiz_id>.svg")
@roles_required()
def quiz_qr(quiz_id: int):
    quiz = quizzes.get_quiz(quiz_id)
    if quiz.kind == "level":
        return redirect(url_for("training.series_qr", series_id=quiz.series_id))
    return _svg(qrcodes.qr_svg(absolute_url("take.quiz_detail", quiz_id=quiz.id)))


@bp.get("/qr/levels/<int:series_id>.svg")
@roles_required()
def series_qr(series_id: int):
    series = levels.get_series(series_id)
    return _svg(qrcodes.qr_svg(absolute_url("training.series_detail", series_id=series.id)))


@bp.get("/posters")
@roles_required(*STAFF_ROLES)
def posters():
    return render_template("training/posters.html", quizzes=quizzes.published_quizzes(),
                           series_list=levels.published_series())


# ---------------------------------------------------------------- certificates


@bp.get("/certificates")
@roles_required()
def certificates_index():
    issued = {cert.attempt_id: cert for cert in certificates.user_certificates(current_user)}
    rows = certificates.best_passed_contest_attempts(current_user)
    return render_template("training/certificates.html", rows=rows, issued=issued)


@bp.get("/certificates/attempts/<int:attempt_id>.pdf")
@roles_required()
def certificate_pdf(attempt_id: int):
    attempt = attempts.get_own_attempt(attempt_id, current_user.id)
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if not certificates.eligible(attempt, quiz):
        flash("只有及格的竞赛答卷才能下载证书。", "warning")
        return redirect(url_for("take.result", attempt_id=attempt.id))
    cert = certificates.certificate_for_attempt(attempt)
    if cert is None:
        with write_block():
            attempt = attempts.get_own_attempt(attempt_id, current_user.id)
            cert = certificates.issue_certificate(attempt, current_user, now_utc(), certificate_secret())
    pdf = certificates.render_certificate_pdf(
        cert,
        verify_url=absolute_url("verify.certificate", code=cert.code),
        issuer=current_app.config.get("CERTIFICATE_ISSUER", "区文化和旅游局"),
        campaign=f"{current_app.config['CAMPAIGN_NAME']}安全知识竞赛",
        font_path=current_app.config.get("CERTIFICATE_FONT_PATH"),
    )
    return attachment(pdf, f"合格证书-{cert.quiz_title}.pdf", "application/pdf")
