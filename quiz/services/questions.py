"""Putting parsed question records into the bank."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from question_bank import QuestionRecord, normalize_stem

from ..extensions import db
from ..models import Category, Question

#: Question.stem_key is a String(255): PostgreSQL refuses longer values (stems may have 2,000 characters).
STEM_KEY_LENGTH = 255


def stem_key(stem: str) -> str:
    """The duplicate-detection key of a stem, cut to fit its column."""
    return normalize_stem(stem)[:STEM_KEY_LENGTH]


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    skipped_duplicates: int = 0


def get_or_create_category(name: str, cache: dict[str, Category] | None = None) -> Category:
    name = name.strip() or "未分类"
    if cache is not None and name in cache:
        return cache[name]
    category = db.session.scalar(select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name)
        db.session.add(category)
        db.session.flush()
    if cache is not None:
        cache[name] = category
    return category


def find_duplicates(records: list[QuestionRecord]) -> dict[tuple[str, str], Question]:
    """Existing questions keyed by (type, normalised stem) that the records would duplicate."""
    keys = {stem_key(record.stem) for record in records}
    found: dict[tuple[str, str], Question] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), 500):  # keep IN lists small for both databases
        chunk = key_list[start : start + 500]
        for question in db.session.scalars(select(Question).where(Question.stem_key.in_(chunk))):
            found[(question.type, question.stem_key)] = question
    return found


def apply_record(question: Question, record: QuestionRecord, category: Category) -> None:
    """Copy a parsed record onto a question (new or existing)."""
    question.category = category
    question.type = record.type
    question.stem = record.stem
    question.stem_key = stem_key(record.stem)
    question.options = list(record.options)
    question.correct = list(record.correct)
    question.explanation = record.explanation
    question.difficulty = record.difficulty
    question.points = record.points
    question.source = record.source


def import_question_records(records: list[QuestionRecord], *, on_duplicate: str = "skip") -> ImportSummary:
    """Add the records to the bank; duplicates (same type and stem) are skipped or updated.

    The caller has already checked that the records parsed without errors; this only
    writes, so the transaction stays short.
    """
    if on_duplicate not in ("skip", "update"):
        raise ValueError(on_duplicate)
    summary = ImportSummary()
    existing = find_duplicates(records)
    categories: dict[str, Category] = {}
    for record in records:
        key = (record.type, stem_key(record.stem))
        category = get_or_create_category(record.category, categories)
        question = existing.get(key)
        if question is not None:
            if on_duplicate == "update":
                apply_record(question, record, category)
                summary.updated += 1
            else:
                summary.skipped_duplicates += 1
            continue
        question = Question()
        apply_record(question, record, category)
        db.session.add(question)
        existing[key] = question
        summary.imported += 1
    db.session.flush()
    return summary


def category_counts() -> list[tuple[Category, int]]:
    """Every category with its number of active questions."""
    rows = db.session.execute(
        select(Category, func.count(Question.id))
        .outerjoin(Question, (Question.category_id == Category.id) & Question.is_active.is_(True))
        .group_by(Category.id)
        .order_by(Category.name)
    )
    return [(category, count) for category, count in rows]
