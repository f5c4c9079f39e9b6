"""题库体检 pages: the health check of the bank in the database (figures, thresholds, warnings
linked to their questions), a workbook of every warning, the questions citing a law or
standard, and the editions table trainers extend."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from question_bank.health import WARNING_LABELS, load_editions
from question_bank.xlsx import table_to_xlsx

from ..auth_setup import roles_required
from ..database import atomic
from ..errors import DomainError
from ..models import STAFF_ROLES
from ..services.clock import now_utc, to_campaign_tz
from ..services.exports import XLSX_MIMETYPE
from . import bank_health, question_admin
from .blueprint import bp
from ..params import id_arg
from .common import download, show_domain_error
from .forms import ActionForm, EditionForm

MAX_REFERENCE_LENGTH = 100


def _scope() -> bank_health.BankScope:
    return bank_health.BankScope(category_id=id_arg("category_id"),
                                 include_inactive=request.args.get("inactive") == "1")


@bp.get("/bank-health")
@roles_required(*STAFF_ROLES)
def bank_health_page():
    """The bank's figures against the thresholds, then its warnings (filtered by kind)."""
    scope = _scope()
    questions, report = bank_health.check_question_bank(scope)
    code = request.args.get("code", "")
    code = code if code in WARNING_LABELS else ""
    warnings = [w for w in report.warnings if not code or w.code == code]
    reference = (request.args.get("citing") or "").strip()[:MAX_REFERENCE_LENGTH]
    citing = bank_health.questions_citing_reference(reference, questions) if reference else None
    return render_template(
        "trainer/bank_health.html", report=report, scope=scope, code=code,
        warnings=warnings[: bank_health.PAGE_WARNINGS], warning_total=len(warnings),
        questions={question.id: question for question in questions},
        categories=question_admin.category_choices(), reference=reference, citing=citing,
        labels=WARNING_LABELS)


@bp.get("/bank-health/warnings.xlsx")
@roles_required(*STAFF_ROLES)
def bank_health_workbook():
    """Every warning of the check as a workbook, to work through offline."""
    questions, report = bank_health.check_question_bank(_scope())
    rows = bank_health.warning_rows(report, {question.id: question for question in questions})
    stamp = to_campaign_tz(now_utc()).strftime("%Y%m%d-%H%M")
    return download(table_to_xlsx(bank_health.WARNING_HEADERS, rows, "题库体检"), f"题库体检-{stamp}.xlsx",
                    XLSX_MIMETYPE)


@bp.route("/bank-health/editions", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def bank_editions():
    """The superseded → current editions table: the shipped rows, the trainers' own, add one."""
    form = EditionForm()
    status = 200
    if form.validate_on_submit():
        try:
            with atomic():
                row = bank_health.add_superseded_edition(form.superseded.data, form.current.data,
                                                         form.effective.data, form.note.data, current_user,
                                                         now_utc())
        except DomainError as error:
            show_domain_error(form, error, {"superseded": form.superseded, "current": form.current,
                                            "effective": form.effective, "note": form.note}, form.superseded)
            status = 422
        else:
            flash(f"已添加：{row.superseded} → {row.current}。题库体检会标出仍引用旧版本的题目。", "success")
            return redirect(url_for("trainer.bank_editions"))
    elif form.is_submitted():
        status = 422
    return render_template("trainer/bank_editions.html", form=form, shipped=load_editions(),
                           added=bank_health.added_editions(), delete_form=ActionForm()), status


@bp.post("/bank-health/editions/<int:edition_id>/delete")
@roles_required(*STAFF_ROLES)
def bank_edition_delete(edition_id: int):
    if ActionForm().validate_on_submit():
        bank_health.delete_superseded_edition(edition_id, current_user, now_utc())
        flash("已删除这条版本替代记录。", "success")
    else:
        flash("页面已过期，请重试。", "warning")
    return redirect(url_for("trainer.bank_editions"))
