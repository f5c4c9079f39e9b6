"""Operations: request ids and structured request logs, secrets kept out of every log, /healthz."""

from __future__ import annotations

import json
import logging
import random
import re
import time

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import text

from . import schema_version
from .auth_setup import public
from .extensions import db

bp = Blueprint("ops", __name__)
request_log = logging.getLogger("quiz.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

#: Paths and query parameters whose value is a secret: a big-screen display token works
#: without a login, and a certificate code is a personal record.
_SECRET_IN_PATH = re.compile(r"(/boards/display/|/verify/)[^/?#\s\"']+")
_SECRET_IN_QUERY = re.compile(r"([?&](?:code|token)=)[^&#\s\"']+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The one place that hides display tokens and certificate codes in anything logged (paths, request lines, referrers)."""
    if "/boards/display/" not in text and "/verify" not in text:
        return text
    return _SECRET_IN_QUERY.sub(r"\1" + REDACTED, _SECRET_IN_PATH.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Applies redact() to a log record (werkzeug's request lines, any message naming a path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):  # gunicorn's access log passes its atoms as a mapping
            record.args = {key: redact(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_log_redaction() -> None:
    """Every handler of the root logger, and the loggers that write request lines, redact secrets."""
    redacting = RedactingFilter()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "quiz.request"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redacting)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)


try:  # gunicorn is a production dependency, but the app must import without it
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:
    class RedactingGunicornLogger(_GunicornLogger):
        """gunicorn's logger whose access-log atoms (request line, path, query, referrer, headers) pass through redact()."""

        def atoms(self, resp, req, environ, request_time):
            values = super().atoms(resp, req, environ, request_time)
            return {key: redact(value) if isinstance(value, str) else value for key, value in values.items()}


def init_app(app) -> None:
    app.register_blueprint(bp)
    install_log_redaction()

    @app.before_request
    def _start_request():
        incoming = request.headers.get("X-Request-ID", "")
        # An id only has to be unique enough to find a request in the logs: no system call for it.
        g.request_id = incoming if _REQUEST_ID.match(incoming) else f"{random.getrandbits(128):032x}"
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        # The objects behind the proxies, looked up once: this runs for every request.
        current, state = request._get_current_object(), g._get_current_object()
        request_id = state.get("request_id", "")
        response.headers["X-Request-ID"] = request_id
        path = current.path
        if current.endpoint != "static" and not path.startswith("/bootstrap/"):
            identity = state.get("api_identity")
            # the user as loaded by the request, never loaded just for the log (the database may be down)
            user = state.get("_login_user")
            user_id = identity.id if identity else (user.get_id() if user is not None else None)
            started = state.get("request_started")
            request_log.info(json.dumps({
                "request_id": request_id,
                "method": current.method,
                "path": redact(path),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else 0.0,
                "user": user_id,
                "ip": current.remote_addr,
            }, ensure_ascii=False))
        return response


def redis_answers(url: str, timeout: float) -> bool:
    """Whether the Redis at ``url`` answers a PING within ``timeout`` seconds."""
    import redis  # noqa: PLC0415 - only deployments with REDIS_URL load the client (6 MiB)

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@bp.get("/healthz")
@public
def healthz():
    """For load balancers: 200 when the database answers and its schema is current, else 503.

    With ``REDIS_URL`` set, Redis is reported too; without it the platform still serves
    everyone (rate limits and board caches fall back to each worker's memory), so a Redis
    that does not answer makes the status ``degraded`` but keeps the answer 200: a load
    balancer must not take every worker out of service for it.
    """
    checks = {"database": "ok", "migrations": "current"}
    status = 200
    try:
        with db.engine.connect() as connection:  # its own connection: a failure cannot spoil the request's
            connection.execute(text("SELECT 1"))
            current = schema_version.database_heads(connection)
    except Exception:  # any failure means "not healthy"; the log has the details
        current_app.logger.exception("health check: database unreachable")
        checks["database"] = "unreachable"
        status = 503
    else:
        if current != schema_version.shipped_heads():
            checks["migrations"] = "pending"
            status = 503
    overall = "ok" if status == 200 else "unhealthy"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = "ok" if redis_answers(redis_url, current_app.config["REDIS_TIMEOUT_SECONDS"]) else "unavailable"
        if checks["redis"] != "ok" and status == 200:
            overall = "degraded"
    return jsonify({"status": overall, **checks}), status
