"""Accounts: users, units, password checks and API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import ROLES, ApiToken, Unit, User
from ..org.units import check_takes_people, create_unit, get_unit_by_name  # noqa: F401 - the unit rules live there
from .audit import record_audit
from .passwords import check_password
from .sessions import end_all_login_sessions


@functools.cache
def _dummy_hash(method: str) -> str:
    """Verifying against this keeps a login with an unknown username as slow as a wrong password."""
    return generate_password_hash("not-a-real-password", method=method)


def normalize_username(raw: str) -> str:
    """NFKC (full-width to half-width), strip, case-fold: look-alikes cannot coexist."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


def validate_username(username: str) -> None:
    if not 2 <= len(username) <= 64:
        raise ValidationFailed("用户名长度应为 2-64 个字符", field="username")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise ValidationFailed("用户名不能包含空格或控制字符", field="username")


def check_role_and_unit(role: str, unit: Unit | None) -> None:
    """The account's role rule: one of ROLES, and an employee or a unit manager belongs to a unit
    (a manager manages that unit's subtree); trainers and admins may stand outside every unit."""
    if role not in ROLES:
        raise ValidationFailed("角色应为 employee、manager、trainer 或 admin", field="role")
    if role == "employee" and unit is None:
        raise ValidationFailed("职工必须属于一个单位", field="unit_id")
    if role == "manager" and unit is None:
        raise ValidationFailed("单位管理员必须属于一个单位（管理该单位及其下级单位）", field="unit_id")


def get_user(user_id: int) -> User:
    """The user with this id, or NotFound (user_not_found)."""
    return get_or_not_found(User, user_id, "用户不存在", "user_not_found")


def get_or_create_unit(name: str, kind: str = "科室") -> Unit:
    return get_unit_by_name(name) or create_unit(name, kind)


def hash_new_password(password: str, *, hash_method: str, min_length: int, check_strength: bool = True,
                      username: str | None = None, display_name: str | None = None) -> str:
    """Check a new password against the policy and hash it.

    Done before the write transaction starts: a strong hash costs about a quarter of a
    second, and SQLite's write lock should not be held that long.
    """
    if check_strength:
        check_password(password, min_length, username=username, display_name=display_name)
    return generate_password_hash(password, method=hash_method)


def create_user(
    username: str,
    *,
    password_hash: str,
    display_name: str | None = None,
    unit: Unit | None = None,
    role: str = "employee",
    must_change_password: bool = False,
) -> User:
    username = normalize_username(username)
    validate_username(username)
    display_name = (display_name or "").strip() or username
    if len(display_name) > 64:
        raise ValidationFailed("姓名不能超过 64 个字符", field="display_name")
    check_role_and_unit(role, unit)
    check_takes_people(unit)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名“{username}”已被使用", code="username_taken", field="username")
    user = User(
        username=username,
        display_name=display_name,
        unit=unit,
        role=role,
        password_hash=password_hash,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalize_username(username)))


def authenticate(username: str, password: str, *, hash_method: str) -> User | None:
    """Return the enabled user whose password matches, else None (same cost either way)."""
    user = find_user(username)
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.is_enabled:
        return None
    return user


def record_login(user: User, now: datetime) -> None:
    """Remember when the user last signed in (web login or a new API token)."""
    user.last_login_at = now


def set_password_hash(user: User, password_hash: str, now: datetime, *, must_change: bool = False) -> None:
    """Replace the password (hashed with :func:`hash_new_password`) and end every session.

    ``must_change``: an admin chose it (reset, import), so the user must replace it at the
    next sign-in; the user's own change clears the mark.
    """
    user.password_hash = password_hash
    user.must_change_password = must_change
    revoke_all_sessions(user, now)


def revoke_all_sessions(user: User, now: datetime) -> None:
    """Invalidate every sign-in (session and remember cookies) and API token of the user."""
    token_memo.forget_user(user.id)
    end_all_login_sessions(user.id, now)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def sign_out_everywhere(user: User, now: datetime) -> None:
    """退出所有设备 as the user asked it: every sign-in and API token ends, and the audit log says who."""
    revoke_all_sessions(user, now)
    record_audit(user, "user.sign_out_everywhere", "user", user.id, f"{user.username} 退出了所有设备", now)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, now: datetime, lifetime_seconds: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        token_hash=_hash_token(token),
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    db.session.add(record)
    db.session.flush()
    return token, record


#: Run on every API request: built once.
_TOKEN_IDENTITY = (
    select(User.id, User.role, ApiToken.expires_at, User.must_change_password)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        User.is_enabled.is_(True),
    )
)


class TokenMemo:
    """Tokens this process checked in the last few seconds.

    API clients send one token many times a second (a lobby screen polling a board, a
    quiz page autosaving), and the database check was most of such a request's cost.
    A token is believed for at most `seconds` after its check and never past its
    expiry.  Revoking forgets it in this process at once (:func:`revoke_token`,
    :func:`revoke_all_sessions`, a role change); other worker processes believe it for
    at most `seconds` more.  Plain dict, bounded: full means start over.
    """

    max_entries = 10_000

    def __init__(self, seconds: float):
        self.seconds = timedelta(seconds=seconds)
        self._entries: dict[str, tuple[datetime, object]] = {}  # token hash -> (checked at, identity)

    def get(self, token_hash: str, now: datetime):
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        checked_at, identity = entry
        if not checked_at <= now < checked_at + self.seconds or now >= identity.expires_at:
            self._entries.pop(token_hash, None)
            return None
        return identity

    def put(self, token_hash: str, identity, now: datetime) -> None:
        if not self.seconds:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_hash] = (now, identity)

    def forget(self, token_hash: str) -> None:
        self._entries.pop(token_hash, None)

    def forget_user(self, user_id: int) -> None:
        for token_hash, (_, identity) in list(self._entries.items()):  # a copy: threaded dev server
            if identity.id == user_id:
                self._entries.pop(token_hash, None)


#: How long a checked token is believed without asking the database again.
TOKEN_MEMO_SECONDS = 5
token_memo = TokenMemo(TOKEN_MEMO_SECONDS)


def resolve_token_identity(token: str, now: datetime):
    """(user id, role, expires_at) behind a valid token, or None: the check every API request makes."""
    if not token or len(token) > 200:
        return None
    token_hash = _hash_token(token)
    identity = token_memo.get(token_hash, now)
    if identity is None:
        identity = db.session.execute(_TOKEN_IDENTITY, {"token_hash": token_hash, "now": now}).first()
        if identity is not None:
            token_memo.put(token_hash, identity, now)
    return identity


def revoke_token(token: str, now: datetime) -> None:
    token_memo.forget(_hash_token(token))
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def get_unit(unit_id: int) -> Unit:
    return get_or_not_found(Unit, unit_id, "单位不存在", "unit_not_found")


def list_units(*, open_only: bool = False) -> list[Unit]:
    """Every unit (``open_only``: without the retired ones, for lists where people join a unit)."""
    query = select(Unit).order_by(Unit.kind, Unit.name)
    if open_only:
        query = query.where(Unit.retired_at.is_(None))
    return list(db.session.scalars(query))


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
