"""Public display links: revocable, read-only tokens for the big-screen board (no Flask here)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import BoardVersion, DisplayLink, Quiz, User
from .cache import mark_board_changed


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


#: token hash -> (grant or None, when it was read, the quiz's board version then): big screens poll
_GRANTS: dict[str, tuple[DisplayGrant | None, float, int | None]] = {}
#: the longest a process trusts a grant it read while its quiz's board version stands
GRANT_SECONDS = 300.0


def display_grant(token: str, board_version: Callable[[int], int], clock=time.monotonic) -> DisplayGrant | None:
    """The grant of an active display token (None when unknown or revoked), memoized while its quiz's board version stands.

    Why: every screen's poll would otherwise read the link; revoking or re-masking a link bumps its
    quiz's board version (which every process reads anyway), so each process reads the link again
    within its version check, and at once in the process that made the change."""
    if not token or len(token) > 100:
        return None
    key = _hash(token)
    known = _GRANTS.get(key)
    if known is not None and clock() - known[1] < GRANT_SECONDS:
        grant, _read_at, version = known
        if grant is None or board_version(grant.quiz_id) == version:
            return grant
    # the link and its quiz's board version in one statement: a change committed after it is a newer version
    row = db.session.execute(
        select(DisplayLink.id, DisplayLink.quiz_id, DisplayLink.mask_names, DisplayLink.revoked_at,
               BoardVersion.version)
        .outerjoin(BoardVersion, BoardVersion.quiz_id == DisplayLink.quiz_id)
        .where(DisplayLink.token_hash == key)
    ).first()
    grant = None if row is None or row.revoked_at is not None else DisplayGrant(row.id, row.quiz_id, row.mask_names)
    if len(_GRANTS) >= 1000:
        _GRANTS.clear()
    _GRANTS[key] = (grant, clock(), None if row is None else row.version or 0)
    return grant


def quiz_display_links(quiz: Quiz) -> list[DisplayLink]:
    return list(db.session.scalars(
        select(DisplayLink).where(DisplayLink.quiz_id == quiz.id).order_by(DisplayLink.created_at.desc(), DisplayLink.id.desc())
    ))


def get_display_link(link_id: int) -> DisplayLink:
    return get_or_not_found(DisplayLink, link_id, "大屏链接不存在", "display_link_not_found")


def revoke_display_link(link: DisplayLink, now: datetime) -> None:
    """Stop the link; its quiz's board version moves so every process reads the link again (see display_grant)."""
    if link.revoked_at is None:
        link.revoked_at = now
    _link_changed(link, now)


def set_display_masking(link: DisplayLink, mask_names: bool, now: datetime) -> None:
    link.mask_names = mask_names
    _link_changed(link, now)


def _link_changed(link: DisplayLink, now: datetime) -> None:
    """A changed link reaches every process through its quiz's board version (display_grant), this one at once."""
    db.session.flush()
    mark_board_changed(link.quiz_id, now)
    _GRANTS.clear()


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明 (public screens show no full names)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
