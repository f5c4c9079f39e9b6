"""Bulk upload of questions: upload -> preview (every row, every error, duplicates) -> confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from question_bank import FileRejected

from ..auth_setup import roles_required
from ..database import atomic, reads_first, write_block
from ..errors import DomainError
from ..services import question_import
from ..services.clock import now_utc
from ..services.pending_imports import ImportExpired, discard_pending_import, get_pending_import
from . import bp
from .common import add_field_error
from .forms import ActionForm, ConfirmImportForm, UploadForm


@bp.route("/imports/new", methods=["GET", "POST"])
@reads_first
@roles_required("trainer", "admin")
def import_upload():
    """Step 1: choose a file.  It is read and checked before the database is touched."""
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            payload = question_import.parse_question_upload(upload.filename or "", upload.read())
        except FileRejected as rejected:
            add_field_error(form.file, rejected.message)
            status = 413 if rejected.code == "too_large" else 422
        else:
            with write_block():
                pending = question_import.store_question_upload(current_user, upload.filename or "", payload,
                                                                now_utc())
            return redirect(url_for("trainer.import_preview", token=pending.id))
    elif form.is_submitted():
        status = 422
    return render_template("trainer/import_upload.html", form=form), status


def _pending(token: str):
    return get_pending_import(token, current_user, question_import.KIND, now_utc())


@bp.get("/imports/<token>")
@roles_required("trainer", "admin")
def import_preview(token: str):
    """Step 2: every row as it will be imported, every error, duplicates against the bank."""
    try:
        pending = _pending(token)
    except ImportExpired as expired:
        flash(expired.message, "warning")
        return redirect(url_for("trainer.import_upload"))
    preview = question_import.build_question_preview(pending)
    return render_template("trainer/import_preview.html", pending=pending, preview=preview,
                           form=ConfirmImportForm(), cancel_form=ActionForm())


@bp.post("/imports/<token>/confirm")
@reads_first
@roles_required("trainer", "admin")
def import_confirm(token: str):
    """Step 3: write every row, or none."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash("请选择重复题目的处理方式后再确认（页面可能已过期，请刷新）。", "warning")
        return redirect(url_for("trainer.import_preview", token=token))
    try:
        records = question_import.records_of(_pending(token))  # decoded before the write lock is taken
        with write_block():
            summary = question_import.confirm_question_import(_pending(token), records, form.on_duplicate.data,
                                                              current_user, now_utc())
    except ImportExpired as expired:
        flash(expired.message, "warning")
        return redirect(url_for("trainer.import_upload"))
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("trainer.import_preview", token=token))
    flash(
        f"导入完成：新增 {summary.imported} 题，更新 {summary.updated} 题，跳过重复 {summary.skipped_duplicates} 题。",
        "success",
    )
    return redirect(url_for("trainer.questions"))


@bp.post("/imports/<token>/cancel")
@roles_required("trainer", "admin")
def import_cancel(token: str):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with atomic():
                discard_pending_import(_pending(token))
        except DomainError:
            pass
        else:
            flash("已取消本次导入，题库没有任何变化。", "info")
    return redirect(url_for("trainer.import_upload"))
