"""Public display links: revocable, read-only tokens for the big-screen board (no Flask here)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import DisplayLink, Quiz, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_display_link(quiz: Quiz, label: str, *, created_by: User | None, now: datetime,
                        mask_names: bool = True) -> tuple[str, DisplayLink]:
    """Return (token, link); only the token's hash is stored, so the token is shown this once."""
    label = (label or "").strip() or "大屏"
    if len(label) > 100:
        raise ValidationFailed("名称不超过 100 个字符", field="label")
    token = secrets.token_urlsafe(24)
    link = DisplayLink(quiz_id=quiz.id, label=label, token_hash=_hash(token), mask_names=mask_names,
                       created_by_id=created_by.id if created_by else None, created_at=now)
    db.session.add(link)
    db.session.flush()
    return token, link


@dataclass(frozen=True, slots=True)
class DisplayGrant:
    """What a display token allows: reading one quiz's boards, masked or not."""

    link_id: int
    quiz_id: int
    mask_names: bool


#: token hash -> (grant or None, when it was read): the big screen polls every few seconds
_GRANTS: dict[str, tuple[DisplayGrant | None, float]] = {}
#: how long a process trusts what it read; changes made in this process apply at once
GRANT_SECONDS = 1.0


def display_grant(token: str, clock=time.monotonic) -> DisplayGrant | None:
    """The grant of an active display token (None when unknown or revoked), memoized for a second."""
    if not token or len(token) > 100:
        return None
    key = _hash(token)
    now = clock()
    known = _GRANTS.get(key)
    if known is not None and now - known[1] < GRANT_SECONDS:
        return known[0]
    row = db.session.execute(
        select(DisplayLink.id, DisplayLink.quiz_id, DisplayLink.mask_names, DisplayLink.revoked_at)
        .where(DisplayLink.token_hash == key)
    ).first()
    grant = None if row is None or row.revoked_at is not None else DisplayGrant(row.id, row.quiz_id, row.mask_names)
    if len(_GRANTS) >= 1000:
        _GRANTS.clear()
    _GRANTS[key] = (grant, now)
    return grant


def quiz_display_links(quiz: Quiz) -> list[DisplayLink]:
    return list(db.session.scalars(
        select(DisplayLink).where(DisplayLink.quiz_id == quiz.id).order_by(DisplayLink.created_at.desc(), DisplayLink.id.desc())
    ))


def get_display_link(link_id: int) -> DisplayLink:
    link = db.session.get(DisplayLink, link_id)
    if link is None:
        raise NotFound("大屏链接不存在", code="display_link_not_found")
    return link


def revoke_display_link(link: DisplayLink, now: datetime) -> None:
    if link.revoked_at is None:
        link.revoked_at = now
    db.session.flush()
    _GRANTS.clear()


def set_display_masking(link: DisplayLink, mask_names: bool) -> None:
    link.mask_names = mask_names
    db.session.flush()
    _GRANTS.clear()


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明 (public screens show no full names)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
