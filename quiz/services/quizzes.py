"""Quizzes: creation with validated draw rules, and the draw itself."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from question_bank import QUESTION_TYPES

from ..errors import InsufficientQuestions, NotFound, ValidationFailed
from ..extensions import db
from ..models import REVIEW_POLICIES, SCORING_POLICIES, Category, Question, Quiz, QuizRule, User

MAX_TIME_LIMIT_SECONDS = 24 * 3600
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
    return list(db.session.scalars(select(Question.id).where(*_rule_filter(rule)).order_by(Question.id)))


def draw_question_ids(rules, rng: random.Random) -> list[tuple[int, int | None]]:
    """Pick distinct active questions for each rule; returns (question_id, rule points) in rule order.

    Rules with the fewest candidates draw first so that a broad rule ("any 10") does not
    use up the few questions a narrow rule ("消防安全 多选 3") needs.
    """
    candidates = [candidate_ids(rule) for rule in rules]
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


def validate_rule_specs(specs: list[RuleSpec]) -> None:
    """Refuse malformed rules and rules the active bank cannot satisfy (say which)."""
    if not specs:
        raise ValidationFailed("至少需要一条抽题规则", field="rules")
    known_categories = set(db.session.scalars(select(Category.id)))
    for number, spec in enumerate(specs, start=1):
        if spec.category_id is not None and spec.category_id not in known_categories:
            raise ValidationFailed(f"第 {number} 条规则的分类不存在", field="rules", rule=number)
        if spec.type is not None and spec.type not in QUESTION_TYPES:
            raise ValidationFailed(f"第 {number} 条规则的题型无效", field="rules", rule=number)
        if spec.difficulty is not None and spec.difficulty not in (1, 2, 3):
            raise ValidationFailed(f"第 {number} 条规则的难度应为 1-3", field="rules", rule=number)
        if not 1 <= spec.count <= MAX_QUESTIONS_PER_QUIZ:
            raise ValidationFailed(f"第 {number} 条规则的题数应为 1-{MAX_QUESTIONS_PER_QUIZ}", field="rules", rule=number)
        if spec.points is not None and not 1 <= spec.points <= 100:
            raise ValidationFailed(f"第 {number} 条规则的每题分值应为 1-100", field="rules", rule=number)
        if spec.question_id is not None and spec.count != 1:
            raise ValidationFailed(f"第 {number} 条规则是固定题目，题数应为 1", field="rules", rule=number)
    if sum(spec.count for spec in specs) > MAX_QUESTIONS_PER_QUIZ:
        raise ValidationFailed(f"一份试卷最多 {MAX_QUESTIONS_PER_QUIZ} 题", field="rules")
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    for number, spec in enumerate(specs, start=1):
        available = len(candidate_ids(spec))
        if available < spec.count:
            raise InsufficientQuestions(
                f"第 {number} 条抽题规则（{spec.describe(names)}）需要 {spec.count} 题，"
                f"题库中可用的只有 {available} 题",
                rule=number,
                needed=spec.count,
                available=available,
            )
    # Rules can overlap; a trial draw proves they can all be met together.
    draw_question_ids(specs, random.Random(0))


def category_id_by_name(name: str) -> int:
    category_id = db.session.scalar(select(Category.id).where(Category.name == name.strip()))
    if category_id is None:
        raise ValidationFailed(f"分类“{name}”不存在", field="rules")
    return category_id


def create_quiz(
    *,
    title: str,
    rules: list[RuleSpec],
    time_limit_seconds: int,
    created_by: User | None,
    description: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    max_attempts: int | None = 1,
    max_attempts_per_day: int | None = None,
    pass_score: float = 0,
    shuffle_questions: bool = True,
    shuffle_options: bool = False,
    multiple_choice_scoring: str = "all_or_nothing",
    review_policy: str = "immediate",
    is_published: bool = True,
) -> Quiz:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed("标题不能为空且不超过 200 个字符", field="title")
    if len(description or "") > 5000:
        raise ValidationFailed("说明不能超过 5000 个字符", field="description")
    if not 30 <= time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise ValidationFailed("答题时长应在 30 秒到 24 小时之间", field="time_limit_seconds")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed("结束时间必须晚于开始时间", field="closes_at")
    if max_attempts is not None and not 1 <= max_attempts <= 1000:
        raise ValidationFailed("总答题次数应为 1-1000", field="max_attempts")
    if max_attempts_per_day is not None and not 1 <= max_attempts_per_day <= 1000:
        raise ValidationFailed("每日答题次数应为 1-1000", field="max_attempts_per_day")
    if multiple_choice_scoring not in SCORING_POLICIES:
        raise ValidationFailed("多选题计分方式应为 all_or_nothing 或 partial", field="multiple_choice_scoring")
    if review_policy not in REVIEW_POLICIES:
        raise ValidationFailed("答案解析公布方式应为 immediate、after_close 或 never", field="review_policy")
    validate_rule_specs(rules)
    max_score = _max_score(rules)
    if not 0 <= pass_score <= max_score:
        raise ValidationFailed(f"及格分应在 0 到总分 {max_score:g} 之间", field="pass_score")
    quiz = Quiz(
        title=title,
        description=description or "",
        time_limit_seconds=time_limit_seconds,
        opens_at=opens_at,
        closes_at=closes_at,
        max_attempts=max_attempts,
        max_attempts_per_day=max_attempts_per_day,
        pass_score=pass_score,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
        multiple_choice_scoring=multiple_choice_scoring,
        review_policy=review_policy,
        is_published=is_published,
        created_by_id=created_by.id if created_by else None,
    )
    quiz.rules = [
        QuizRule(
            position=position,
            category_id=spec.category_id,
            type=spec.type,
            difficulty=spec.difficulty,
            count=spec.count,
            points=spec.points,
            question_id=spec.question_id,
        )
        for position, spec in enumerate(rules)
    ]
    db.session.add(quiz)
    db.session.flush()
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
