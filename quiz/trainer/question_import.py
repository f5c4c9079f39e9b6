"""The question-import pipeline, one for web, API and CLI: parse -> (preview) -> import.

The upload is read and validated by ``question_bank`` before the database is touched
(:func:`parse_question_upload`).  In two steps (web, API preview) the parsed rows wait in a
PendingImport until the trainer confirms (:func:`confirm_question_import`); in one step (the
API's one-shot import, the CLI) :func:`import_question_file` goes straight on.  Either way
:func:`import_records` writes and audits, and a file with problems imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from question_bank import QuestionRecord, RowError, parse_question_rows, read_table

from ..errors import ValidationFailed
from ..models import PendingImport, Question, User
from ..services.audit import record_audit
from ..services.pending_imports import discard_pending_import, store_pending_import
from .question_admin import question_to_record
from ..services.questions import ImportSummary, find_duplicates, import_question_records, stem_key

KIND = "questions"
ON_DUPLICATE_CHOICES = ("skip", "update")


def _record_json(record: QuestionRecord) -> dict:
    return {
        "row": record.row,
        "type": record.type,
        "stem": record.stem,
        "options": list(record.options),
        "correct": list(record.correct),
        "explanation": record.explanation,
        "category": record.category,
        "difficulty": record.difficulty,
        "points": record.points,
        "source": record.source,
    }


def _record_from_json(data: dict) -> QuestionRecord:
    return QuestionRecord(**{**data, "options": tuple(data["options"]), "correct": tuple(data["correct"])})


def parse_question_upload(filename: str, data: bytes) -> dict:
    """Read and check the file (no database access); returns the payload to keep.

    Raises question_bank.FileRejected when the file as a whole is unusable.
    """
    header, rows = read_table(filename, data)
    result = parse_question_rows(header, rows)
    error_rows = {error.row for error in result.errors}
    return {
        "header": header,
        "records": [_record_json(record) for record in result.records],
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
        # what the trainer typed in rows that failed, to show next to the messages
        "raw_rows": {str(number): cells for number, cells in rows if number in error_rows},
    }


def store_question_upload(owner: User, filename: str, payload: dict, now: datetime) -> PendingImport:
    error_rows = {error["row"] for error in payload["errors"]}
    return store_pending_import(
        owner, KIND, filename, payload, now,
        row_count=len(payload["records"]) + len(error_rows - {0}),
        error_count=len(payload["errors"]),
    )


@dataclass
class PreviewRow:
    row: int
    #: "new" | "duplicate" | "error"
    status: str
    record: QuestionRecord | None = None
    cells: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing_id: int | None = None
    #: a duplicate whose content differs from the bank's copy (an update would change it)
    changed: bool = False


@dataclass
class QuestionImportPreview:
    filename: str
    header: list[str]
    rows: list[PreviewRow]
    file_errors: list[RowError]
    errors: list[RowError]
    new_count: int = 0
    duplicate_count: int = 0
    changed_count: int = 0
    error_row_count: int = 0

    @property
    def can_confirm(self) -> bool:
        return not self.errors and bool(self.rows)


def records_of_payload(payload: dict) -> list[QuestionRecord]:
    return [_record_from_json(data) for data in payload["records"]]


def records_of(pending: PendingImport) -> list[QuestionRecord]:
    return records_of_payload(pending.payload)


def build_question_preview(pending: PendingImport) -> QuestionImportPreview:
    """Every row as it will be imported, every error, and duplicates against the bank now."""
    payload = pending.payload
    records = records_of(pending)
    errors = [RowError(e["row"], e["column"], e["message"]) for e in payload["errors"]]
    existing = find_duplicates(records)
    rows: list[PreviewRow] = []
    counts = {"new": 0, "duplicate": 0, "changed": 0}
    for record in records:
        question: Question | None = existing.get((record.type, stem_key(record.stem)))
        if question is None:
            rows.append(PreviewRow(record.row, "new", record))
            counts["new"] += 1
            continue
        same = question_to_record(question, row=record.row) == record
        rows.append(PreviewRow(record.row, "duplicate", record, existing_id=question.id, changed=not same))
        counts["duplicate"] += 1
        counts["changed"] += int(not same)
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        if error.row:
            by_row.setdefault(error.row, []).append(error)
    raw_rows = payload.get("raw_rows", {})
    for number, row_errors in by_row.items():
        rows.append(PreviewRow(number, "error", cells=raw_rows.get(str(number), []), errors=row_errors))
    rows.sort(key=lambda item: item.row)
    return QuestionImportPreview(
        filename=pending.filename,
        header=payload["header"],
        rows=rows,
        file_errors=[error for error in errors if not error.row],
        errors=errors,
        new_count=counts["new"],
        duplicate_count=counts["duplicate"],
        changed_count=counts["changed"],
        error_row_count=len(by_row),
    )


def file_errors(payload: dict) -> list[dict]:
    """Every problem of a parsed upload, as {"row", "column", "message"}."""
    return list(payload["errors"])


def import_records(records: list[QuestionRecord], filename: str, on_duplicate: str, actor: User | None,
                   now: datetime) -> ImportSummary:
    """Write the records (duplicates skipped or updated) and audit it: the last step of every import."""
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        raise ValidationFailed("请选择重复题目的处理方式", field="on_duplicate")
    summary = import_question_records(records, on_duplicate=on_duplicate)
    record_audit(
        actor, "question.import", "question", None,
        f"从“{filename}”导入题目：新增 {summary.imported}，更新 {summary.updated}，跳过重复 {summary.skipped_duplicates}",
        now,
        {"file": filename, "imported": summary.imported, "updated": summary.updated,
         "skipped_duplicates": summary.skipped_duplicates, "on_duplicate": on_duplicate},
    )
    return summary


def refuse_if_invalid(payload: dict) -> None:
    """The import rule: a file with any problem imports nothing (the problems go with the error)."""
    errors = file_errors(payload)
    if errors:
        raise ValidationFailed("文件中有错误，未导入任何题目", code="invalid_file", errors=errors)


def import_parsed(payload: dict, filename: str, on_duplicate: str, actor: User | None,
                  now: datetime) -> ImportSummary:
    """One step (the API's one-shot import, the CLI): refuse a file with problems, else import it."""
    refuse_if_invalid(payload)
    return import_records(records_of_payload(payload), filename, on_duplicate, actor, now)


def confirm_question_import(
    pending: PendingImport, records: list[QuestionRecord], on_duplicate: str, actor: User, now: datetime
) -> ImportSummary:
    """Two steps (web, API): write every previewed record, or none; duplicates skipped or updated."""
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        raise ValidationFailed("请选择重复题目的处理方式", field="on_duplicate")
    if pending.error_count:
        raise ValidationFailed("文件中有错误，请修改后重新上传；未导入任何题目", code="invalid_file")
    summary = import_records(records, pending.filename, on_duplicate, actor, now)
    discard_pending_import(pending)
    return summary
