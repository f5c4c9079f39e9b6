"""The quiz builder: settings, draw rules and fixed papers, checks against the bank, publishing, versions.

A fixed paper is a quiz whose rules each pin one question (``RuleSpec.question_id``);
pinned rules and random rules can be mixed, pinned ones first, in the order given.
Once a quiz has attempts its rules and scoring are frozen: the trainer may still edit
its title, window and attempt limits, or create a new version to change the rest.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..errors import Conflict, InsufficientQuestions, ValidationFailed
from ..extensions import db
from ..models import REVIEW_POLICIES, SCORING_POLICIES, Attempt, Category, Question, Quiz, QuizRule, User
from . import quizzes
from .audit import field_changes, record_audit
from .quizzes import MAX_QUESTIONS_PER_QUIZ, MAX_TIME_LIMIT_SECONDS, RuleSpec

#: settings that decide what is asked and how it is scored: frozen once attempts exist
FROZEN_SETTINGS = ("time_limit_seconds", "pass_score", "multiple_choice_scoring", "shuffle_questions", "shuffle_options")

SETTING_LABELS = {
    "title": "标题",
    "description": "说明",
    "time_limit_seconds": "答题时长",
    "opens_at": "开始时间",
    "closes_at": "结束时间",
    "max_attempts": "总答题次数",
    "max_attempts_per_day": "每日答题次数",
    "pass_score": "及格分",
    "shuffle_questions": "题目乱序",
    "shuffle_options": "选项乱序",
    "multiple_choice_scoring": "多选题计分",
    "review_policy": "答案解析公布",
    "rules": "抽题规则",
}


class QuizFrozen(Conflict):
    status, code, message = 409, "quiz_frozen", "该测验已有答卷，抽题规则和计分设置已冻结"


@dataclass
class QuizSettings:
    """Everything about a quiz except its rules."""

    title: str
    time_limit_seconds: int
    description: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_attempts: int | None = 1
    max_attempts_per_day: int | None = None
    pass_score: float = 0
    shuffle_questions: bool = True
    shuffle_options: bool = False
    multiple_choice_scoring: str = "all_or_nothing"
    review_policy: str = "immediate"

    @classmethod
    def of(cls, quiz: Quiz) -> QuizSettings:
        return cls(**{name: getattr(quiz, name) for name in cls.__dataclass_fields__})


def rule_specs_of(quiz: Quiz) -> list[RuleSpec]:
    return [
        RuleSpec(count=rule.count, category_id=rule.category_id, type=rule.type, difficulty=rule.difficulty,
                 points=rule.points, question_id=rule.question_id)
        for rule in quiz.rules
    ]


def attempt_count(quiz: Quiz) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) or 0


def is_frozen(quiz: Quiz) -> bool:
    return attempt_count(quiz) > 0


# ---------------------------------------------------------------- rule checks


@dataclass
class RuleCheck:
    number: int
    spec: RuleSpec
    description: str
    available: int
    #: this rule's problem in Chinese, None when it is fine
    problem: str | None = None


@dataclass
class RulesCheck:
    """What the rules would give: totals, per-rule availability, and the problems found."""

    rules: list[RuleCheck] = field(default_factory=list)
    question_count: int = 0
    max_score: float = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rules)


def check_rules(specs: list[RuleSpec]) -> RulesCheck:
    """Check rules against the active bank without raising (for live totals and form errors)."""
    result = RulesCheck(question_count=sum(spec.count for spec in specs))
    if not specs:
        result.problems.append("至少需要一条抽题规则或一道固定题目")
        return result
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    for number, spec in enumerate(specs, start=1):
        available = len(quizzes.candidate_ids(spec))
        check = RuleCheck(number, spec, spec.describe(names), available)
        if spec.category_id is not None and spec.category_id not in names:
            check.problem = f"第 {number} 条规则的分类不存在"
        elif available < spec.count:
            check.problem = (
                f"第 {number} 条规则（{check.description}）需要 {spec.count} 题，题库中可用的只有 {available} 题"
            )
        if check.problem:
            result.problems.append(check.problem)
        result.rules.append(check)
    if result.question_count > MAX_QUESTIONS_PER_QUIZ:
        result.problems.append(f"一份试卷最多 {MAX_QUESTIONS_PER_QUIZ} 题，当前共 {result.question_count} 题")
    if not result.problems:
        try:
            quizzes.draw_question_ids(specs, random.Random(0))
        except InsufficientQuestions as error:
            # Each rule alone is satisfiable, but overlapping rules compete for the same questions.
            result.problems.append(f"规则之间有重叠，合在一起无法满足：{error.message}")
    result.max_score = quizzes.rules_max_score(specs)
    return result


def _check_pinned(specs: list[RuleSpec], already_pinned: set[int]) -> None:
    """Fixed-paper questions must exist, appear once, and be active when newly added."""
    pinned = [spec.question_id for spec in specs if spec.question_id is not None]
    if len(pinned) != len(set(pinned)):
        raise ValidationFailed("固定题目中有重复的题目", field="fixed_questions")
    if not pinned:
        return
    found = dict(db.session.execute(select(Question.id, Question.is_active).where(Question.id.in_(pinned))).all())
    for question_id in pinned:
        if question_id not in found:
            raise ValidationFailed(f"固定题目 #{question_id} 不存在", field="fixed_questions")
        if not found[question_id] and question_id not in already_pinned:
            raise ValidationFailed(f"固定题目 #{question_id} 已停用，不能加入试卷", field="fixed_questions")


def validate_quiz(
    settings: QuizSettings, specs: list[RuleSpec], already_pinned: set[int] = frozenset(), *, rules_changed: bool = True
) -> None:
    """Refuse what create_quiz would refuse, with the field it concerns.

    Unchanged rules are not checked against the bank again: a quiz whose bank shrank can
    still get a new title or window (publishing checks the rules anew).
    """
    if not settings.title.strip() or len(settings.title.strip()) > 200:
        raise ValidationFailed("标题不能为空且不超过 200 个字符", field="title")
    if len(settings.description or "") > 5000:
        raise ValidationFailed("说明不能超过 5000 个字符", field="description")
    if not 30 <= settings.time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise ValidationFailed("答题时长应在 30 秒到 24 小时之间", field="time_limit_seconds")
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise ValidationFailed("结束时间必须晚于开始时间", field="closes_at")
    for name, label in (("max_attempts", "总答题次数"), ("max_attempts_per_day", "每日答题次数")):
        value = getattr(settings, name)
        if value is not None and not 1 <= value <= 1000:
            raise ValidationFailed(f"{label}应为 1-1000", field=name)
    if settings.multiple_choice_scoring not in SCORING_POLICIES:
        raise ValidationFailed("多选题计分方式无效", field="multiple_choice_scoring")
    if settings.review_policy not in REVIEW_POLICIES:
        raise ValidationFailed("答案解析公布方式无效", field="review_policy")
    if rules_changed:
        _check_pinned(specs, set(already_pinned))
        quizzes.validate_rule_specs(specs)
    max_score = quizzes.rules_max_score(specs)
    if not 0 <= settings.pass_score <= max_score:
        raise ValidationFailed(f"及格分应在 0 到总分 {max_score:g} 之间", field="pass_score")


def _rules_text(specs: list[RuleSpec]) -> list[str]:
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    return [
        f"{spec.describe(names)} × {spec.count}" + (f"，每题 {spec.points} 分" if spec.points else "")
        for spec in specs
    ]


def _rule_rows(specs: list[RuleSpec]) -> list[QuizRule]:
    return [
        QuizRule(position=position, category_id=spec.category_id, type=spec.type, difficulty=spec.difficulty,
                 count=spec.count, points=spec.points, question_id=spec.question_id)
        for position, spec in enumerate(specs)
    ]


# ---------------------------------------------------------------- changes


def create_quiz_draft(settings: QuizSettings, specs: list[RuleSpec], actor: User, now: datetime) -> Quiz:
    """A new, unpublished quiz."""
    validate_quiz(settings, specs)
    quiz = quizzes.create_quiz(**asdict(settings), rules=specs, created_by=actor, is_published=False)
    quiz.created_at = now
    record_audit(actor, "quiz.create", "quiz", quiz.id, f"新建测验“{quiz.title}”", now,
                 {"settings": asdict(settings), "rules": _rules_text(specs)})
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings, specs: list[RuleSpec], actor: User, now: datetime) -> dict:
    """Save changes; with attempts present, changing rules or scoring raises QuizFrozen."""
    before = asdict(QuizSettings.of(quiz))
    after = asdict(settings)
    old_specs = rule_specs_of(quiz)
    rules_changed = old_specs != specs
    if is_frozen(quiz):
        frozen = [SETTING_LABELS[name] for name in FROZEN_SETTINGS if before[name] != after[name]]
        if rules_changed:
            frozen.insert(0, SETTING_LABELS["rules"])
        if frozen:
            raise QuizFrozen(
                f"该测验已有答卷，不能修改{'、'.join(frozen)}；如需修改，请创建新版本",
                frozen=frozen,
            )
    already_pinned = {spec.question_id for spec in old_specs if spec.question_id is not None}
    validate_quiz(settings, specs, already_pinned, rules_changed=rules_changed)
    changes = field_changes(before, after)
    for name, value in after.items():
        setattr(quiz, name, value.strip() if name == "title" else value)
    if rules_changed:
        quiz.rules = _rule_rows(specs)
        changes["rules"] = [_rules_text(old_specs), _rules_text(specs)]
    db.session.flush()
    if changes:
        record_audit(actor, "quiz.update", "quiz", quiz.id, f"修改测验“{quiz.title}”", now, changes)
    return changes


def publish_quiz(quiz: Quiz, actor: User, now: datetime) -> None:
    """Publish once the bank can still satisfy the rules."""
    if quiz.is_published:
        return
    quizzes.validate_rule_specs(rule_specs_of(quiz))
    quiz.is_published = True
    db.session.flush()
    record_audit(actor, "quiz.publish", "quiz", quiz.id, f"发布测验“{quiz.title}”", now, {"is_published": [False, True]})


def unpublish_quiz(quiz: Quiz, actor: User, now: datetime) -> None:
    """Hide the quiz from employees; attempts in progress may still be finished and submitted."""
    if not quiz.is_published:
        return
    quiz.is_published = False
    db.session.flush()
    record_audit(actor, "quiz.unpublish", "quiz", quiz.id, f"取消发布测验“{quiz.title}”", now,
                 {"is_published": [True, False]})


def create_new_version(quiz: Quiz, actor: User, now: datetime) -> Quiz:
    """An unpublished copy with the same settings and rules, free to edit."""
    settings = QuizSettings.of(quiz)
    copy = Quiz(**asdict(settings), is_published=False, created_by_id=actor.id, created_at=now,
                version=(quiz.version or 1) + 1, previous_version_id=quiz.id)
    copy.rules = _rule_rows(rule_specs_of(quiz))
    db.session.add(copy)
    db.session.flush()
    record_audit(actor, "quiz.new_version", "quiz", copy.id,
                 f"由测验 #{quiz.id}“{quiz.title}”创建第 {copy.version} 版", now, {"previous_version_id": quiz.id})
    return copy


# ---------------------------------------------------------------- sample draw


@dataclass
class SampleItem:
    question: Question
    points: int


def sample_draw(specs: list[RuleSpec], rng: random.Random, shuffle: bool = False) -> list[SampleItem]:
    """One draw as an employee might get it (nothing is saved)."""
    picks = quizzes.draw_question_ids(specs, rng)
    if shuffle:
        rng.shuffle(picks)
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_([qid for qid, _ in picks])))}
    return [SampleItem(questions[qid], points if points is not None else questions[qid].points) for qid, points in picks]


def quiz_list() -> list[tuple[Quiz, int]]:
    """Every contest quiz with its number of attempts, newest first (闯关 levels are managed with their series)."""
    counts = (
        select(Attempt.quiz_id, func.count(Attempt.id).label("attempts")).group_by(Attempt.quiz_id).subquery()
    )
    rows = db.session.execute(
        select(Quiz, func.coalesce(counts.c.attempts, 0))
        .outerjoin(counts, counts.c.quiz_id == Quiz.id)
        .where(Quiz.kind == "contest")
        .order_by(Quiz.id.desc())
    )
    return [(quiz, count) for quiz, count in rows]
