"""Bulk upload of questions: upload -> preview (every row, every error, duplicates) -> confirm."""

from __future__ import annotations

from flask import flash, redirect, url_for

from ..import_views import TwoStepImport
from ..models import STAFF_ROLES
from . import question_import
from .blueprint import bp
from .forms import ConfirmImportForm, UploadForm


def _finished(summary):
    flash(
        f"导入完成：新增 {summary.imported} 题，更新 {summary.updated} 题，跳过重复 {summary.skipped_duplicates} 题。",
        "success",
    )
    return redirect(url_for("trainer.questions"))


QUESTION_IMPORT = TwoStepImport(
    kind=question_import.KIND,
    name="import",
    roles=STAFF_ROLES,
    upload_url="/imports/new",
    url="/imports",
    upload_template="trainer/import_upload.html",
    preview_template="trainer/import_preview.html",
    upload_form=UploadForm,
    confirm_form=ConfirmImportForm,
    parse=question_import.parse_question_upload,
    store=question_import.store_question_upload,
    build_preview=question_import.build_question_preview,
    # the records are decoded before the write lock is taken
    prepare=lambda pending, _form: question_import.records_of(pending),
    apply=lambda pending, records, form, actor, now: question_import.confirm_question_import(
        pending, records, form.on_duplicate.data, actor, now),
    finished=_finished,
    cancelled_message="已取消本次导入，题库没有任何变化。",
    confirm_hint="请选择重复题目的处理方式后再确认（页面可能已过期，请刷新）。",
)
QUESTION_IMPORT.register(bp)
