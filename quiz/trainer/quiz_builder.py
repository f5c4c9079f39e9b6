"""The quiz builder: settings, draw rules and fixed papers, checks against the bank, publishing, versions.

A fixed paper is a quiz whose rules each pin one question (``RuleSpec.question_id``);
pinned rules and random rules can be mixed, pinned ones first, in the order given.
Once a quiz has attempts its rules and scoring are frozen: the trainer may still edit
its title, window and attempt limits, or create a new version to change the rest.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import func, select

from ..errors import Conflict
from ..extensions import db
from ..models import Attempt, Question, Quiz, User
from ..services import quizzes
from ..services.audit import field_changes, record_audit
from ..services.quizzes import QuizSettings, RuleSpec

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


# ---------------------------------------------------------------- changes


def keep_frozen(quiz: Quiz, settings: QuizSettings, specs: list[RuleSpec]) -> tuple[QuizSettings, list[RuleSpec]]:
    """The frozen-quiz rule: once a quiz has attempts, what is asked and how it is scored (its
    rules and FROZEN_SETTINGS) keep their saved values; the rest may still change."""
    if not is_frozen(quiz):
        return settings, specs
    saved = QuizSettings.of(quiz)
    kept = replace(settings, **{name: getattr(saved, name) for name in FROZEN_SETTINGS})
    return kept, rule_specs_of(quiz)


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
    quizzes.validate_quiz(settings, specs, frozenset(already_pinned), rules_changed=rules_changed)
    changes = field_changes(before, after)
    for name, value in after.items():
        setattr(quiz, name, value.strip() if name == "title" else value)
    if rules_changed:
        quiz.rules = quizzes.rule_rows(specs)
        changes["rules"] = [quizzes.rules_text(old_specs), quizzes.rules_text(specs)]
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
    copy.rules = quizzes.rule_rows(rule_specs_of(quiz))
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
