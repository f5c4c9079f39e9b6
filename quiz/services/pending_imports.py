"""Parsed uploads waiting for confirmation, stored in the database (any worker can serve them)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete

from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import PendingImport, User

PENDING_IMPORT_LIFETIME = timedelta(hours=1)


class ImportExpired(DomainError):
    status, code, message = 410, "import_expired", "预览已过期（超过 1 小时），请重新上传文件"


def store_pending_import(
    owner: User, kind: str, filename: str, payload: dict, now: datetime, *, row_count: int, error_count: int,
    source: bytes | None = None,
) -> PendingImport:
    """Keep a parsed upload for an hour; expired ones are purged on the way.

    ``source`` keeps the uploaded file itself, for an import that may read it again.
    """
    purge_expired_imports(now)
    pending = PendingImport(
        id=secrets.token_urlsafe(24),
        owner_id=owner.id,
        kind=kind,
        filename=(filename or "")[:255],
        created_at=now,
        expires_at=now + PENDING_IMPORT_LIFETIME,
        row_count=row_count,
        error_count=error_count,
        payload=payload,
        source=source,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def get_pending_import(token: str, owner: User, kind: str, now: datetime) -> PendingImport:
    """The owner's pending import; someone else's does not exist for them."""
    pending = db.session.get(PendingImport, token) if token and len(token) <= 64 else None
    if pending is None or pending.owner_id != owner.id or pending.kind != kind:
        raise NotFound("找不到该导入预览，可能已确认、已取消或已过期", code="import_not_found")
    if now >= pending.expires_at:
        raise ImportExpired()
    return pending


def replace_pending_payload(pending: PendingImport, payload: dict, now: datetime, *, row_count: int,
                            error_count: int) -> PendingImport:
    """The upload read again (another column mapping): new rows and errors, another hour to confirm."""
    pending.payload = payload
    pending.row_count = row_count
    pending.error_count = error_count
    pending.expires_at = now + PENDING_IMPORT_LIFETIME
    db.session.flush()
    return pending


def discard_pending_import(pending: PendingImport) -> None:
    db.session.delete(pending)
    db.session.flush()


def purge_expired_imports(now: datetime) -> int:
    result = db.session.execute(
        delete(PendingImport).where(PendingImport.expires_at <= now).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
