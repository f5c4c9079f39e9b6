"""Static files a slow phone fetches once: versioned URLs, cached for a year, sent compressed.

Every ``url_for('static', ...)`` (and Bootstrap-Flask's ``bootstrap.static``) carries ``v=``,
a digest of the file's content, so a new release changes the URL and browsers fetch the new
file at once; a request whose ``v`` matches the file on disk may be kept for a year without
revalidation.  Any other request for the file (an old or missing ``v``, a hand-typed URL) gets
Flask's default: revalidate every time (ETag / Last-Modified).  Text responses are compressed
by Flask-Compress (gzip, brotli or zstd, as the browser accepts).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

#: A year: the longest lifetime browsers honour; ``immutable`` spares the reload revalidation.
VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: Text types worth compressing (images other than SVG and PDFs are compressed already).
COMPRESSED_MIMETYPES = [
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
    "image/svg+xml", "text/plain", "text/csv", "application/xml", "text/xml",
]

compress = Compress()


def _static_folder(endpoint: str) -> str | None:
    """The folder the static endpoint serves: the app's, or a blueprint's (``bootstrap.static``)."""
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
    return blueprint.static_folder if blueprint is not None else None


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def static_version(endpoint: str, filename: str) -> str | None:
    """The version rule: the first 12 hex digits of the file's SHA-256 (None: no such file)."""
    folder = _static_folder(endpoint)
    path = safe_join(folder, filename) if folder else None
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None or not os.path.isfile(path):
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def add_version(endpoint: str, values: dict) -> None:
    """``url_for`` hook: a static URL gets ``v=<digest>`` unless it names a version itself."""
    if _is_static(endpoint) and "filename" in values and "v" not in values:
        version = static_version(endpoint, values["filename"])
        if version:
            values["v"] = version


def cache_versioned(response):
    """A static file asked for by its current version may be cached for a year."""
    if (_is_static(request.endpoint) and response.status_code in (200, 304) and request.view_args
            and request.args.get("v")
            and request.args["v"] == static_version(request.endpoint, request.view_args.get("filename", ""))):
        response.cache_control.no_cache = None
        response.headers["Cache-Control"] = VERSIONED_CACHE_CONTROL
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES)
    # Static files are sent as streams; browsers on plain HTTP (the intranet) accept only gzip
    # and deflate, so gzip joins Flask-Compress's streaming algorithms.  A file is compressed
    # once per browser and release: its versioned URL is then cached for a year.
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL", ["static", "bootstrap.static"])
    app.url_defaults(add_version)
    app.after_request(cache_versioned)
    compress.init_app(app)
