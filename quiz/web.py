"""Web-UI plumbing shared by the blueprints: template filters, context and security headers."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from . import ui
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


FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul_characters():
    """No text field anywhere may hold a NUL character: PostgreSQL cannot store one, and no
    person types it.  Refused up front (400) instead of failing in the database.  A query
    string can only carry one as %00 and JSON only as \\u0000, so those are parsed here
    only when the raw bytes hold that spelling (an autosave is not parsed twice)."""
    sources = []
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        sources.append(request.args.to_dict(flat=False))
    if request.mimetype in FORM_MIMETYPES:
        sources.append(request.form.to_dict(flat=False))
    elif request.is_json and b"\\u0000" in request.get_data(cache=True):
        sources.append(request.get_json(silent=True))
    if any(_contains_nul(source) for source in sources):
        raise BadRequest("请求中含有无效的控制字符（NUL）。")


def init_app(app) -> None:
    app.before_request(refuse_nul_characters)
    ui.init_app(app)  # navigation, quiz status labels, favicon

    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_score, "score")
    app.add_template_filter(option_letter, "letter")

    @app.context_processor
    def _globals():
        return {
            "TYPE_LABELS": TYPE_LABELS,
            "STATUS_LABELS": STATUS_LABELS,
            "QUIZ_STATUS_LABELS": QUIZ_STATUS_LABELS,
            "ROLE_LABELS": ROLE_LABELS,
            "allow_registration": current_app.config["ALLOW_REGISTRATION"],
        }

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            headers.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
