"""Default configuration; environment overrides are read inside create_app()."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: The campaign's time zone: per-day attempt limits and displayed times use it.
CAMPAIGN_TIMEZONE = "Asia/Shanghai"


class DefaultConfig:
    """Safe defaults for production; tests and the environment override them."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: Longest SQLite lock wait, above the longest write transaction (a bulk import).
    SQLITE_BUSY_TIMEOUT_MS = 15000
    #: PostgreSQL: a pooled connection idle longer than this is pinged before use (quiz.database)
    DATABASE_PING_IDLE_SECONDS = 0.1

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # turned on when PREFERRED_URL_SCHEME is https
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: 记住我: the cookie's life, and the server's end of such a sign-in (quiz.services.sessions).
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    #: A browser session without any request for this long is signed out (session_is_idle);
    #: every request, the quiz page's autosave and keep-alive included, keeps it alive.
    SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    #: The absolute end of a sign-in without 记住我: longer than the longest quiz (24 h).
    SESSION_MAX_LIFETIME_SECONDS = 3 * 24 * 3600
    #: Flask refuses a session cookie signed longer ago than this; an active one is re-signed each minute.
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    #: A quiz page may stay open longer than an hour; an expiring CSRF token
    #: would make the final submit fail.  Tokens stay valid for the session.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    #: OWASP ASVS 4.0.3 V2.4.6 minimum for scrypt (N = 65536).
    PASSWORD_HASH_METHOD = "scrypt:65536:8:1"
    #: Bulk user import only: temporary passwords the user must replace at first sign-in
    #: (then hashed with PASSWORD_HASH_METHOD).  N = 4096 costs about 6 ms instead of about
    #: 160 ms, so 2,000 rows hash in seconds inside the request (quiz.admin.user_import).
    TEMPORARY_PASSWORD_HASH_METHOD = "scrypt:4096:8:1"
    PASSWORD_MIN_LENGTH = 8
    API_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600

    #: Off in production (`make serve`, the systemd unit): the admin creates or imports accounts.
    #: `make run` (the demo) turns it on with ALLOW_REGISTRATION=1.
    ALLOW_REGISTRATION = False
    #: Addresses/CIDRs of the reverse proxies whose X-Forwarded-For/-Proto count (quiz/proxies.py).
    TRUSTED_PROXIES = ""
    #: The site's address as employees reach it, for QR codes, posters, display links, certificates.
    BASE_URL = ""
    CAMPAIGN_TIMEZONE = CAMPAIGN_TIMEZONE
    CAMPAIGN_NAME = "安全生产月"

    #: 学习资料 uploads (quiz/learning/files.py): the largest file of each kind, in bytes
    LEARNING_MAX_VIDEO_BYTES = 200 * 1024 * 1024
    LEARNING_MAX_PDF_BYTES = 20 * 1024 * 1024
    LEARNING_MAX_IMAGE_BYTES = 5 * 1024 * 1024
    #: where course files are kept (default: <instance>/learning, owner-only)
    LEARNING_STORAGE_DIR = ""
    #: the reading pages' heartbeat interval in seconds (the server's caps derive from it)
    LEARNING_HEARTBEAT_SECONDS = 15
    #: the reading time a new article, case or PDF asks for, in seconds
    LEARNING_DEFAULT_REQUIRED_SECONDS = 60

    BOOTSTRAP_SERVE_LOCAL = True  # intranet: no CDN
    JSON_AS_ASCII = False

    # APIFlask / OpenAPI
    SPEC_FORMAT = "json"
    INFO = {"description": "安全知识竞赛与培训平台 JSON API (v1)."}
    SECURITY_SCHEMES = {"BearerAuth": {"type": "http", "scheme": "bearer"}}

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down (REDIS_URL set): Flask-Limiter counts in this process's memory meanwhile
    #: (the same limits, per worker) and goes back to Redis when it answers again; a failure
    #: it cannot fall back from is logged, never an error page for the employee.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    #: A Redis that does not answer must cost a request at most this long (seconds), not hang it.
    REDIS_TIMEOUT_SECONDS = 0.5
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_environment(app) -> None:
    """Apply environment variables on top of the defaults."""
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(env["DATABASE_URL"])
    if env.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = env["SECRET_KEY"]
    if "ALLOW_REGISTRATION" in env:
        app.config["ALLOW_REGISTRATION"] = _truthy(env["ALLOW_REGISTRATION"])
    if env.get("REDIS_URL"):
        app.config["REDIS_URL"] = env["REDIS_URL"]
        app.config["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        timeout = app.config["REDIS_TIMEOUT_SECONDS"]
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    if env.get("PREFERRED_URL_SCHEME"):
        app.config["PREFERRED_URL_SCHEME"] = env["PREFERRED_URL_SCHEME"]
    if env.get("PROXY_FIX"):
        app.config["PROXY_FIX"] = _truthy(env["PROXY_FIX"])
    for name in ("TRUSTED_PROXIES", "BASE_URL"):
        if env.get(name):
            app.config[name] = env[name].strip()


def normalize_database_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "quiz.sqlite3")


def persistent_secret_key(instance_path: str) -> str:
    """Generate the secret key once and keep it, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once, one writes and the rest read.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
