"""The base of every form: Flask-WTF (CSRF on every form) with WTForms' messages in Chinese."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta

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
