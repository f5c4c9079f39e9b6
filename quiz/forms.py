"""The base of every form: Flask-WTF (CSRF on every form) with WTForms' messages in Chinese."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta

from .database import atomic
from .errors import DomainError


class ChineseMeta(DefaultMeta):
    """WTForms' own messages ("Not a valid integer value.") in Chinese."""

    locales = ("zh",)

    def get_translations(self, form):
        return DefaultMeta.get_translations(self, form)


class BaseForm(FlaskForm):
    """Every form of the app derives from this one."""

    class Meta(ChineseMeta):
        pass


class ActionForm(BaseForm):
    """A button-only form: CSRF protection for POST actions (start, submit, publish, delete ...)."""


def add_field_error(field, message: str) -> None:
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(message)


def show_domain_error(form, error: DomainError, fields: dict, default) -> None:
    """Put a domain error under the form field it concerns (``error.extra['field']``)."""
    add_field_error(fields.get(error.extra.get("field"), default), error.message)


def save_form(form, operation, default_field):
    """The edit pages' save rule: a valid form's ``fields_data()`` goes to ``operation`` in a savepoint.

    Returns what the operation returns, or None when the form is invalid or the operation refuses;
    a refusal (DomainError) is shown under the field it names (``form.field_map()``, else
    ``default_field``) and nothing it did is kept.
    """
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash("页面已过期（安全令牌失效），请刷新后重试。", "warning")
        return None
    try:
        with atomic():
            return operation(form.fields_data())
    except DomainError as error:
        show_domain_error(form, error, form.field_map(), default_field)
        return None
