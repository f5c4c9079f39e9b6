"""Files sent to the browser: one way to name an attachment."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

#: Characters that cannot appear in a header value or a file name (line breaks, controls, separators).
_UNSAFE_FILENAME_RE = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029"\\/:*?<>|]+')


def safe_filename(filename: str) -> str:
    """A file name built from user text (a quiz title) that is safe in a header and on disk."""
    cleaned = _UNSAFE_FILENAME_RE.sub(" ", filename).strip() or "export"
    stem, dot, extension = cleaned.rpartition(".")
    return f"{stem[:120]}{dot}{extension}" if dot else cleaned[:120]


def _ascii_fallback(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_")) or "export"
    return f"{ascii_stem}{dot}{extension}"


def attachment(data: bytes, filename: str, mimetype: str) -> Response:
    """Send bytes as a download; a Chinese file name survives in every browser (RFC 5987/6266)."""
    filename = safe_filename(filename)
    # A type that names its charset is sent as it is (mimetype= would append a second one).
    response = Response(data, content_type=mimetype) if "charset=" in mimetype else Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
