"""The question-import pipeline, one for web, API and CLI: read -> (map) -> (preview) -> import.

The upload (a file of any format ``question_bank`` reads, or text pasted into the upload page)
is read and validated before the database is written (:func:`read_question_source`): with the
caller's column mapping, or else with the mapping remembered for the file's header row
(:mod:`quiz.trainer.import_mappings`).  :func:`upload_payload` turns the outcome into the
JSON kept between the steps: the records, every error, warning, unsupported row and in-file
repeat, the problem rows as they were (for the .xlsx to fix and upload again) and the layout
(for the mapping step).

In two steps (web, API preview) the payload waits in a PendingImport until the trainer
confirms (:func:`confirm_question_import`); the web keeps the file too, so that the mapping
step can read it again (:func:`remap_question_upload`).  In one step (the API's one-shot
import, the CLI) :func:`import_parsed` goes straight on.  Either way :func:`import_records`
writes and audits, and :func:`refuse_if_invalid` is the rule: a file with problems imports
nothing, unless the caller explicitly chose to skip the rows with problems (and then only
when the header itself is sound and some question is left to import).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime

from question_bank import (
    ColumnMapping,
    DuplicateRow,
    MappingInvalid,
    MappingNeeded,
    ParseResult,
    ProblemRow,
    QuestionRecord,
    RowError,
    UnsupportedRow,
    duplicate_key,
    parse_question_file,
    parse_question_text,
    problem_rows_xlsx,
)
from question_bank.health import check_bank

from ..errors import ValidationFailed
from ..models import PendingImport, Question, User
from ..services.audit import record_audit
from ..services.pending_imports import discard_pending_import, replace_pending_payload, store_pending_import
from ..services.questions import ImportSummary, find_duplicates, import_question_records
from .bank_health import bank_editions
from .import_mappings import mapping_of, remembered_mapping
from .question_admin import question_to_record

KIND = "questions"
ON_DUPLICATE_CHOICES = ("skip", "update")
#: The name an import of pasted text goes by (previews, the audit log).
PASTED_FILENAME = "粘贴的题目.txt"
#: Rows of the preview table on one page (a bank may have 20,000 rows).
PREVIEW_PAGE_SIZE = 500
PREVIEW_SHOW = {"all": "全部", "new": "新题", "duplicate": "与题库重复", "error": "有问题"}
#: "given" by the caller, "remembered" for the file's header row, "" none
MAPPING_SOURCES = ("given", "remembered", "")
#: Uploads of up to this many questions get the 题库体检 as they are read (it costs about 0.3 ms
#: a question); a larger one gets it on request from its preview, so that a 20,000-row file
#: still previews in seconds.
HEALTH_INLINE_LIMIT = 5000


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class QuestionSource:
    """What was uploaded: a file's bytes, or questions pasted into the upload page."""

    filename: str
    data: bytes
    pasted: bool = False

    @classmethod
    def from_text(cls, text: str) -> QuestionSource:
        return cls(PASTED_FILENAME, text.encode("utf-8"), pasted=True)


@dataclass
class ReadOutcome:
    """A read upload: its result, or the MappingNeeded that stopped it; the mapping it was read with."""

    result: ParseResult | None
    needed: MappingNeeded | None
    mapping: ColumnMapping | None
    mapping_source: str = ""


def mapping_from_json(text: str | bytes | dict | None) -> ColumnMapping | None:
    """The API's and CLI's ``mapping`` (JSON); None when absent.  ValidationFailed (422) when unusable."""
    try:
        mapping = ColumnMapping.from_json(text)
    except MappingInvalid as invalid:
        raise ValidationFailed(invalid.message, code="invalid_mapping", field="mapping") from None
    return None if mapping.is_empty else mapping


def _parse(source: QuestionSource, mapping: ColumnMapping | None) -> ParseResult:
    if source.pasted:
        return parse_question_text(source.data.decode("utf-8"), mapping=mapping)
    return parse_question_file(source.filename, source.data, mapping=mapping)


def _read(source: QuestionSource, mapping: ColumnMapping | None, mapping_source: str) -> ReadOutcome:
    try:
        return ReadOutcome(_parse(source, mapping), None, mapping, mapping_source if mapping else "")
    except MappingNeeded as needed:
        return ReadOutcome(None, needed, mapping, mapping_source if mapping else "")


def read_question_source(source: QuestionSource, mapping: ColumnMapping | None = None, *,
                         use_remembered: bool = True) -> ReadOutcome:
    """Read and validate an upload; no database writes.

    With a mapping, the upload is read with it.  Without one, it is read as it is and, when a
    mapping is remembered for its header row (and ``use_remembered``), read again with that
    one.  Raises question_bank.FileRejected (not MappingNeeded) when the upload is unusable.
    """
    if mapping is not None and not mapping.is_empty:
        return _read(source, mapping, "given")
    outcome = _read(source, None, "")
    layout = outcome.needed.layout if outcome.needed is not None else outcome.result.layout
    if not use_remembered or layout is None or not layout.signature:
        return outcome
    entry = remembered_mapping(layout.signature)
    remembered = mapping_of(entry) if entry is not None else None
    if remembered is None:
        return outcome
    return _read(source, remembered, "remembered")


def _row_error_json(error: RowError) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message, "sheet": error.sheet}


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
        "sheet": record.sheet,
    }


def _record_from_json(data: dict) -> QuestionRecord:
    return QuestionRecord(**{**data, "options": tuple(data["options"]), "correct": tuple(data["correct"])})


def upload_payload(outcome: ReadOutcome, source: QuestionSource) -> dict:
    """What is kept of a read upload (plain JSON); ``stage`` is "mapping" when columns are missing."""
    payload = {
        "pasted": source.pasted,
        "mapping": outcome.mapping.to_json() if outcome.mapping is not None else None,
        "mapping_source": outcome.mapping_source,
        "records": [],
        "errors": [],
        "warnings": [],
        "skipped_unsupported": [],
        "duplicates": [],
        "unknown_columns": [],
        "problem_headers": [],
        "problem_rows": [],
    }
    if outcome.needed is not None:
        layout = outcome.needed.layout
        return {**payload, "stage": "mapping", "message": outcome.needed.message, "format": layout.format,
                "header": layout.sections[0].header if layout.sections else [], "layout": layout.to_json(),
                "needs_mapping": True}
    result = outcome.result
    layout = result.layout
    headers: dict[tuple[str, ...], int] = {}
    problems = []
    for problem in result.problem_rows:
        index = headers.setdefault(problem.header, len(headers))
        problems.append({"row": problem.row, "sheet": problem.sheet, "header": index, "cells": list(problem.cells),
                         "reasons": list(problem.reasons)})
    return {
        **payload,
        "stage": "preview",
        "format": layout.format if layout else "",
        "header": layout.sections[0].header if layout and layout.sections else [],
        "layout": layout.to_json() if layout else None,
        # type values nobody could read: offer the mapping step first
        "needs_mapping": bool(layout and layout.unknown_type_values),
        "records": [_record_json(record) for record in result.records],
        "errors": [_row_error_json(error) for error in result.errors],
        "warnings": [_row_error_json(warning) for warning in result.warnings],
        "skipped_unsupported": [{"row": item.row, "type": item.type, "sheet": item.sheet}
                                for item in result.skipped_unsupported],
        "duplicates": [{"row": item.row, "first_row": item.first_row, "sheet": item.sheet,
                        "first_sheet": item.first_sheet} for item in result.duplicates],
        "unknown_columns": list(result.unknown_columns),
        "problem_headers": [list(header) for header in headers],
        "problem_rows": problems,
    }


def upload_health(records: list[QuestionRecord]) -> dict:
    """The 题库体检 of an upload's questions, kept with it: figures, thresholds and warnings by
    row (a warning's ``file`` is the row's sheet).  It never blocks the import."""
    return check_bank([replace(record, file=record.sheet) for record in records], editions=bank_editions()).to_dict()


def with_health(payload: dict, *, force: bool = False) -> dict:
    """The payload with its 题库体检 added, when it is small enough to check now (or ``force``).

    Only uploads kept for a preview get it (web upload and mapping step, the API's preview),
    before the write lock is taken; a one-step import (API, CLI) shows no preview and skips it.
    """
    if payload.get("stage") != "preview" or payload.get("health") is not None:
        return payload
    records = records_of_payload(payload)
    if not force and len(records) > HEALTH_INLINE_LIMIT:
        return payload
    return {**payload, "health": upload_health(records)}


def parse_question_upload(filename: str, data: bytes, *, mapping: ColumnMapping | None = None) -> dict:
    """Read and check a file (no database writes); returns the payload to keep (one step, API preview).

    Raises question_bank.FileRejected when the file as a whole is unusable, MappingNeeded
    (a FileRejected) when its columns cannot be told even with the remembered mapping.
    """
    source = QuestionSource(filename, data)
    outcome = read_question_source(source, mapping)
    if outcome.needed is not None:
        raise outcome.needed
    return upload_payload(outcome, source)


def _counts(payload: dict) -> tuple[int, int]:
    """(row_count, error_count) of a payload: good rows plus rows with errors; every error."""
    error_rows = {(error["sheet"], error["row"]) for error in payload["errors"] if error["row"]}
    return len(payload["records"]) + len(error_rows), len(payload["errors"])


def store_question_upload(owner: User, filename: str, payload: dict, now: datetime, *,
                          source: QuestionSource | None = None) -> PendingImport:
    """Keep a read upload for the preview; with ``source``, the file too (for the mapping step)."""
    row_count, error_count = _counts(payload)
    return store_pending_import(owner, KIND, filename, payload, now, row_count=row_count, error_count=error_count,
                                source=source.data if source is not None else None)


def source_of(pending: PendingImport) -> QuestionSource | None:
    """The upload kept with a pending import (None when it was not kept: the API's preview)."""
    if pending.source is None:
        return None
    return QuestionSource(pending.filename, pending.source, pasted=bool(pending.payload.get("pasted")))


def remap_question_upload(pending: PendingImport, mapping: ColumnMapping) -> dict:
    """Read the kept upload again with a mapping (an empty one: as it is); the new payload.

    No database writes; raises FileRejected when the upload, read this way, is unusable.
    """
    source = source_of(pending)
    if source is None:
        raise ValidationFailed("此次导入没有保留原文件，请重新上传", code="source_missing")
    return upload_payload(read_question_source(source, mapping, use_remembered=False), source)


def update_question_upload(pending: PendingImport, payload: dict, now: datetime) -> PendingImport:
    """Keep the upload as read again (the mapping step); flushes."""
    row_count, error_count = _counts(payload)
    return replace_pending_payload(pending, payload, now, row_count=row_count, error_count=error_count)


def mappable(pending: PendingImport) -> bool:
    """Whether the mapping step can be offered: the file is kept and has a header row to map."""
    payload = pending.payload
    if payload.get("stage") == "mapping":
        return True
    layout = payload.get("layout") or {}
    return pending.source is not None and any(section["header_row"] for section in layout.get("sections", []))


# ---------------------------------------------------------------- preview


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
    sheet: str = ""
    #: the 题库体检's warnings about this question (dicts of HealthWarning.to_dict())
    health: list[dict] = field(default_factory=list)


@dataclass
class PreviewPage:
    """One page of the preview table, filtered by status."""

    rows: list[PreviewRow]
    number: int
    pages: int
    show: str
    total: int
    page_size: int = PREVIEW_PAGE_SIZE


@dataclass
class QuestionImportPreview:
    filename: str
    header: list[str]
    rows: list[PreviewRow]
    file_errors: list[RowError]
    errors: list[RowError]
    warnings: list[RowError] = field(default_factory=list)
    skipped_unsupported: list[UnsupportedRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    new_count: int = 0
    duplicate_count: int = 0
    changed_count: int = 0
    error_row_count: int = 0
    #: "given", "remembered" or ""
    mapping_source: str = ""
    mapping: dict | None = None
    format: str = ""
    can_remap: bool = False
    #: the file has several sheets (or Word tables): rows say which one they are from
    show_sheets: bool = False
    #: the 题库体检 of the upload (HealthReport.to_dict()), None until it has been run
    health: dict | None = None
    #: questions in the upload (the health check of a large one is run on request)
    record_count: int = 0

    @property
    def health_warnings(self) -> list[dict]:
        """Warnings about the upload as a whole (thresholds, balance)."""
        return [w for w in (self.health or {}).get("warnings", []) if not w["row"]]

    @property
    def good_count(self) -> int:
        """Rows that can be imported (new questions and duplicates of bank questions)."""
        return self.new_count + self.duplicate_count

    @property
    def can_confirm(self) -> bool:
        """All or nothing: no problem at all, and something to import."""
        return not self.errors and self.good_count > 0

    @property
    def can_skip_invalid(self) -> bool:
        """Partial import: rows have problems, the header does not, and some rows are good."""
        return bool(self.errors) and not self.file_errors and self.good_count > 0

    @property
    def has_problem_rows(self) -> bool:
        return self.error_row_count > 0

    def page(self, number: int = 1, show: str = "all") -> PreviewPage:
        show = show if show in PREVIEW_SHOW else "all"
        rows = self.rows if show == "all" else [row for row in self.rows if row.status == show]
        pages = max(1, math.ceil(len(rows) / PREVIEW_PAGE_SIZE))
        number = min(max(1, number), pages)
        start = (number - 1) * PREVIEW_PAGE_SIZE
        return PreviewPage(rows[start : start + PREVIEW_PAGE_SIZE], number, pages, show, len(rows))


def records_of_payload(payload: dict) -> list[QuestionRecord]:
    return [_record_from_json(data) for data in payload["records"]]


def records_of(pending: PendingImport) -> list[QuestionRecord]:
    return records_of_payload(pending.payload)


def _row_errors(payload: dict, name: str = "errors") -> list[RowError]:
    return [RowError(e["row"], e["column"], e["message"], sheet=e.get("sheet", "")) for e in payload.get(name, [])]


def build_question_preview(pending: PendingImport) -> QuestionImportPreview:
    """Every row as it will be imported, every problem and warning, and duplicates against the bank now."""
    payload = pending.payload
    records = records_of(pending)
    errors = _row_errors(payload)
    existing = find_duplicates(records)
    rows: list[PreviewRow] = []
    counts = {"new": 0, "duplicate": 0, "changed": 0}
    health = payload.get("health")
    health_by_row: dict[tuple[str, int], list[dict]] = {}
    for warning in (health or {}).get("warnings", []):
        if warning["row"]:
            health_by_row.setdefault((warning["file"], warning["row"]), []).append(warning)
    for record in records:
        question: Question | None = existing.get(duplicate_key(record))
        found = health_by_row.get((record.sheet, record.row), [])
        if question is None:
            rows.append(PreviewRow(record.row, "new", record, sheet=record.sheet, health=found))
            counts["new"] += 1
            continue
        same = question_to_record(question, row=record.row) == record
        rows.append(PreviewRow(record.row, "duplicate", record, existing_id=question.id, changed=not same,
                               sheet=record.sheet, health=found))
        counts["duplicate"] += 1
        counts["changed"] += int(not same)
    by_row: dict[tuple[str, int], list[RowError]] = {}
    for error in errors:
        if error.row:
            by_row.setdefault((error.sheet, error.row), []).append(error)
    cells = {(problem["sheet"], problem["row"]): problem["cells"] for problem in payload.get("problem_rows", [])}
    for (sheet, number), row_errors in by_row.items():
        rows.append(PreviewRow(number, "error", cells=cells.get((sheet, number), []), errors=row_errors, sheet=sheet))
    sheets: dict[str, int] = {}
    for section in (payload.get("layout") or {}).get("sections", []):
        sheets.setdefault(section["sheet"], len(sheets))
    rows.sort(key=lambda item: (sheets.get(item.sheet, len(sheets)), item.row))
    return QuestionImportPreview(
        filename=pending.filename,
        header=payload["header"],
        rows=rows,
        file_errors=[error for error in errors if not error.row],
        errors=errors,
        warnings=_row_errors(payload, "warnings"),
        skipped_unsupported=[UnsupportedRow(item["row"], item["type"], item["sheet"])
                             for item in payload.get("skipped_unsupported", [])],
        duplicates=[DuplicateRow(item["row"], item["first_row"], item["sheet"], item["first_sheet"])
                    for item in payload.get("duplicates", [])],
        unknown_columns=list(payload.get("unknown_columns", [])),
        new_count=counts["new"],
        duplicate_count=counts["duplicate"],
        changed_count=counts["changed"],
        error_row_count=len(by_row),
        mapping_source=payload.get("mapping_source", ""),
        mapping=payload.get("mapping"),
        format=payload.get("format", ""),
        can_remap=mappable(pending),
        show_sheets=len(sheets) > 1,
        health=health,
        record_count=len(records),
    )


def problem_rows_of(payload: dict) -> list[ProblemRow]:
    headers = [tuple(header) for header in payload.get("problem_headers", [])]
    return [ProblemRow(row=item["row"], sheet=item["sheet"], header=headers[item["header"]], cells=tuple(item["cells"]),
                       reasons=tuple(item["reasons"])) for item in payload.get("problem_rows", [])]


def problem_rows_file(pending: PendingImport) -> bytes:
    """The rows with problems as they were, plus 错误原因: an .xlsx to fix and upload again."""
    return problem_rows_xlsx(problem_rows_of(pending.payload))


# ---------------------------------------------------------------- importing


def file_errors(payload: dict) -> list[dict]:
    """Every problem of a parsed upload, as {"row", "column", "message"}."""
    return [{"row": e["row"], "column": e["column"], "message": e["message"]} for e in payload["errors"]]


def report_lists(payload: dict) -> dict:
    """What an import leaves out and warns about, as the API reports it."""
    return {
        "skipped_unsupported": [{"row": item["row"], "type": item["type"], "sheet": item["sheet"]}
                                for item in payload.get("skipped_unsupported", [])],
        "warnings": [{"row": w["row"], "column": w["column"], "message": w["message"]}
                     for w in payload.get("warnings", [])],
    }


def error_row_count(payload: dict) -> int:
    return len({(error["sheet"], error["row"]) for error in payload["errors"] if error["row"]})


def import_records(records: list[QuestionRecord], filename: str, on_duplicate: str, actor: User | None,
                   now: datetime, *, skipped_invalid: int = 0, skipped_unsupported: int = 0) -> ImportSummary:
    """Write the records (duplicates skipped or updated) and audit it: the last step of every import."""
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        raise ValidationFailed("请选择重复题目的处理方式", field="on_duplicate")
    summary = import_question_records(records, on_duplicate=on_duplicate)
    summary.skipped_invalid = skipped_invalid
    summary.skipped_unsupported = skipped_unsupported
    text = f"从“{filename}”导入题目：新增 {summary.imported}，更新 {summary.updated}，跳过重复 {summary.skipped_duplicates}"
    if skipped_invalid:
        text += f"，跳过有问题的 {skipped_invalid} 行"
    record_audit(
        actor, "question.import", "question", None, text, now,
        {"file": filename, "imported": summary.imported, "updated": summary.updated,
         "skipped_duplicates": summary.skipped_duplicates, "skipped_invalid": skipped_invalid,
         "skipped_unsupported": skipped_unsupported, "on_duplicate": on_duplicate},
    )
    return summary


def refuse_if_invalid(payload: dict, *, skip_invalid: bool = False) -> None:
    """The import rule: a file with any problem imports nothing (the problems go with the error).

    With ``skip_invalid`` (an explicit choice) the rows with problems are left out instead,
    unless the header itself has a problem or no row is left to import.
    """
    errors = file_errors(payload)
    if not errors:
        return
    if not skip_invalid:
        raise ValidationFailed("文件中有错误，未导入任何题目", code="invalid_file", errors=errors)
    if any(not error["row"] for error in errors):
        raise ValidationFailed("文件的表头有问题，不能跳过，请修改后重新上传；未导入任何题目", code="invalid_file",
                               errors=errors)
    if not payload["records"]:
        raise ValidationFailed("文件中没有可导入的题目（每一行都有问题）；未导入任何题目", code="invalid_file",
                               errors=errors)


def import_parsed(payload: dict, filename: str, on_duplicate: str, actor: User | None, now: datetime, *,
                  skip_invalid: bool = False) -> ImportSummary:
    """One step (the API's one-shot import, the CLI): refuse a file with problems (or skip its bad
    rows, when asked), else import it."""
    refuse_if_invalid(payload, skip_invalid=skip_invalid)
    return import_records(records_of_payload(payload), filename, on_duplicate, actor, now,
                          skipped_invalid=error_row_count(payload),
                          skipped_unsupported=len(payload.get("skipped_unsupported", [])))


def confirm_question_import(
    pending: PendingImport, records: list[QuestionRecord], on_duplicate: str, actor: User, now: datetime, *,
    skip_invalid: bool = False,
) -> ImportSummary:
    """Two steps (web, API): write every previewed record, or none; duplicates skipped or updated.

    With ``skip_invalid`` the previewed rows with problems are left out and the rest imported.
    """
    if on_duplicate not in ON_DUPLICATE_CHOICES:
        raise ValidationFailed("请选择重复题目的处理方式", field="on_duplicate")
    payload = pending.payload
    if payload.get("stage") == "mapping":
        raise ValidationFailed("请先完成列映射，再确认导入", code="mapping_needed")
    if pending.error_count and not skip_invalid:
        raise ValidationFailed("文件中有错误，请修改后重新上传（或选择跳过有问题的行）；未导入任何题目",
                               code="invalid_file", errors=file_errors(payload))
    refuse_if_invalid(payload, skip_invalid=skip_invalid)
    summary = import_records(records, pending.filename, on_duplicate, actor, now,
                             skipped_invalid=error_row_count(payload),
                             skipped_unsupported=len(payload.get("skipped_unsupported", [])))
    discard_pending_import(pending)
    return summary
