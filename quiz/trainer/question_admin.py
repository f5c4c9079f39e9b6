"""Managing the bank by hand: search, create, edit, deactivate or delete questions; categories.

Validation of a question goes through ``question_bank`` (the same rules as an uploaded
file), so a question typed into the form and one read from Excel are checked alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from question_bank import (
    QUESTION_TYPES,
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    QuestionRecord,
    answer_letters,
    duplicate_key,
    parse_question_rows,
)
from question_bank.model import MAX_CATEGORY_LENGTH, OPTION_HEADERS

from ..params import as_database_id
from ..errors import Conflict, ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import AttemptQuestion, Category, Question, Quiz, QuizRule, User
from ..services.audit import field_changes, record_audit
from ..services.questions import apply_record, stem_key

QUESTION_FIELDS = ("type", "stem", "options", "correct", "explanation", "category", "difficulty", "points", "source")


class QuestionInvalid(ValidationFailed):
    """The question breaks the bank's rules; ``errors`` maps template column -> messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0]
        super().__init__(first, code="invalid_question", errors=errors)
        self.errors = errors


@dataclass(frozen=True)
class QuestionFilter:
    """Search and filters of the bank list; None means "any"."""

    q: str = ""
    category_id: int | None = None
    type: str | None = None
    difficulty: int | None = None
    active: bool | None = None


def question_query(filters: QuestionFilter) -> Select:
    """Questions matching the filters, newest first."""
    query = select(Question)
    text = (filters.q or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions = [Question.stem.ilike(pattern, escape="\\")]
        if (question_id := as_database_id(text)) is not None:
            conditions.append(Question.id == question_id)
        query = query.where(or_(*conditions))
    if filters.category_id is not None:
        query = query.where(Question.category_id == filters.category_id)
    if filters.type:
        query = query.where(Question.type == filters.type)
    if filters.difficulty is not None:
        query = query.where(Question.difficulty == filters.difficulty)
    if filters.active is not None:
        query = query.where(Question.is_active.is_(filters.active))
    return query.order_by(Question.id.desc())


def get_question(question_id: int) -> Question:
    return get_or_not_found(Question, question_id, "题目不存在", "question_not_found")


def question_to_record(question: Question, row: int = 0) -> QuestionRecord:
    """The question as a template row (what an export writes and an import reads)."""
    options = TRUE_FALSE_OPTIONS if question.type == "true_false" else tuple(question.options)
    return QuestionRecord(
        row=row,
        type=question.type,
        stem=question.stem,
        options=tuple(options),
        correct=tuple(sorted(question.correct)),
        explanation=question.explanation or "",
        category=question.category.name,
        difficulty=question.difficulty,
        points=question.points,
        source=question.source or "",
    )


def record_cells(record_fields: dict) -> list[str]:
    """Template-ordered cells from form values (type label, stem, options A-H, answer ...)."""
    return [str(record_fields.get(name, "") or "") for name in TEMPLATE_HEADERS]


def check_question(fields: dict[str, str]) -> QuestionRecord:
    """Validate a question given as template columns ("题型", "题干", "选项A" ... "答案").

    Raises QuestionInvalid with every problem keyed by column.
    """
    result = parse_question_rows(TEMPLATE_HEADERS, [(1, record_cells(fields))])
    if result.errors:
        errors: dict[str, list[str]] = {}
        for error in result.errors:
            errors.setdefault(error.column or "题干", []).append(error.message)
        raise QuestionInvalid(errors)
    return result.records[0]


def record_columns(record: QuestionRecord) -> dict[str, str]:
    """The inverse of check_question: a record as template columns."""
    columns = {"题型": QUESTION_TYPES[record.type], "题干": record.stem}
    if record.type == "true_false":
        columns["答案"] = TRUE_FALSE_OPTIONS[record.correct[0]]
    else:
        for name, option in zip(OPTION_HEADERS, record.options):
            columns[name] = option
        columns["答案"] = answer_letters(record.correct)
    columns.update(
        {
            "解析": record.explanation,
            "分类": record.category,
            "难度": str(record.difficulty),
            "分值": str(record.points),
            "出处": record.source,
        }
    )
    return columns


def find_bank_duplicate(record: QuestionRecord, exclude_id: int | None = None) -> Question | None:
    """A question of the bank that is the same question (question_bank.duplicate_key: type,
    normalised stem and set of options), found among those with the same stem_key."""
    query = select(Question).where(Question.type == record.type, Question.stem_key == stem_key(record.stem))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    key = duplicate_key(record)
    return next((question for question in db.session.scalars(query.order_by(Question.id))
                 if duplicate_key(question) == key), None)


def _category_for(name: str, actor: User | None, now: datetime) -> Category:
    category = db.session.scalar(select(Category).where(Category.name == name))
    if category is None:
        category = create_category(name, actor, now)
    return category


def _question_values(question: Question) -> dict:
    return {
        "type": question.type,
        "stem": question.stem,
        "options": list(question.options or []),
        "correct": list(question.correct or []),
        "explanation": question.explanation,
        "category": question.category.name if question.category else None,
        "difficulty": question.difficulty,
        "points": question.points,
        "source": question.source,
    }


def create_question(record: QuestionRecord, actor: User, now: datetime) -> Question:
    """Add a checked question; the same question (type, stem and options) may not exist twice."""
    duplicate = find_bank_duplicate(record)
    if duplicate is not None:
        raise Conflict(f"题库中已有相同的题目（#{duplicate.id}）", code="duplicate_question", field="题干")
    question = Question(created_at=now, updated_at=now)
    apply_record(question, record, _category_for(record.category, actor, now))
    db.session.add(question)
    db.session.flush()
    record_audit(actor, "question.create", "question", question.id, f"新增题目 #{question.id}：{record.stem[:60]}", now,
                 {"after": _question_values(question)})
    return question


def update_question(question: Question, record: QuestionRecord, actor: User, now: datetime) -> dict:
    """Change a question; attempts keep the copy they were drawn with.  Returns the changes."""
    duplicate = find_bank_duplicate(record, exclude_id=question.id)
    if duplicate is not None:
        raise Conflict(f"题库中已有相同的题目（#{duplicate.id}）", code="duplicate_question", field="题干")
    before = _question_values(question)
    apply_record(question, record, _category_for(record.category, actor, now))
    changes = field_changes(before, _question_values(question))
    if changes:
        question.updated_at = now
        db.session.flush()
        record_audit(actor, "question.update", "question", question.id, f"修改题目 #{question.id}：{question.stem[:60]}",
                     now, changes)
    return changes


@dataclass
class QuestionUsage:
    attempt_count: int = 0
    quizzes: list[Quiz] = field(default_factory=list)

    @property
    def in_use(self) -> bool:
        return bool(self.attempt_count or self.quizzes)


def question_usage(question: Question) -> QuestionUsage:
    """How many attempts drew the question, and which quizzes pin it (fixed papers)."""
    attempt_count = db.session.scalar(
        select(func.count(AttemptQuestion.id)).where(AttemptQuestion.question_id == question.id)
    ) or 0
    quizzes = list(
        db.session.scalars(
            select(Quiz).join(QuizRule, QuizRule.quiz_id == Quiz.id).where(QuizRule.question_id == question.id)
            .distinct().order_by(Quiz.id)
        )
    )
    return QuestionUsage(attempt_count, quizzes)


def set_question_active(question: Question, active: bool, actor: User, now: datetime) -> None:
    """Deactivated questions are no longer drawn at random; attempts and fixed papers keep them."""
    if question.is_active == active:
        return
    question.is_active = active
    question.updated_at = now
    db.session.flush()
    action = "question.activate" if active else "question.deactivate"
    verb = "启用" if active else "停用"
    record_audit(actor, action, "question", question.id, f"{verb}题目 #{question.id}：{question.stem[:60]}", now,
                 {"is_active": [not active, active]})


def delete_question(question: Question, actor: User, now: datetime) -> None:
    """Delete a question nobody has answered and no quiz pins; otherwise it can only be deactivated."""
    usage = question_usage(question)
    if usage.attempt_count:
        raise Conflict(f"该题已出现在 {usage.attempt_count} 份答卷中，不能删除，只能停用", code="question_in_use")
    if usage.quizzes:
        titles = "、".join(f"“{quiz.title}”" for quiz in usage.quizzes[:3])
        raise Conflict(f"该题是测验{titles}的固定题目，不能删除，只能停用", code="question_in_use")
    values = _question_values(question)
    question_id = question.id
    db.session.delete(question)
    db.session.flush()
    record_audit(actor, "question.delete", "question", question_id, f"删除题目 #{question_id}：{values['stem'][:60]}",
                 now, {"before": values})


# ---------------------------------------------------------------- categories


def _check_category_name(name: str, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("分类名称不能为空", field="name")
    if len(name) > MAX_CATEGORY_LENGTH:
        raise ValidationFailed(f"分类名称不能超过 {MAX_CATEGORY_LENGTH} 个字", field="name")
    query = select(Category.id).where(Category.name == name)
    if exclude_id is not None:
        query = query.where(Category.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"分类“{name}”已存在", code="category_exists", field="name")
    return name


def create_category(name: str, actor: User | None, now: datetime) -> Category:
    name = _check_category_name(name)
    category = Category(name=name, created_at=now)
    db.session.add(category)
    db.session.flush()
    record_audit(actor, "category.create", "category", category.id, f"新增分类“{name}”", now)
    return category


def rename_category(category: Category, name: str, actor: User, now: datetime) -> None:
    name = _check_category_name(name, exclude_id=category.id)
    if name == category.name:
        return
    old = category.name
    category.name = name
    db.session.flush()
    record_audit(actor, "category.rename", "category", category.id, f"分类“{old}”重命名为“{name}”", now,
                 {"name": [old, name]})


def category_choices() -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in db.session.execute(select(Category.id, Category.name).order_by(Category.name))]


def bank_counts() -> dict[str, int]:
    """Active and inactive questions, and categories."""
    active, inactive = db.session.execute(
        select(
            func.count(Question.id).filter(Question.is_active.is_(True)),
            func.count(Question.id).filter(Question.is_active.is_(False)),
        )
    ).one()
    categories = db.session.scalar(select(func.count(Category.id))) or 0
    return {"active": active, "inactive": inactive, "categories": categories}
