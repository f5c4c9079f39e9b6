"""The question bank: list, search, create, edit, preview, deactivate; categories; export and template."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from question_bank import QUESTION_TYPES, records_to_xlsx, template_xlsx
from question_bank.model import OPTION_LETTERS

from ..auth_setup import roles_required
from ..database import atomic
from ..errors import DomainError, get_or_not_found
from ..extensions import db
from ..models import STAFF_ROLES, Category, Question
from . import question_admin
from ..services.audit import AuditFilter, audit_query
from ..services.clock import now_utc, to_campaign_tz
from ..services.exports import XLSX_MIMETYPE
from .question_admin import QuestionFilter, QuestionInvalid
from ..services.questions import category_counts
from .blueprint import bp
from ..params import id_arg
from .common import (
    PER_PAGE,
    add_field_error,
    download,
    page_number,
    show_domain_error,
)
from .forms import ActionForm, CategoryForm, QuestionFilterForm, QuestionForm

MAX_EXPORT_ROWS = 20000


def _get_question(question_id: int) -> Question:
    return question_admin.get_question(question_id)


def _filters_from_request() -> tuple[QuestionFilterForm, QuestionFilter]:
    form = QuestionFilterForm(request.args)
    form.category_id.choices = [(0, "全部分类"), *question_admin.category_choices()]
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    filters = QuestionFilter(
        q=(request.args.get("q") or "").strip()[:200],
        category_id=id_arg("category_id"),
        type=request.args.get("type") if request.args.get("type") in QUESTION_TYPES else None,
        difficulty=id_arg("difficulty") if request.args.get("difficulty") in ("1", "2", "3") else None,
        active=active,
    )
    return form, filters


@bp.get("/")
@roles_required(*STAFF_ROLES)
def index():
    """The trainer's start page."""
    return redirect(url_for("trainer.questions"))


@bp.get("/questions")
@roles_required(*STAFF_ROLES)
def questions():
    """The bank, searchable and filtered, 50 a page."""
    form, filters = _filters_from_request()
    page = db.paginate(question_admin.question_query(filters), page=page_number(), per_page=PER_PAGE, error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "trainer/questions.html",
        form=form,
        page=page,
        args=args,
        counts=question_admin.bank_counts(),
        action_form=ActionForm(),
    )


@bp.get("/questions/search.json")
@roles_required(*STAFF_ROLES)
def question_search():
    """Up to 20 matching questions, for the fixed-paper picker."""
    _, filters = _filters_from_request()
    found = db.session.scalars(question_admin.question_query(filters).limit(20))
    return jsonify({
        "questions": [
            {"id": q.id, "stem": q.stem, "type": QUESTION_TYPES[q.type], "category": q.category.name,
             "points": q.points, "is_active": q.is_active}
            for q in found
        ]
    })


def _question_form(question: Question | None) -> QuestionForm:
    form = QuestionForm(obj=None)
    form.category_id.choices = [(0, "请选择分类"), *question_admin.category_choices()]
    if question is not None and request.method == "GET":
        form.type.data = question.type
        form.stem.data = question.stem
        for index, entry in enumerate(form.options):
            entry.data = question.options[index] if question.type != "true_false" and index < len(question.options) else ""
        form.answer_letters.data = [OPTION_LETTERS[i] for i in question.correct] if question.type != "true_false" else []
        form.true_false_answer.data = ("正确", "错误")[question.correct[0]] if question.type == "true_false" else None
        form.category_id.data = question.category_id
        form.difficulty.data = question.difficulty
        form.points.data = question.points
        form.explanation.data = question.explanation
        form.source.data = question.source
    return form


def _checked_record(form: QuestionForm):
    """Validate the form through question_bank; put problems under their fields; return the record or None."""
    names = dict(question_admin.category_choices())
    category_name = (form.new_category.data or "").strip() or names.get(form.category_id.data, "")
    if not category_name:
        add_field_error(form.category_id, "请选择分类，或填写新分类名称")
        return None
    try:
        return question_admin.check_question(form.template_columns(category_name))
    except QuestionInvalid as invalid:
        for column, messages in invalid.errors.items():
            for message in messages:
                add_field_error(form.field_for_column(column), message)
        return None


def _edit_page(form: QuestionForm, question: Question | None, preview=None):
    usage = question_admin.question_usage(question) if question is not None else None
    return render_template("trainer/question_form.html", form=form, question=question, preview=preview, usage=usage,
                           letters=OPTION_LETTERS)


@bp.route("/questions/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def question_new():
    form = _question_form(None)
    if form.validate_on_submit():
        record = _checked_record(form)
        if record is not None and form.preview.data:
            return _edit_page(form, None, preview=record)
        if record is not None:
            try:
                with atomic():
                    question = question_admin.create_question(record, current_user, now_utc())
            except DomainError as error:
                show_domain_error(form, error, {"题干": form.stem, "name": form.new_category}, form.stem)
            else:
                flash(f"已添加题目 #{question.id}", "success")
                return redirect(url_for("trainer.question_detail", question_id=question.id))
    return _edit_page(form, None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def question_edit(question_id: int):
    question = _get_question(question_id)
    form = _question_form(question)
    if form.validate_on_submit():
        record = _checked_record(form)
        if record is not None and form.preview.data:
            return _edit_page(form, question, preview=record)
        if record is not None:
            try:
                with atomic():
                    changes = question_admin.update_question(question, record, current_user, now_utc())
            except DomainError as error:
                show_domain_error(form, error, {"题干": form.stem, "name": form.new_category}, form.stem)
            else:
                flash("已保存修改" if changes else "没有需要保存的修改", "success" if changes else "info")
                return redirect(url_for("trainer.question_detail", question_id=question_id))
    return _edit_page(form, question)


@bp.get("/questions/<int:question_id>")
@roles_required(*STAFF_ROLES)
def question_detail(question_id: int):
    """The question as employees see it, with the answer, its use and its change history."""
    question = _get_question(question_id)
    history = db.session.scalars(audit_query(AuditFilter(target_type="question", target_id=question.id)).limit(20))
    return render_template(
        "trainer/question_detail.html",
        question=question,
        usage=question_admin.question_usage(question),
        history=list(history),
        action_form=ActionForm(),
    )


def _question_action(question_id: int, action) -> object:
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("trainer.question_detail", question_id=question_id))
    question = _get_question(question_id)
    try:
        with atomic():
            message = action(question)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("trainer.question_detail", question_id=question_id))
    flash(message, "success")
    return None


@bp.post("/questions/<int:question_id>/deactivate")
@roles_required(*STAFF_ROLES)
def question_deactivate(question_id: int):
    def deactivate(question):
        question_admin.set_question_active(question, False, current_user, now_utc())
        return f"已停用题目 #{question.id}：不再被随机抽到，已有答卷和固定试卷不受影响"

    return _question_action(question_id, deactivate) or _back_to(question_id)


@bp.post("/questions/<int:question_id>/activate")
@roles_required(*STAFF_ROLES)
def question_activate(question_id: int):
    def activate(question):
        question_admin.set_question_active(question, True, current_user, now_utc())
        return f"已启用题目 #{question.id}"

    return _question_action(question_id, activate) or _back_to(question_id)


@bp.post("/questions/<int:question_id>/delete")
@roles_required(*STAFF_ROLES)
def question_delete(question_id: int):
    def delete(question):
        question_admin.delete_question(question, current_user, now_utc())
        return f"已删除题目 #{question_id}"

    return _question_action(question_id, delete) or redirect(url_for("trainer.questions"))


def _back_to(question_id: int):
    target = request.form.get("next", "")
    if target.startswith("/trainer/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("trainer.question_detail", question_id=question_id))


@bp.get("/questions/export.xlsx")
@roles_required(*STAFF_ROLES)
def question_export():
    """The bank (or the filtered part) in the import template: edit in Excel and upload again."""
    _, filters = _filters_from_request()
    query = question_admin.question_query(filters).order_by(None).order_by(Question.id).limit(MAX_EXPORT_ROWS)
    records = [question_admin.question_to_record(q, row=n) for n, q in enumerate(db.session.scalars(query), start=2)]
    stamp = to_campaign_tz(now_utc()).strftime("%Y%m%d-%H%M")
    return download(records_to_xlsx(records), f"题库导出-{stamp}.xlsx", XLSX_MIMETYPE)


@bp.get("/questions/template.xlsx")
@roles_required(*STAFF_ROLES)
def question_template():
    """The blank import template with two worked examples and instructions."""
    return download(template_xlsx(), "题库导入模板.xlsx", XLSX_MIMETYPE)


# ---------------------------------------------------------------- categories


@bp.route("/categories", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def categories():
    """Categories with their active questions; create one."""
    form = CategoryForm(prefix="new")
    if form.validate_on_submit():
        try:
            with atomic():
                category = question_admin.create_category(form.name.data, current_user, now_utc())
        except DomainError as error:
            show_domain_error(form, error, {"name": form.name}, form.name)
        else:
            flash(f"已新增分类“{category.name}”", "success")
            return redirect(url_for("trainer.categories"))
    return render_template("trainer/categories.html", form=form, rows=category_counts())


@bp.post("/categories/<int:category_id>/rename")
@roles_required(*STAFF_ROLES)
def category_rename(category_id: int):
    category = get_or_not_found(Category, category_id, "分类不存在", "category_not_found")
    form = CategoryForm(prefix=f"c{category_id}")
    if form.validate_on_submit():
        try:
            with atomic():
                question_admin.rename_category(category, form.name.data, current_user, now_utc())
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash("已重命名分类", "success")
    else:
        flash("；".join(message for messages in form.errors.values() for message in messages) or "请重试", "danger")
    return redirect(url_for("trainer.categories"))
