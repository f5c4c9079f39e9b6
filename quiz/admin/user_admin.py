"""Admin work on units and accounts, each change written to the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import POSITIONS, ROLE_LABELS, ROLES, Unit, User
from ..org.units import add_unit, check_takes_people, update_unit  # noqa: F401 - kept importable here; the unit rules live in quiz.org.units
from ..services import accounts
from ..services.audit import field_changes, record_audit
from ..services.passwords import check_password

#: no 0/O, 1/l/I: generated passwords are read off a screen or a printout
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_PASSWORD_LENGTH = 10


def generate_password() -> str:
    """A random initial password that passes the password policy."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            try:
                check_password(password, 8)
            except ValidationFailed:
                continue
            return password


# ---------------------------------------------------------------- users


@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    unit_id: int | None = None
    role: str | None = None
    enabled: bool | None = None


def user_query(filters: UserFilter) -> Select:
    query = select(User)
    text = (filters.q or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\")))
    if filters.unit_id is not None:
        query = query.where(User.unit_id == filters.unit_id)
    if filters.role in ROLES:
        query = query.where(User.role == filters.role)
    if filters.enabled is not None:
        query = query.where(User.is_enabled.is_(filters.enabled))
    return query.order_by(User.id.desc())


def _user_values(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.name if user.unit else None,
        "is_enabled": user.is_enabled,
        "position": user.position,
    }


#: update_user's "leave the 岗位类别 as it is"
KEEP = object()


def clean_position(value: str | None) -> str | None:
    """A 岗位类别 as stored: one of POSITIONS, or None (从业人员); anything else is refused."""
    value = (value or "").strip()
    if not value:
        return None
    if value not in POSITIONS:
        raise ValidationFailed(f"岗位类别应为 {'、'.join(POSITIONS)} 之一", field="position")
    return value


def add_user(
    username: str, display_name: str, unit: Unit | None, role: str, password_hash: str, actor: User, now: datetime,
    *, must_change_password: bool, position: str | None = None,
) -> User:
    """Create an account; ``must_change_password``: the password is the admin's, the user replaces it first."""
    user = accounts.create_user(username, password_hash=password_hash, display_name=display_name, unit=unit, role=role,
                                must_change_password=must_change_password)
    user.created_at = now
    user.position = clean_position(position)
    record_audit(actor, "user.create", "user", user.id,
                 f"新增用户 {user.username}（{user.display_name}，{ROLE_LABELS[user.role]}）", now,
                 {"after": _user_values(user)})
    return user


def _enabled_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == "admin", User.is_enabled.is_(True))
    ) or 0


def update_user(
    user: User, *, display_name: str, role: str, unit: Unit | None, is_enabled: bool, actor: User, now: datetime,
    position=KEEP,
) -> dict:
    """Change name, role, unit or state; disabling ends every session of the user."""
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 64:
        raise ValidationFailed("姓名不能为空且不超过 64 个字符", field="display_name")
    accounts.check_role_and_unit(role, unit)
    if user.id == actor.id and (role != "admin" or not is_enabled):
        raise Conflict("不能取消自己的管理员角色或停用自己的账号", code="self_lockout", field="role")
    if user.role == "admin" and user.is_enabled and (role != "admin" or not is_enabled) and _enabled_admin_count() <= 1:
        raise Conflict("系统中至少要保留一个启用的管理员", code="last_admin", field="role")
    if unit is not None and unit.id != user.unit_id:
        check_takes_people(unit)
    new_position = user.position if position is KEEP else clean_position(position)
    before = _user_values(user)
    was_enabled = user.is_enabled
    user.position = new_position
    user.display_name, user.role, user.unit, user.is_enabled = display_name, role, unit, is_enabled
    if was_enabled and not is_enabled:
        accounts.revoke_all_sessions(user, now)
    accounts.token_memo.forget_user(user.id)  # the role may have changed
    db.session.flush()
    changes = field_changes(before, _user_values(user))
    if changes:
        record_audit(actor, "user.update", "user", user.id, f"修改用户 {user.username}", now, changes)
    return changes


def reset_password(user: User, password_hash: str, actor: User, now: datetime) -> None:
    """Set a new password (hashed beforehand) and end the user's sessions; the password is not logged.

    The admin knows it, so the user must replace it at the next sign-in.
    """
    accounts.set_password_hash(user, password_hash, now, must_change=True)
    db.session.flush()
    record_audit(actor, "user.reset_password", "user", user.id, f"重置用户 {user.username} 的密码", now)
