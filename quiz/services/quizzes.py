"""Quizzes: the quiz and draw-rule rules, creation, and the draw itself."""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from question_bank import QUESTION_TYPES

from ..errors import DomainError, InsufficientQuestions, NotFound, ValidationFailed
from ..extensions import db
from .clock import TIME_RANGE_MESSAGE, supported_time
from ..models import (
    MAX_TIME_LIMIT_SECONDS,
    REVIEW_POLICIES,
    SCORING_POLICIES,
    Category,
    Question,
    QuestionBankVersion,
    Quiz,
    QuizRule,
    User,
)
from .audit import record_audit

MAX_QUESTIONS_PER_QUIZ = 500


@dataclass(frozen=True)
class RuleSpec:
    """One draw rule before it is saved: None means "any"."""

    count: int
    category_id: int | None = None
    type: str | None = None
    difficulty: int | None = None
    points: int | None = None
    #: fixed paper: always this question (count 1)
    question_id: int | None = None

    def describe(self, category_names: dict[int, str]) -> str:
        if self.question_id is not None:
            return f"固定题目 #{self.question_id}"
        parts = [
            category_names.get(self.category_id, "全部分类") if self.category_id else "全部分类",
            QUESTION_TYPES.get(self.type, "全部题型") if self.type else "全部题型",
            f"难度{self.difficulty}" if self.difficulty else "全部难度",
        ]
        return "/".join(parts)


def _rule_filter(rule):
    if rule.question_id is not None:
        # A pinned question stays in its fixed paper even if it is later deactivated
        # (deactivation takes it out of random draws, not out of published papers).
        return [Question.id == rule.question_id]
    conditions = [Question.is_active.is_(True)]
    if rule.category_id is not None:
        conditions.append(Question.category_id == rule.category_id)
    if rule.type is not None:
        conditions.append(Question.type == rule.type)
    if rule.difficulty is not None:
        conditions.append(Question.difficulty == rule.difficulty)
    return conditions


def candidate_ids(rule) -> list[int]:
    """The ids a rule may draw from, read from the database now (the trainer's rule check)."""
    return list(db.session.scalars(select(Question.id).where(*_rule_filter(rule)).order_by(Question.id)))


#: What a start reads of the bank, cached per process for one bank version: the candidate
#: pools per rule key, the questions' frozen content, and the quizzes' draw rules.  A start reads
#: the version (one primary-key lookup) instead of one query per rule, the drawn questions and the
#: quiz's rules; any flush that writes a question, category or quiz rule bumps the version
#: (bump_bank_version), so nothing cached outlives a change.
_CACHE: dict[str, dict[str, dict]] = {}
_POOL_RULE_FIELDS = ("question_id", "category_id", "type", "difficulty")
_BANK_CHANGED = "quiz.bank_changed"
_VERSION_READ = "quiz.bank_version"


def bank_version() -> str:
    """The question bank's version as this transaction sees it ("" before the first change)."""
    return db.session.scalar(select(QuestionBankVersion.version).where(QuestionBankVersion.id == 1)) or ""


def _version_cache() -> dict[str, dict] | None:
    """This process's cache for the bank version this transaction reads (read once per
    transaction); None when this transaction changed the bank itself (its changes are not
    everyone's yet, and may be rolled back)."""
    info = db.session.info
    if info.get(_BANK_CHANGED):
        return None
    version = info.get(_VERSION_READ)
    if version is None:
        version = info[_VERSION_READ] = bank_version()
    cache = _CACHE.get(version)
    if cache is None:
        _CACHE.clear()  # older versions can never be asked for again
        cache = _CACHE[version] = {"pools": {}, "contents": {}, "rules": {}}
    return cache


def candidate_pools(rules) -> list[tuple[int, ...]]:
    """The draw's candidate ids per rule, cached per process for the bank version they were read at."""
    cache = _version_cache()
    if cache is None:
        return [tuple(candidate_ids(rule)) for rule in rules]
    pools = cache["pools"]
    result = []
    for rule in rules:
        key = tuple(getattr(rule, name) for name in _POOL_RULE_FIELDS)
        if key not in pools:
            pools[key] = tuple(candidate_ids(rule))
        result.append(pools[key])
    return result


@dataclass(frozen=True)
class QuestionContent:
    """What a start freezes of a question into the attempt (AttemptQuestion)."""

    id: int
    type: str
    stem: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str | None
    source: str | None
    points: int


_CONTENT_COLUMNS = (Question.id, Question.type, Question.stem, Question.options, Question.correct,
                    Question.explanation, Question.source, Question.points)


def question_contents(question_ids) -> dict[int, QuestionContent]:
    """The content of these questions, cached per process for the bank version (only the ones
    not cached yet are read, in one query)."""
    cache = _version_cache()
    contents = cache["contents"] if cache is not None else {}
    missing = [qid for qid in question_ids if qid not in contents]
    if missing:
        for row in db.session.execute(select(*_CONTENT_COLUMNS).where(Question.id.in_(missing))):
            contents[row.id] = QuestionContent(row.id, row.type, row.stem, tuple(row.options), tuple(row.correct),
                                               row.explanation, row.source, row.points)
    return {qid: contents[qid] for qid in question_ids if qid in contents}


def draw_rules(quiz: Quiz) -> tuple[RuleSpec, ...]:
    """The quiz's draw rules in order, cached per process for the bank version (a flush that
    writes a quiz rule bumps it)."""
    cache = _version_cache()
    if cache is not None and quiz.id in cache["rules"]:
        return cache["rules"][quiz.id]
    rules = tuple(RuleSpec(count=rule.count, category_id=rule.category_id, type=rule.type,
                           difficulty=rule.difficulty, points=rule.points, question_id=rule.question_id)
                  for rule in db.session.scalars(select(QuizRule).where(QuizRule.quiz_id == quiz.id)
                                                 .order_by(QuizRule.position)))
    if cache is not None:
        cache["rules"][quiz.id] = rules
    return rules


@event.listens_for(db.session, "after_flush")
def bump_bank_version(session, _flush_context) -> None:
    """A flush that adds, changes or deletes a question, category or quiz rule bumps the bank's
    version in the same transaction: what every worker cached for the start is then stale."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, (Question, Category, QuizRule))
               and (obj not in session.dirty or session.is_modified(obj))
               for obj in touched):
        return
    session.info[_BANK_CHANGED] = True
    connection = session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(QuestionBankVersion).values(id=1, version=uuid.uuid4().hex)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["id"], set_={"version": statement.excluded.version}))


def draw_rng() -> random.Random:
    """A generator for one draw, seeded from the operating system: as unpredictable to a taker as
    SystemRandom, which costs a system call per number (a start shuffles about 150 times)."""
    return random.Random(os.urandom(16))


def draw_question_ids(rules, rng: random.Random) -> list[tuple[int, int | None]]:
    """Pick distinct active questions for each rule; returns (question_id, rule points) in rule order.

    Rules with the fewest candidates draw first so that a broad rule ("any 10") does not
    use up the few questions a narrow rule ("消防安全 多选 3") needs.
    """
    candidates = candidate_pools(rules)
    order = sorted(range(len(rules)), key=lambda i: len(candidates[i]))
    taken: set[int] = set()
    picked: dict[int, list[int]] = {}
    for index in order:
        rule = rules[index]
        pool = [qid for qid in candidates[index] if qid not in taken]
        if len(pool) < rule.count:
            raise InsufficientQuestions(
                f"第 {index + 1} 条抽题规则需要 {rule.count} 题，题库中可用的只有 {len(pool)} 题",
                rule=index + 1,
                needed=rule.count,
                available=len(pool),
            )
        chosen = rng.sample(pool, rule.count)
        taken.update(chosen)
        picked[index] = chosen
    return [(qid, rules[i].points) for i in range(len(rules)) for qid in picked[i]]


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
    #: the first problem as the error to raise (with its rule number), None when the rules are fine
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rules)

    def refuse(self, error: DomainError) -> None:
        self.problems.append(error.message)
        if self.error is None:
            self.error = error


def _malformed(number: int, spec: RuleSpec, known_categories) -> str | None:
    if spec.category_id is not None and spec.category_id not in known_categories:
        return f"第 {number} 条规则的分类不存在"
    if spec.type is not None and spec.type not in QUESTION_TYPES:
        return f"第 {number} 条规则的题型无效"
    if spec.difficulty is not None and spec.difficulty not in (1, 2, 3):
        return f"第 {number} 条规则的难度应为 1-3"
    if not 1 <= spec.count <= MAX_QUESTIONS_PER_QUIZ:
        return f"第 {number} 条规则的题数应为 1-{MAX_QUESTIONS_PER_QUIZ}"
    if spec.points is not None and not 1 <= spec.points <= 100:
        return f"第 {number} 条规则的每题分值应为 1-100"
    if spec.question_id is not None and spec.count != 1:
        return f"第 {number} 条规则是固定题目，题数应为 1"
    return None


def check_rules(specs: list[RuleSpec]) -> RulesCheck:
    """The draw-rule rule: each rule well formed and satisfiable by the active bank, and all of
    them together (rules can overlap).  Collects every problem (live totals, form errors);
    :func:`validate_rule_specs` raises the first."""
    result = RulesCheck(question_count=sum(spec.count for spec in specs))
    if not specs:
        result.refuse(ValidationFailed("至少需要一条抽题规则或一道固定题目", field="rules"))
        return result
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    well_formed = []
    for number, spec in enumerate(specs, start=1):
        malformed = _malformed(number, spec, names)
        if not malformed:
            well_formed.append(spec)
        available = 0 if malformed else len(candidate_ids(spec))
        check = RuleCheck(number, spec, spec.describe(names), available, malformed)
        if malformed:
            result.refuse(ValidationFailed(malformed, field="rules", rule=number))
        elif available < spec.count:
            check.problem = (f"第 {number} 条规则（{check.description}）需要 {spec.count} 题，"
                             f"题库中可用的只有 {available} 题")
            result.refuse(InsufficientQuestions(check.problem, rule=number, needed=spec.count, available=available))
        result.rules.append(check)
    if result.question_count > MAX_QUESTIONS_PER_QUIZ:
        result.refuse(ValidationFailed(f"一份试卷最多 {MAX_QUESTIONS_PER_QUIZ} 题，当前共 {result.question_count} 题",
                                       field="rules"))
    if result.error is None:
        try:
            draw_question_ids(specs, random.Random(0))
        except InsufficientQuestions as error:
            # Each rule alone is satisfiable, but overlapping rules compete for the same questions.
            error.message = f"规则之间有重叠，合在一起无法满足：{error.message}"
            result.refuse(error)
    result.max_score = rules_max_score(well_formed)  # a malformed rule never reaches the database
    return result


def validate_rule_specs(specs: list[RuleSpec]) -> None:
    """Refuse malformed rules and rules the active bank cannot satisfy (say which)."""
    check = check_rules(specs)
    if check.error is not None:
        raise check.error


def category_id_by_name(name: str) -> int:
    category_id = db.session.scalar(select(Category.id).where(Category.name == name.strip()))
    if category_id is None:
        raise ValidationFailed(f"分类“{name}”不存在", field="rules")
    return category_id


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
    settings: QuizSettings, specs: list[RuleSpec], already_pinned: frozenset[int] = frozenset(), *,
    rules_changed: bool = True,
) -> None:
    """The quiz rule, for every way a quiz is made (web, API, levels, demo): refuse bad settings
    and rules with the field they concern.

    Unchanged rules are not checked against the bank again: a quiz whose bank shrank can
    still get a new title or window (publishing checks the rules anew).
    """
    if not (settings.title or "").strip() or len(settings.title.strip()) > 200:
        raise ValidationFailed("标题不能为空且不超过 200 个字符", field="title")
    if len(settings.description or "") > 5000:
        raise ValidationFailed("说明不能超过 5000 个字符", field="description")
    if not 30 <= settings.time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise ValidationFailed("答题时长应在 30 秒到 24 小时之间", field="time_limit_seconds")
    for name in ("opens_at", "closes_at"):
        if not supported_time(getattr(settings, name)):
            raise ValidationFailed(TIME_RANGE_MESSAGE, field=name)
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise ValidationFailed("结束时间必须晚于开始时间", field="closes_at")
    for name, label in (("max_attempts", "总答题次数"), ("max_attempts_per_day", "每日答题次数")):
        value = getattr(settings, name)
        if value is not None and not 1 <= value <= 1000:
            raise ValidationFailed(f"{label}应为 1-1000", field=name)
    if settings.multiple_choice_scoring not in SCORING_POLICIES:
        raise ValidationFailed("多选题计分方式应为 all_or_nothing 或 partial", field="multiple_choice_scoring")
    if settings.review_policy not in REVIEW_POLICIES:
        raise ValidationFailed("答案解析公布方式应为 immediate、after_close 或 never", field="review_policy")
    if rules_changed:
        _check_pinned(specs, set(already_pinned))
        validate_rule_specs(specs)
    max_score = rules_max_score(specs)
    if not 0 <= settings.pass_score <= max_score:
        raise ValidationFailed(f"及格分应在 0 到总分 {max_score:g} 之间", field="pass_score")


def rules_text(specs: list[RuleSpec]) -> list[str]:
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    return [
        f"{spec.describe(names)} × {spec.count}" + (f"，每题 {spec.points} 分" if spec.points else "")
        for spec in specs
    ]


def rule_rows(specs: list[RuleSpec]) -> list[QuizRule]:
    """The saved form of draw rules, in their order."""
    return [
        QuizRule(position=position, category_id=spec.category_id, type=spec.type, difficulty=spec.difficulty,
                 count=spec.count, points=spec.points, question_id=spec.question_id)
        for position, spec in enumerate(specs)
    ]


def create_quiz(settings: QuizSettings, rules: list[RuleSpec], actor: User | None, now: datetime, *,
                is_published: bool = True) -> Quiz:
    """Create a quiz (validated, audited): the one operation behind the web builder, the API,
    levels and the demo."""
    validate_quiz(settings, rules)
    quiz = Quiz(**{**asdict(settings), "title": settings.title.strip(), "description": settings.description or ""},
                is_published=is_published, created_by_id=actor.id if actor else None, created_at=now)
    quiz.rules = rule_rows(rules)
    db.session.add(quiz)
    db.session.flush()
    record_audit(actor, "quiz.create", "quiz", quiz.id, f"新建测验“{quiz.title}”", now,
                 {"settings": asdict(settings), "rules": rules_text(rules)})
    return quiz


def _max_score(rules) -> float:
    """Total score; a rule without points uses the questions' own points (the lowest, to be safe)."""
    total = 0.0
    for rule in rules:
        if rule.points is not None:
            total += rule.points * rule.count
        else:
            lowest = db.session.scalar(select(func.min(Question.points)).where(*_rule_filter(rule))) or 1
            total += lowest * rule.count
    return total


def quiz_max_score(quiz: Quiz) -> float:
    return _max_score(quiz.rules)


def rules_max_score(rules) -> float:
    """Total score of unsaved rules (RuleSpec) or saved ones, as create_quiz counts it."""
    return _max_score(rules)


def get_quiz(quiz_id: int, *, include_unpublished: bool = False) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or (not quiz.is_published and not include_unpublished):
        raise NotFound("测验不存在", code="quiz_not_found")
    return quiz


def published_quizzes() -> list[Quiz]:
    """Published contest quizzes (the levels of 安全知识闯关 are listed by their series)."""
    return list(
        db.session.scalars(
            select(Quiz)
            .where(Quiz.is_published.is_(True), Quiz.kind == "contest")
            .order_by(Quiz.opens_at.desc(), Quiz.id.desc())
        )
    )


@event.listens_for(db.session, "after_transaction_end")
def _forget_bank_change(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BANK_CHANGED, None)
        session.info.pop(_VERSION_READ, None)
