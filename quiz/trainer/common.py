"""Small view helpers shared by the trainer and admin pages."""

from __future__ import annotations

from ..params import int_arg
from ..downloads import attachment
from ..forms import add_field_error, show_domain_error  # noqa: F401  (re-exported for the views)

PER_PAGE = 50


def page_number() -> int:
    return int_arg("page", 1)


download = attachment  # the trainer and admin views' name for it
