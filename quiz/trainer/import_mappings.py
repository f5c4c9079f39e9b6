"""Column mappings remembered by a file's header row (question_bank.header_signature).

When a trainer maps the columns of a file from another exam system, the mapping is kept
for that header row; the next file with the same header row (the same system's export) is
read with it at once and goes straight to the preview.  Any trainer's mapping serves every
trainer: the header row identifies the system, not the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from question_bank import ColumnMapping, MappingInvalid

from ..extensions import db
from ..models import ImportMapping, User
from ..services.audit import record_audit


def remembered_mapping(signature: str) -> ImportMapping | None:
    """The mapping kept for this header signature, if any."""
    if not signature:
        return None
    return db.session.scalar(select(ImportMapping).where(ImportMapping.signature == signature))


def mapping_of(entry: ImportMapping) -> ColumnMapping | None:
    """The stored mapping as a ColumnMapping (None if it no longer fits the field list)."""
    try:
        mapping = ColumnMapping.from_json(entry.mapping)
    except MappingInvalid:
        return None
    return None if mapping.is_empty else mapping


def remember_mapping(signature: str, header: Sequence[str], mapping: ColumnMapping, actor: User | None,
                     now: datetime) -> ImportMapping | None:
    """Keep `mapping` for files with this header row; an empty mapping forgets it.  Flushes."""
    if not signature:
        return None
    entry = remembered_mapping(signature)
    if mapping.is_empty:
        if entry is not None:
            db.session.delete(entry)
            db.session.flush()
            record_audit(actor, "question.import_mapping", "import_mapping", entry.id,
                         "清除了为一种表头记住的导入列映射", now, {"header": list(header)[:50]})
        return None
    stored = mapping.to_json()
    if entry is None:
        entry = ImportMapping(signature=signature, created_at=now)
        db.session.add(entry)
    elif entry.mapping == stored:
        return entry
    entry.header = [str(cell) for cell in header][:256]
    entry.mapping = stored
    entry.updated_by_id = actor.id if actor is not None else None
    entry.updated_at = now
    db.session.flush()
    record_audit(actor, "question.import_mapping", "import_mapping", entry.id,
                 f"记住了导入列映射（{len(stored['columns'])} 列，{len(stored['type_values'])} 个题型取值）", now,
                 {"header": entry.header[:50], "mapping": stored})
    return entry
