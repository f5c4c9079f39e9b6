"""Who is asking: Flask-Login for the web UI, bearer tokens for the API, and role checks."""

from __future__ import annotations

from functools import wraps
from typing import NamedTuple

import time

from flask import current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie, user_logged_in

from .errors import DomainError, Forbidden
from .extensions import csrf, db, login_manager
from .models import User
from .services import sessions
from .services.accounts import hash_new_password, resolve_token_identity
from .services.clock import now_utc

PUBLIC_ENDPOINTS: set[str] = set()
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiIdentity(NamedTuple):
    id: int
    role: str
    must_change_password: bool = False


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", "请先登录或提供有效的访问令牌"


class PasswordChangeRequired(DomainError):
    status, code, message = 403, "password_change_required", "请先修改初始密码（POST /api/v1/me/password）"


#: Session keys Flask-Login keeps for a signed-in browser session.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", sessions.LAST_SEEN_KEY)


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    app.before_request(end_idle_session)
    user_logged_in.connect(_mark_seen, app)
    user_loaded_from_cookie.connect(_mark_seen, app)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _load_user(alternative_id: str):
    return sessions.load_session_user(alternative_id, now_utc())


def _mark_seen(_app, **_extra) -> None:
    session[sessions.LAST_SEEN_KEY] = int(time.time())


def end_idle_session() -> None:
    """Before each request: a browser session idle for SESSION_IDLE_TIMEOUT_SECONDS is signed out
    (a remember cookie may then sign it in again); any other request keeps it alive."""
    if "_user_id" not in session:
        return
    now = time.time()
    if sessions.session_is_idle(session.get(sessions.LAST_SEEN_KEY), now,
                                current_app.config["SESSION_IDLE_TIMEOUT_SECONDS"]):
        for key in _LOGIN_KEYS:
            session.pop(key, None)
    else:
        sessions.touch(session, now)


def log_in(user: User, *, remember: bool, now) -> None:
    """Sign the browser in under a new login session (quiz.services.sessions); call inside a write."""
    sessions.open_login_session(user, remember=remember,
                                lifetime=sessions.session_lifetime(remember, current_app.config), now=now)
    login_user(user, remember=remember)


def log_out(now) -> None:
    """End this browser's login session on the server, then clear its cookies."""
    if current_user.is_authenticated:
        sessions.end_login_session(current_user.get_id(), now)
    logout_user()


def allowed_before_password_change(view):
    """Mark a view an account that must change its password may still use (the change, logout)."""
    view.allowed_before_password_change = True
    return view


def password_change_pending(user, view) -> bool:
    """The first-login rule: an account an admin gave a password uses nothing but the change first."""
    return bool(getattr(user, "must_change_password", False)) and not getattr(
        view, "allowed_before_password_change", False)


def public(view):
    """Mark a view as reachable without login (checked by the access test)."""
    PUBLIC_ENDPOINTS.add(f"{view.__module__}.{view.__name__}")
    view.is_public = True
    return view


def roles_required(*roles: str):
    """Web views: login required, and one of the roles (none given: any signed-in user)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if password_change_pending(current_user, view):
                return redirect(url_for("auth.change_password"))
            if roles and current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def api_identity():
    """(id, role) of the caller: enough for hot paths that need no full user row."""
    return g.api_identity


def api_user() -> User:
    """The full user behind this API request, loaded on first use."""
    if g.get("api_user") is None:
        g.api_user = db.session.get(User, g.api_identity.id)
    return g.api_user


def new_password_hash(password: str, *, username: str | None = None, display_name: str | None = None) -> str:
    """A new password checked against this app's policy (PASSWORD_MIN_LENGTH, zxcvbn) and hashed with
    PASSWORD_HASH_METHOD: what every page, API call and command that sets a password uses."""
    config = current_app.config
    return hash_new_password(password, hash_method=config["PASSWORD_HASH_METHOD"],
                             min_length=config["PASSWORD_MIN_LENGTH"], username=username, display_name=display_name)


def api_auth(*roles: str):
    """API views: a bearer token, or the web session plus a CSRF header for state changes."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            if header:
                scheme, _, token = header.partition(" ")
                identity = resolve_token_identity(token.strip(), now_utc()) if scheme.lower() == "bearer" else None
                if identity is None:
                    raise Unauthorized("访问令牌无效、已过期或已撤销", code="invalid_token")
                g.api_token = token.strip()
            elif current_user.is_authenticated:
                if request.method not in SAFE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
                    csrf.protect()
                g.api_user = current_user._get_current_object()
                identity = ApiIdentity(g.api_user.id, g.api_user.role, g.api_user.must_change_password)
            else:
                raise Unauthorized()
            if password_change_pending(identity, view):
                raise PasswordChangeRequired()
            if roles and identity.role not in roles:
                raise Forbidden()
            g.api_identity = identity
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
