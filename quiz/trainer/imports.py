"""Bulk upload of questions: upload (a file or pasted text) -> column mapping when needed ->
preview (every row, every problem and warning, duplicates) -> confirm (all, or on an explicit
choice all but the rows with problems, which can be downloaded to fix)."""

from __future__ import annotations

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from question_bank import FileRejected
from question_bank.health import WARNING_LABELS

from ..auth_setup import roles_required
from ..database import reads_first, write_block
from ..import_views import ReadUpload, TwoStepImport
from ..models import STAFF_ROLES
from ..services.clock import now_utc, to_campaign_tz
from ..services.exports import XLSX_MIMETYPE
from ..services.pending_imports import ImportExpired, get_pending_import
from . import question_import
from .blueprint import bp
from .common import download, page_number
from .forms import ActionForm, ConfirmImportForm, UploadForm
from .import_forms import mapping_form, mapping_layout
from .import_mappings import remember_mapping, remembered_mapping
from .question_import import QuestionSource


def _finished(summary):
    message = (f"导入完成：新增 {summary.imported} 题，更新 {summary.updated} 题，"
               f"跳过重复 {summary.skipped_duplicates} 题")
    if summary.skipped_invalid:
        message += f"，跳过有问题的 {summary.skipped_invalid} 行"
    if summary.skipped_unsupported:
        message += f"，跳过平台不支持的 {summary.skipped_unsupported} 题"
    flash(message + "。", "success")
    return redirect(url_for("trainer.questions"))


def _read_form(form: UploadForm) -> ReadUpload:
    """The uploaded file or the pasted text, read (with the mapping remembered for its header row)."""
    if form.has_file:
        upload = form.file.data
        source = QuestionSource(upload.filename or "", upload.read())
    else:
        source = QuestionSource.from_text(form.text.data)
    outcome = question_import.read_question_source(source)
    payload = question_import.with_health(question_import.upload_payload(outcome, source))
    return ReadUpload(source.filename, payload, {"source": source})


def _error_field(form: UploadForm):
    return form.text if form.has_text and not form.has_file else form.file


def _step_before_preview(pending) -> str | None:
    """Columns still missing: there is nothing to preview before the mapping."""
    return "mapping" if pending.payload.get("stage") == "mapping" else None


def _step_after_upload(pending) -> str | None:
    """Type values nobody could read: offer the mapping first (the preview stays one click away)."""
    return "mapping" if pending.payload.get("needs_mapping") and question_import.mappable(pending) else None


def _preview_context(_pending, preview) -> dict:
    return {"table": preview.page(page_number(), request.args.get("show", "all")),
            "show_choices": question_import.PREVIEW_SHOW, "HEALTH_LABELS": WARNING_LABELS}


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
    read_form=_read_form,
    error_field=_error_field,
    store=question_import.store_question_upload,
    build_preview=question_import.build_question_preview,
    step_before_preview=_step_before_preview,
    step_after_upload=_step_after_upload,
    preview_context=_preview_context,
    # the records are decoded before the write lock is taken
    prepare=lambda pending, _form: question_import.records_of(pending),
    apply=lambda pending, records, form, actor, now: question_import.confirm_question_import(
        pending, records, form.on_duplicate.data, actor, now, skip_invalid=bool(form.skip_invalid.data)),
    finished=_finished,
    cancelled_message="已取消本次导入，题库没有任何变化。",
    confirm_hint="请选择重复题目的处理方式后再确认（页面可能已过期，请刷新）。",
)
QUESTION_IMPORT.register(bp)


def _pending(token: str):
    return get_pending_import(token, current_user, question_import.KIND, now_utc())


def _with_pending(view):
    """Hand the view the trainer's pending import of the URL; an expired one goes back to the upload."""

    @functools.wraps(view)
    def wrapper(token: str):
        try:
            pending = _pending(token)
        except ImportExpired as expired:
            flash(expired.message, "warning")
            return redirect(url_for("trainer.import_upload"))
        return view(token, pending)

    return wrapper


@bp.route("/imports/<token>/mapping", methods=["GET", "POST"])
@reads_first
@roles_required(*STAFF_ROLES)
@_with_pending
def import_mapping(token: str, pending):
    """The mapping step: which field each column of the file is, what each type value means."""
    if not question_import.mappable(pending):
        flash("这份内容没有可以映射的表头，已直接显示预览。", "info")
        return redirect(url_for("trainer.import_preview", token=token))
    payload = pending.payload
    layout = mapping_layout(payload.get("layout") or {}, payload.get("mapping"))
    form = mapping_form(layout)
    status = 200
    error = None
    if form.validate_on_submit():
        mapping = form.mapping()
        try:
            new_payload = question_import.with_health(question_import.remap_question_upload(pending, mapping))
        except FileRejected as rejected:
            error, status = rejected.message, 422
        else:
            shown = {value.value for value in layout.type_values}
            new_values = [value for value in (new_payload.get("layout") or {}).get("unknown_type_values", [])
                          if value not in shown]
            with write_block():
                pending = _pending(token)
                question_import.update_question_upload(pending, new_payload, now_utc())
                if form.remember.data and new_payload["stage"] == "preview":
                    remember_mapping(layout.signature, layout.header, mapping, current_user, now_utc())
            if new_payload["stage"] == "mapping" or new_values:
                # still columns missing, or a type column just mapped shows values to map
                return redirect(url_for("trainer.import_mapping", token=token))
            return redirect(url_for("trainer.import_preview", token=token))
    elif form.is_submitted():
        status = 422
    entry = remembered_mapping(layout.signature)
    return render_template("trainer/import_mapping.html", pending=pending, payload=payload, layout=layout, form=form,
                           error=error, remembered=entry, cancel_form=ActionForm(),
                           remembered_at=to_campaign_tz(entry.updated_at) if entry else None), status


@bp.post("/imports/<token>/health")
@reads_first
@roles_required(*STAFF_ROLES)
@_with_pending
def import_health(token: str, pending):
    """Run the 题库体检 of an upload too large to be checked as it was read, and keep it."""
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("trainer.import_preview", token=token))
    payload = question_import.with_health(pending.payload, force=True)
    with write_block():
        question_import.update_question_upload(_pending(token), payload, now_utc())
    return redirect(url_for("trainer.import_preview", token=token))


@bp.get("/imports/<token>/problems.xlsx")
@roles_required(*STAFF_ROLES)
@_with_pending
def import_problem_rows(token: str, pending):
    """The rows with problems as they were in the file, plus 错误原因: fix them and upload again."""
    stem = pending.filename.rsplit(".", 1)[0] or "题库"
    return download(question_import.problem_rows_file(pending), f"{stem}-有问题的行.xlsx", XLSX_MIMETYPE)
