"""The two-step upload pattern of every bulk import (questions, users), written once.

upload -> preview -> confirm (or cancel).  The file is read and checked before the database
is touched; the parsed rows wait in a PendingImport (quiz.services.pending_imports) until
the person who uploaded them confirms, and the confirm writes all of them or none (or,
when the importer allows it, the good rows on an explicit choice).  Slow work (parsing,
hashing passwords) happens before the write lock: see :func:`quiz.database.write_block`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from question_bank import FileRejected

from .auth_setup import roles_required
from .database import atomic, reads_first, write_block
from .errors import DomainError
from .forms import ActionForm, add_field_error
from .services.clock import now_utc
from .services.pending_imports import (
    ImportExpired,
    discard_pending_import,
    get_pending_import,
)


@dataclass
class ReadUpload:
    """An upload form read by :attr:`TwoStepImport.read_form`: what ``store`` is given."""

    filename: str
    payload: dict
    #: further keyword arguments of ``store`` (e.g. the file itself, to read it again later)
    store_extra: dict = field(default_factory=dict)


def _no_step(_pending) -> str | None:
    return None


def _no_context(_pending, _preview) -> dict:
    return {}


def _nothing_to_prepare(_pending, _form) -> None:
    return None


@dataclass(frozen=True)
class TwoStepImport:
    """One kind of bulk import: what each step does, and where its pages are."""

    #: PendingImport.kind, and the endpoint prefix: "<blueprint>.<name>_upload" ...
    kind: str
    name: str
    roles: tuple[str, ...]
    #: URL of the upload page
    upload_url: str
    #: the preview is "<url>/<token>", confirm and cancel below it
    url: str
    upload_template: str
    preview_template: str
    upload_form: type[FlaskForm]
    #: (filename, data) -> payload; no database writes; raises FileRejected
    parse: Callable[[str, bytes], dict]
    #: (owner, filename, payload, now) -> PendingImport
    store: Callable[..., Any]
    #: pending -> the preview object the template shows
    build_preview: Callable[[Any], Any]
    #: (pending, prepared, form, actor, now) -> result; flushes, never commits
    apply: Callable[..., Any]
    #: result -> the response after a confirm
    finished: Callable[[Any], Any]
    cancelled_message: str
    #: the preview page's confirm form (a plain CSRF button unless the import asks a choice)
    confirm_form: type[FlaskForm] = ActionForm
    #: what a confirm form that does not validate is told
    confirm_hint: str = "页面已过期，请刷新后再确认。"
    #: (pending, form) -> what the confirm needs that is slow to make (before the write lock)
    prepare: Callable[[Any, FlaskForm], Any] = _nothing_to_prepare
    #: extra template values of the upload page
    upload_context: Callable[[], dict] = dict
    #: form -> ReadUpload, for an upload form that is more than one file field (raises FileRejected);
    #: by default the file field is read and given to ``parse``
    read_form: Callable[[FlaskForm], ReadUpload] | None = None
    #: form -> the field a FileRejected is shown under (by default the file field)
    error_field: Callable[[FlaskForm], Any] = lambda form: form.file
    #: pending -> the name of another step of the same import to show instead of the preview
    #: (e.g. "mapping": its view is registered by the importer itself), or None
    step_before_preview: Callable[[Any], str | None] = _no_step
    #: pending -> the step to go to right after the upload (by default the preview, or the above)
    step_after_upload: Callable[[Any], str | None] = _no_step
    #: (pending, preview) -> extra template values of the preview page
    preview_context: Callable[[Any, Any], dict] = _no_context

    def endpoint(self, blueprint_name: str, step: str) -> str:
        return f"{blueprint_name}.{self.name}_{step}"

    def register(self, bp) -> None:
        """Add the four views to `bp`."""
        views = {
            "upload": (self.upload_url, ["GET", "POST"], self._upload_view(bp)),
            "preview": (f"{self.url}/<token>", ["GET"], self._preview_view(bp)),
            "confirm": (f"{self.url}/<token>/confirm", ["POST"], self._confirm_view(bp)),
            "cancel": (f"{self.url}/<token>/cancel", ["POST"], self._cancel_view(bp)),
        }
        for step, (rule, methods, view) in views.items():
            view.__name__ = f"{self.name}_{step}"
            view.__qualname__ = view.__name__
            bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=methods)

    def _pending(self, token: str):
        return get_pending_import(token, current_user, self.kind, now_utc())

    def _read(self, form) -> ReadUpload:
        if self.read_form is not None:
            return self.read_form(form)
        upload = form.file.data
        return ReadUpload(upload.filename or "", self.parse(upload.filename or "", upload.read()))

    def _upload_view(self, bp):
        @reads_first
        @roles_required(*self.roles)
        def upload():
            """Step 1: choose a file.  It is read and checked before the database is touched."""
            form = self.upload_form()
            status = 200
            if form.validate_on_submit():
                try:
                    read = self._read(form)
                except FileRejected as rejected:
                    add_field_error(self.error_field(form), rejected.message)
                    status = 413 if rejected.code == "too_large" else 422
                else:
                    with write_block():
                        pending = self.store(current_user, read.filename, read.payload, now_utc(), **read.store_extra)
                    step = self.step_after_upload(pending) or self.step_before_preview(pending) or "preview"
                    return redirect(url_for(self.endpoint(bp.name, step), token=pending.id))
            elif form.is_submitted():
                status = 422
            return render_template(self.upload_template, form=form, **self.upload_context()), status

        return upload

    def _preview_view(self, bp):
        @roles_required(*self.roles)
        def preview(token: str):
            """Step 2: every row as it will be imported, every error, what already exists."""
            try:
                pending = self._pending(token)
            except ImportExpired as expired:
                flash(expired.message, "warning")
                return redirect(url_for(self.endpoint(bp.name, "upload")))
            step = self.step_before_preview(pending)
            if step is not None:
                return redirect(url_for(self.endpoint(bp.name, step), token=token))
            preview = self.build_preview(pending)
            return render_template(self.preview_template, pending=pending, preview=preview,
                                   form=self.confirm_form(), cancel_form=ActionForm(),
                                   **self.preview_context(pending, preview))

        return preview

    def _confirm_view(self, bp):
        @reads_first
        @roles_required(*self.roles)
        def confirm(token: str):
            """Step 3: write every row, or none (or, on an explicit choice the importer allows, the good rows)."""
            form = self.confirm_form()
            if not form.validate_on_submit():
                flash(self.confirm_hint, "warning")
                return redirect(url_for(self.endpoint(bp.name, "preview"), token=token))
            try:
                prepared = self.prepare(self._pending(token), form)
                with write_block():
                    result = self.apply(self._pending(token), prepared, form, current_user, now_utc())
            except ImportExpired as expired:
                flash(expired.message, "warning")
                return redirect(url_for(self.endpoint(bp.name, "upload")))
            except DomainError as error:
                flash(error.message, "danger")
                return redirect(url_for(self.endpoint(bp.name, "preview"), token=token))
            return self.finished(result)

        return confirm

    def _cancel_view(self, bp):
        @roles_required(*self.roles)
        def cancel(token: str):
            """Drop the parsed upload; nothing was written."""
            if ActionForm().validate_on_submit():
                try:
                    with atomic():
                        discard_pending_import(self._pending(token))
                except DomainError:
                    pass
                else:
                    flash(self.cancelled_message, "info")
            return redirect(url_for(self.endpoint(bp.name, "upload")))

        return cancel
