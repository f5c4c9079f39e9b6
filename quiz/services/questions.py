"""Putting parsed question records into the bank."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from question_bank import QuestionRecord, duplicate_key, normalize_stem

from ..extensions import db
from ..models import Category, Question

#: Question.stem_key is a String(255): PostgreSQL refuses longer values (stems may have 2,000 characters).
STEM_KEY_LENGTH = 255


def stem_key(stem: str) -> str:
    """The normalised stem cut to fit its column: the indexed prefilter of duplicate detection
    (the duplicate rule itself is question_bank.duplicate_key)."""
    return normalize_stem(stem)[:STEM_KEY_LENGTH]


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    skipped_duplicates: int = 0
    #: rows left out on purpose by a partial import (they had errors)
    skipped_invalid: int = 0
    #: rows of question types the platform does not hold (简答, 填空 ...)
    skipped_unsupported: int = 0


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


def find_duplicates(records: list[QuestionRecord]) -> dict[str, Question]:
    """Existing questions the records would duplicate, keyed by question_bank.duplicate_key.

    The same question is the same type, normalised stem and set of options: two questions
    that share a generic stem ("以下说法中正确的是（ ）") are different.  The indexed stem_key
    column narrows the candidates first.
    """
    wanted = {duplicate_key(record) for record in records}
    keys = list({stem_key(record.stem) for record in records})
    found: dict[str, Question] = {}
    for start in range(0, len(keys), 500):  # keep IN lists small for both databases
        chunk = keys[start : start + 500]
        for question in db.session.scalars(select(Question).where(Question.stem_key.in_(chunk))
                                           .order_by(Question.id)):
            key = duplicate_key(question)
            if key in wanted:
                found.setdefault(key, question)
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
    """Add the records to the bank; duplicates (question_bank.duplicate_key) are skipped or updated.

    The caller has already checked that the records parsed without errors; this only
    writes, so the transaction stays short.
    """
    if on_duplicate not in ("skip", "update"):
        raise ValueError(on_duplicate)
    summary = ImportSummary()
    existing = find_duplicates(records)
    categories: dict[str, Category] = {}
    for record in records:
        key = duplicate_key(record)
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
