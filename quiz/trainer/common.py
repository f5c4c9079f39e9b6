"""Small view helpers shared by the trainer and admin pages."""

from __future__ import annotations

from flask import request

from ..downloads import attachment
from ..forms import add_field_error, show_domain_error  # noqa: F401  (re-exported for the views)

PER_PAGE = 50


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def optional_int(value) -> int | None:
    """A positive id from a filter (0, blank or junk mean "any")."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


download = attachment  # the trainer and admin views' name for it
