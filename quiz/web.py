"""Web-UI plumbing shared by the blueprints: template filters, context and security headers."""

from __future__ import annotations

import re

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

from . import ui
from .proxies import absolute_url
from .labels import QUIZ_STATUS_LABELS, ROLE_LABELS, STATUS_LABELS, TYPE_LABELS
from .services.clock import to_campaign_tz

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def format_datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_campaign_tz(value)
    return "" if local is None else local.strftime(fmt)


def format_duration(seconds) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}小时{minutes}分{secs}秒"
    if minutes:
        return f"{minutes}分{secs}秒"
    return f"{secs}秒"


def format_score(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def option_letter(index: int) -> str:
    return "ABCDEFGH"[index]


def _contains_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


#: Responses never kept by a browser or proxy cache (CSRF tokens, forms, personal data, tokens).
NO_STORE_MIMETYPES = frozenset({"text/html", "application/json", "application/problem+json"})
#: What werkzeug's server (`make run`) says in its Server header, instead of "Werkzeug/3.x
#: Python/3.x": no version for a scanner to match.  gunicorn (`make serve`) sends "gunicorn" alone.
SERVER_HEADER = "quiz"


def hide_server_version() -> None:
    """The Server header names no version.  http.server writes it itself in send_response, before
    the app's headers, so the development server's handler is told what to say."""
    WSGIRequestHandler.version_string = lambda self: SERVER_HEADER

FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul_characters(body: bool = True):
    """No text field anywhere may hold a NUL character: PostgreSQL cannot store one, and no
    person types it.  Refused up front (400) instead of failing in the database.  A query
    string can only carry one as %00 and JSON only as \\u0000, so those are parsed here
    only when the raw bytes hold that spelling (an autosave is not parsed twice).  ``body``: whether
    the request has one to check (:func:`has_body`)."""
    sources = []
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        sources.append(request.args.to_dict(flat=False))
    if body:
        if request.mimetype in FORM_MIMETYPES:
            sources.append(request.form.to_dict(flat=False))
        elif request.is_json and b"\\u0000" in request.get_data(cache=True):
            sources.append(request.get_json(silent=True))
    if any(_contains_nul(source) for source in sources):
        raise BadRequest("请求中含有无效的控制字符（NUL）。")


def has_body() -> bool:
    """Whether the request carries a body: a length, or chunks (every board read and big-screen poll has neither)."""
    environ = request.environ  # the WSGI keys: werkzeug's content_length parses the header (2 µs a request)
    return bool(environ.get("CONTENT_LENGTH")) or "HTTP_TRANSFER_ENCODING" in environ


#: A JSON body nests at most this deep (the API's deepest is 3) and is at most this large.
MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(data: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def guard_json_body():
    """A JSON body is checked for size and depth before anything parses it: a deeply nested one
    made the parser recurse until RecursionError (a 500, even on the unauthenticated POST /api/v1/tokens)."""
    if not request.is_json:
        return  # only a JSON content type is ever parsed as JSON (get_json without force)
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge(f"JSON 请求体不能超过 {MAX_JSON_BYTES // 1024} KB。")
    data = request.get_data(cache=True)
    if len(data) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge(f"JSON 请求体不能超过 {MAX_JSON_BYTES // 1024} KB。")
    # Cheap first: a body with few brackets cannot nest deeply.
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH and json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）。")


def apply_view_upload_limit():
    """A view that accepts large uploads (a course video) names its own body limit with
    ``view.max_content_length`` (bytes, or a callable returning them); every other request keeps
    MAX_CONTENT_LENGTH.  Set first, before any hook parses the form."""
    view = current_app.view_functions.get(request.endpoint)
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit() if callable(limit) else limit


def screen_request():
    """Before anything reads the request: the view's body limit, the JSON guard, then the NUL check
    (which may parse the body); one hook, and a request without a body skips the body's checks."""
    body = has_body()
    if body:
        apply_view_upload_limit()
        guard_json_body()
    refuse_nul_characters(body)


#: Sent with every response unless the view set the header itself.
BASE_SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                         ("Referrer-Policy", "same-origin"))
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def security_headers(response):
    """After each request: the security headers a response lacks (a view's own value wins).

    The names present are collected in one pass: werkzeug's ``Headers.setdefault`` scans the
    list and raises a KeyError for each missing name, which cost about 10 µs a request."""
    present = {name.lower() for name, _ in response.headers.items()}
    mimetype = response.mimetype
    wanted = list(BASE_SECURITY_HEADERS)
    if mimetype == "text/html":
        wanted.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
    if mimetype in NO_STORE_MIMETYPES or request.path.startswith("/api/"):
        # Pages carry CSRF tokens and personal data; API answers carry bearer tokens and scores.
        wanted.append(("Cache-Control", "no-store"))
    if request.is_secure:
        wanted.append(HSTS)
    response.headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def init_app(app) -> None:
    app.before_request(screen_request)
    hide_server_version()
    ui.init_app(app)  # navigation, quiz status labels, favicon

    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_score, "score")
    app.add_template_filter(option_letter, "letter")
    app.add_template_global(absolute_url, "absolute_url")

    @app.context_processor
    def _globals():
        return {
            "TYPE_LABELS": TYPE_LABELS,
            "STATUS_LABELS": STATUS_LABELS,
            "QUIZ_STATUS_LABELS": QUIZ_STATUS_LABELS,
            "ROLE_LABELS": ROLE_LABELS,
            "allow_registration": current_app.config["ALLOW_REGISTRATION"],
        }

    app.after_request(security_headers)
