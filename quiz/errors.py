"""Domain exceptions and the one place that maps them (and HTTP errors) to responses.

API requests (/api/...) get JSON ``{"error": code, "message": text}``; web pages get a
friendly Chinese error page.  The 500 handler rolls the session back first.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from question_bank import FileRejected, MappingNeeded

from .database import reads_only_from_now
from .extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    status = 400
    code = "bad_request"
    message = "请求无效"

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra):
        super().__init__(message or self.message)
        self.message = message or self.message
        if code:
            self.code = code
        self.extra = extra

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message, **self.extra}


class NotFound(DomainError):
    status, code, message = 404, "not_found", "找不到该资源"


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class QuizClosed(DomainError):
    status, code, message = 403, "quiz_closed", "该测验当前不在开放时间内"


class AttemptsExhausted(DomainError):
    status, code, message = 409, "attempts_exhausted", "答题次数已用完"


class TimeUp(DomainError):
    status, code, message = 409, "time_up", "答题时间已到或试卷已提交，答案未保存"


class Conflict(DomainError):
    status, code, message = 409, "conflict", "与现有数据冲突"


class InvalidAnswer(DomainError):
    status, code, message = 422, "invalid_answer", "所选选项无效"


class ValidationFailed(DomainError):
    status, code, message = 422, "validation_error", "提交的数据有误"


class InsufficientQuestions(DomainError):
    status, code, message = 422, "insufficient_questions", "题库中符合抽题规则的题目不足"


def get_or_not_found(model, ident, message: str, code: str = "not_found"):
    """The ``model`` row with this primary key, or NotFound(message, code): the 404 of every
    "get one X" operation, in the page's Chinese and the API's JSON alike (never a bare 404)."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(message, code=code)
    return row


ERROR_PAGE_TITLES = {
    400: "请求无效",
    401: "请先登录",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "操作冲突",
    413: "文件太大",
    422: "提交的数据有误",
    429: "操作过于频繁",
    500: "服务器出错了",
    503: "服务暂时不可用",
    507: "存储空间不足",
}

HTTP_ERROR_MESSAGES = {
    400: "请求无效，请刷新页面后重试。",
    401: "需要登录后才能访问。",
    403: "您没有权限访问此页面。",
    404: "您要找的页面或资源不存在。",
    405: "不支持该请求方式。",
    409: "操作与当前状态冲突。",
    413: "上传的文件太大（上限 5 MB）。",
    422: "提交的数据有误。",
    429: "操作过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后重试。已记录该问题。",
}

HTTP_ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
    429: "rate_limited", 500: "internal_error",
}


#: (status, code, message) of the database faults an employee can only wait out (database_fault).
STORAGE_FULL = (507, "storage_full", "服务器存储空间不足，本次操作未保存。请稍后重试，并通知系统管理员。")
STORAGE_READ_ONLY = (507, "storage_read_only", "服务器存储暂时无法写入，本次操作未保存。请稍后重试，并通知系统管理员。")
DATABASE_UNAVAILABLE = (503, "database_unavailable", "数据库暂时不可用，本次操作未保存，请稍后重试。")

#: SQLite's messages for faults of the storage or of its lock, not of the program.
_SQLITE_FAULTS = {
    "database or disk is full": STORAGE_FULL,
    "attempt to write a readonly database": STORAGE_READ_ONLY,
    "disk i/o error": STORAGE_READ_ONLY,
    "unable to open database file": DATABASE_UNAVAILABLE,
    "database is locked": DATABASE_UNAVAILABLE,
}


def database_fault(error: BaseException) -> tuple[int, str, str] | None:
    """The fault of the database server or its disk behind ``error`` as (status, code, message),
    or None when it is a bug: so a full disk or a restarting PostgreSQL gives the employee a
    clear Chinese answer to retry (the quiz page retries 5xx saves itself), never a 500."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    if isinstance(original, sqlite3.Error):
        text = str(original).lower()
        return next((fault for message, fault in _SQLITE_FAULTS.items() if message in text), None)
    sqlstate = getattr(original, "sqlstate", None) or ""
    if sqlstate == "53100":  # PostgreSQL disk_full
        return STORAGE_FULL
    if sqlstate == "25006":  # read_only_sql_transaction (a standby, or default_transaction_read_only)
        return STORAGE_READ_ONLY
    # Lost or refused connections (a server restarting: 57P01-57P03, class 08, or no SQLSTATE
    # at all when the socket is refused or closed); SQLAlchemy has invalidated the connection.
    if error.connection_invalidated or sqlstate.startswith(("08", "57P")) or (
            type(original).__name__ == "OperationalError" and not sqlstate):
        return DATABASE_UNAVAILABLE
    return None


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, extra: dict | None = None, headers=None):
    if wants_json():
        body = {"error": code, "message": message, **(extra or {})}
        response = jsonify(body)
        response.status_code = status
    else:
        response = render_template(
            "errors/error.html",
            status=status,
            title=ERROR_PAGE_TITLES.get(status, "出错了"),
            message=message,
        ), status
    if headers:
        if isinstance(response, tuple):
            return (*response, headers)
        response.headers.update(headers)
    return response


def _written_in_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def init_app(app) -> None:
    # APIFlask routes request-validation errors through its error processor.  Registering
    # it also installs an HTTPException handler, so it comes first and ours replaces it.
    @app.error_processor
    def api_error_processor(error):
        status = error.status_code
        code = error.extra_data.get("error") or HTTP_ERROR_CODES.get(status, "error")
        message = error.message
        if status == 422 and error.detail:
            message = "请求数据校验失败"
        body = {"error": code, "message": message}
        if error.detail:
            body["detail"] = error.detail
        return body, status, error.headers

    @app.errorhandler(FileRejected)
    def handle_rejected_file(rejected: FileRejected):
        """An upload unusable as a whole (size, type, zip or XML bomb, formulas ...): 413 or 422."""
        db.session.rollback()
        status = 413 if rejected.code == "too_large" else 422
        extra = {"reason": rejected.code, "errors": [{"row": 0, "column": "", "message": rejected.message}]}
        if isinstance(rejected, MappingNeeded):
            extra["layout"] = rejected.layout.to_json()  # the headers found, for a mapping
        return _respond(status, "invalid_file", rejected.message, extra)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return _respond(error.status, error.code, error.message, error.extra)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = HTTP_ERROR_MESSAGES.get(status, error.description or "出错了")
        view_limit = getattr(current_app.view_functions.get(request.endpoint), "max_content_length", None)
        if status == 413 and view_limit is not None and request.max_content_length:
            # an upload view with a limit of its own (a course video): say which
            message = f"上传的文件太大（上限 {request.max_content_length // (1024 * 1024)} MB）。"
        if _written_in_chinese(error.description):
            message = error.description  # raised by our own code with a specific message
        if status == 400 and getattr(error, "description", "") and "CSRF" in str(error.description):
            message = "页面已过期（安全令牌失效），请刷新页面后重试。"
        if status == 429:
            message = "尝试次数过多，请稍后再试。"
        headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type",)}
        return _respond(status, HTTP_ERROR_CODES.get(status, "error"), message, headers=headers)

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        """Disk full, read-only storage, a database restarting: 507 or 503 with a Chinese message."""
        fault = database_fault(error)
        if fault is None:
            return handle_unexpected(error)
        try:
            db.session.rollback()  # nothing of the failed request is kept
        except Exception:  # the connection is gone: nothing to roll back
            log.warning("rollback after a database fault failed", exc_info=True)
        status, code, message = fault
        log.error("database fault on %s %s: %s (%s)", request.method, request.path, code, error.orig)
        reads_only_from_now()  # the page may read (the signed-in user), never write
        return _respond(status, code, message, headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal_error", HTTP_ERROR_MESSAGES[500])

