"""Who is asking: Flask-Login for the web UI, bearer tokens for the API, and role checks."""

from __future__ import annotations

from functools import wraps
from typing import NamedTuple

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user

from .errors import DomainError, Forbidden
from .extensions import csrf, db, login_manager
from .models import User
from .services.accounts import load_user_from_session_id, resolve_token_identity
from .services.clock import now_utc

PUBLIC_ENDPOINTS: set[str] = set()
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiIdentity(NamedTuple):
    id: int
    role: str


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", "请先登录或提供有效的访问令牌"


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


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
                identity = ApiIdentity(g.api_user.id, g.api_user.role)
            else:
                raise Unauthorized()
            if roles and identity.role not in roles:
                raise Forbidden()
            g.api_identity = identity
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
