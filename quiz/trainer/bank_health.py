"""题库体检 of the questions in the database: the trainer page, `flask check-bank`, the upload
preview and item analysis all call these, and the checks themselves live in
``question_bank.health`` (plain Python)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from question_bank.health import (
    Edition,
    HealthReport,
    HealthWarning,
    check_bank,
    load_editions,
    questions_citing,
)

from ..errors import ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import Question, SupersededEdition, User
from ..services.audit import record_audit
from .question_admin import question_to_record

#: The trainer page lists this many warnings; the workbook download has all of them.
PAGE_WARNINGS = 300


@dataclass(frozen=True)
class BankScope:
    """Which questions of the bank are checked (the page's filters)."""

    category_id: int | None = None
    include_inactive: bool = False


def bank_questions(scope: BankScope = BankScope()) -> list[Question]:
    query = select(Question).options(selectinload(Question.category)).order_by(Question.id)
    if not scope.include_inactive:
        query = query.where(Question.is_active.is_(True))
    if scope.category_id is not None:
        query = query.where(Question.category_id == scope.category_id)
    return list(db.session.scalars(query))


def records_of_questions(questions: Iterable[Question]):
    """Questions as records whose row is the question id, so every warning points at a question."""
    return [question_to_record(question, row=question.id) for question in questions]


def check_question_bank(scope: BankScope = BankScope()) -> tuple[list[Question], HealthReport]:
    """The health check of the bank as it is now (active questions unless the scope says otherwise),
    with the questions it looked at."""
    questions = bank_questions(scope)
    return questions, check_bank(records_of_questions(questions), editions=bank_editions())


def questions_citing_reference(reference: str, questions: Sequence[Question]) -> list[Question]:
    """Those of the questions whose 出处 cites this law or standard ("GB 2894" any edition,
    "GB 2894-2008" that one): the list to review when it is revised."""
    by_id = {question.id: question for question in questions}
    return [by_id[record.row] for record in questions_citing(records_of_questions(questions), reference)]


def paper_health(questions: Sequence[Question]) -> dict[int, list[HealthWarning]]:
    """Per-question warnings for the questions of one paper (item analysis shows them beside the
    answer statistics); near-duplicates are searched among these questions, the paper's own."""
    if not questions:
        return {}
    report = check_bank(records_of_questions(questions), editions=bank_editions())
    return {question.id: report.warnings_for(question.id) for question in questions}


def warning_rows(report: HealthReport, questions: dict[int, Question]) -> list[list]:
    """The warnings as workbook rows: 题号, 问题, 说明, 分类, 题干, 相关题号."""
    rows = []
    for warning in report.warnings:
        question = questions.get(warning.row)
        rows.append([
            warning.row or "",
            warning.label,
            warning.message,
            question.category.name if question else "",
            question.stem if question else "（整个题库）",
            "、".join(str(row) for _file, row in warning.related),
        ])
    return rows


WARNING_HEADERS = ("题号", "问题", "说明", "分类", "题干", "相关题号")


# ---------------------------------------------------------------- the editions table


def added_editions() -> list[SupersededEdition]:
    return list(db.session.scalars(select(SupersededEdition).order_by(SupersededEdition.id)))


def bank_editions() -> list[Edition]:
    """The editions table the checks use: the shipped one plus the trainers' additions."""
    return load_editions() + [Edition(row.superseded, row.current, row.effective, row.note)
                              for row in added_editions()]


_SPACES = re.compile(r"\s+")


def _clean(text: str | None, limit: int, field: str, label: str, *, required: bool) -> str:
    value = _SPACES.sub(" ", text or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 个字符", field=field)
    return value


def add_superseded_edition(superseded: str, current: str, effective: str, note: str, actor: User | None,
                           now: datetime) -> SupersededEdition:
    """Add a replaced law, standard, clause or name to the editions table (audited; flushes).

    Refused when either side is blank, the date is not a date, or the old edition is already
    listed (shipped or added): the table says one thing about each edition.
    """
    superseded = _clean(superseded, 200, "superseded", "旧版本", required=True)
    current = _clean(current, 200, "current", "现行版本", required=True)
    effective = _clean(effective, 20, "effective", "实施日期", required=False)
    note = _clean(note, 200, "note", "说明", required=False)
    if effective:
        try:
            effective = date.fromisoformat(effective).isoformat()
        except ValueError:
            raise ValidationFailed("实施日期应为 2026-03-01 这样的日期", field="effective") from None
    if superseded == current:
        raise ValidationFailed("旧版本和现行版本不能相同", field="current")
    listed = {edition.superseded.replace(" ", "").casefold() for edition in bank_editions()}
    if superseded.replace(" ", "").casefold() in listed:
        raise ValidationFailed(f"“{superseded}”已在版本替代表中", field="superseded")
    row = SupersededEdition(superseded=superseded, current=current, effective=effective, note=note,
                            created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "edition.create", "edition", row.id, f"{superseded} → {current}", now,
                 {"superseded": superseded, "current": current, "effective": effective, "note": note})
    return row


def delete_superseded_edition(edition_id: int, actor: User | None, now: datetime) -> None:
    """Remove a trainer's addition (the shipped rows are part of the release and stay)."""
    row = get_or_not_found(SupersededEdition, edition_id, "这条版本替代记录不存在", "edition_not_found")
    record_audit(actor, "edition.delete", "edition", row.id, f"{row.superseded} → {row.current}", now,
                 {"superseded": row.superseded, "current": row.current})
    db.session.delete(row)
    db.session.flush()
