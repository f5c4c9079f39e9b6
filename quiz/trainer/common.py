"""Small view helpers shared by the trainer and admin pages."""

from __future__ import annotations

import io
from urllib.parse import quote

from flask import request, send_file

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


def download(data: bytes, filename: str, mimetype: str):
    """Send bytes as an attachment; a Chinese file name survives in every browser (RFC 5987)."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _ascii_fallback(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_")) or "export"
    return f"{ascii_stem}{dot}{extension}"
