"""安全知识闯关: ordered series of levels, unlocking, stars, and how far units have got.

A level is a Quiz with ``kind = "level"``, ``series_id`` and ``position`` (1, 2, ...), so
level attempts are ordinary attempts (start, autosave, submit, expire, take pages, API).

Rules:
- Level 1 is always open; level N+1 unlocks once the employee has a *passed*, finalized
  attempt at level N.  :func:`ensure_level_unlocked` enforces this and is called by
  ``attempts.start_attempt``, so no page or API call can skip a level.
- Stars by the best attempt's score share (score / max score), only for a passed level:
  3 stars at >= 90 %, 2 stars at >= 75 %, otherwise 1 star.  Not passed: 0 stars.
- Levels have unlimited attempts and show answers and explanations right after submitting.
  "No time limit" is stored as the longest limit a quiz may have (24 h), shown as 不限时.

This module imports models and the quiz service only (``attempts`` imports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import MAX_TIME_LIMIT_SECONDS, Attempt, best_attempt, LevelSeries, Quiz, Unit, User
from ..services import quizzes
from ..services.quizzes import RuleSpec
from ..trainer.quiz_builder import create_new_version

#: (minimum score share, stars) for a passed level, best first
STAR_THRESHOLDS = ((0.9, 3), (0.75, 2), (0.0, 1))
#: points per question in a level: a 10-question level scores out of 100
LEVEL_POINTS_PER_QUESTION = 10
MAX_LEVELS_PER_SERIES = 50


class LevelLocked(Forbidden):
    code, message = "level_locked", "请先通过上一关再来挑战本关"


def stars_for(score: float | None, max_score: float, passed: bool | None) -> int:
    """0 when not passed; else 1-3 by score share (see STAR_THRESHOLDS)."""
    if not passed or score is None:
        return 0
    share = score / max_score if max_score else 1.0
    for threshold, stars in STAR_THRESHOLDS:
        if share >= threshold - 1e-9:
            return stars
    return 1


# ---------------------------------------------------------------- series and levels (trainers)


def create_series(title: str, description: str, created_by: User | None) -> LevelSeries:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed("闯关名称不能为空且不超过 200 个字符", field="title")
    if len(description or "") > 5000:
        raise ValidationFailed("说明不能超过 5000 个字符", field="description")
    series = LevelSeries(title=title, description=description or "", is_published=False,
                         created_by_id=created_by.id if created_by else None)
    db.session.add(series)
    db.session.flush()
    return series


def copy_series(series: LevelSeries, created_by: User, now: datetime, *, title: str | None = None) -> LevelSeries:
    """An unpublished copy of a series (a draft for a new campaign): each level copied by the quiz
    builder's new-version operation, in order, with the same rules and pass score."""
    copy = create_series(title or series.title, series.description, created_by)
    for level in series_levels(series):
        level_copy = create_new_version(level, created_by, now)
        level_copy.kind, level_copy.series_id, level_copy.position = "level", copy.id, level.position
    db.session.flush()
    return copy


def get_series(series_id: int, *, include_unpublished: bool = False) -> LevelSeries:
    series = db.session.get(LevelSeries, series_id)
    if series is None or (not series.is_published and not include_unpublished):
        raise NotFound("闯关不存在", code="series_not_found")
    return series


def published_series() -> list[LevelSeries]:
    return list(db.session.scalars(
        select(LevelSeries).where(LevelSeries.is_published.is_(True)).order_by(LevelSeries.id)
    ))


def all_series() -> list[LevelSeries]:
    return list(db.session.scalars(select(LevelSeries).order_by(LevelSeries.id.desc())))


def series_levels(series: LevelSeries) -> list[Quiz]:
    return list(db.session.scalars(
        select(Quiz).where(Quiz.series_id == series.id, Quiz.kind == "level").order_by(Quiz.position)
    ))


def add_level(
    series: LevelSeries,
    *,
    title: str,
    rules: list[RuleSpec],
    pass_percent: int,
    time_limit_seconds: int | None,
    created_by: User | None,
    now: datetime,
    description: str = "",
    points_per_question: int = LEVEL_POINTS_PER_QUESTION,
) -> Quiz:
    """Append a level: a quiz by draw rules, passed at ``pass_percent`` % of its score."""
    levels = series_levels(series)
    if len(levels) >= MAX_LEVELS_PER_SERIES:
        raise ValidationFailed(f"一个闯关最多 {MAX_LEVELS_PER_SERIES} 关", field="title")
    if not 1 <= pass_percent <= 100:
        raise ValidationFailed("及格线应为 1-100%", field="pass_percent")
    rules = [RuleSpec(count=r.count, category_id=r.category_id, type=r.type, difficulty=r.difficulty,
                      points=points_per_question) for r in rules]
    max_score = sum(r.count for r in rules) * points_per_question
    settings = quizzes.QuizSettings(
        title=title,
        description=description,
        time_limit_seconds=time_limit_seconds or MAX_TIME_LIMIT_SECONDS,
        max_attempts=None,
        pass_score=math.ceil(max_score * pass_percent / 100),
        shuffle_questions=True,
        review_policy="immediate",
    )
    quiz = quizzes.create_quiz(settings, rules, created_by, now, is_published=series.is_published)
    quiz.kind = "level"
    quiz.series_id = series.id
    quiz.position = (levels[-1].position + 1) if levels else 1
    db.session.flush()
    return quiz


def set_series_published(series: LevelSeries, published: bool) -> None:
    """Publish or withdraw a series; its levels follow (withdrawn levels cannot be started)."""
    if published and not series_levels(series):
        raise ValidationFailed("至少添加一关后才能发布", field="is_published")
    series.is_published = published
    for level in series_levels(series):
        level.is_published = published
    db.session.flush()


def _level_attempt_count(level: Quiz) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == level.id)) or 0


def move_level(level: Quiz, offset: int) -> None:
    """Swap a level with its neighbour (offset -1: earlier, +1: later)."""
    levels = series_levels(db.session.get(LevelSeries, level.series_id))
    index = next(i for i, item in enumerate(levels) if item.id == level.id)
    other = index + offset
    if not 0 <= other < len(levels):
        return
    levels[index].position, levels[other].position = levels[other].position, levels[index].position
    db.session.flush()


def delete_level(level: Quiz) -> None:
    """Remove a level nobody has attempted yet; later levels move up."""
    if _level_attempt_count(level):
        raise Conflict("已有职工挑战过本关，不能删除（可撤回整个闯关）", code="level_in_use")
    series = db.session.get(LevelSeries, level.series_id)
    db.session.delete(level)
    db.session.flush()
    for position, item in enumerate(series_levels(series), start=1):
        item.position = position
    db.session.flush()


def get_level(series: LevelSeries, quiz_id: int) -> Quiz:
    level = db.session.get(Quiz, quiz_id)
    if level is None or level.kind != "level" or level.series_id != series.id:
        raise NotFound("关卡不存在", code="level_not_found")
    return level


# ---------------------------------------------------------------- an employee's progress


def _previous_level(level: Quiz) -> Quiz | None:
    return db.session.scalar(
        select(Quiz)
        .where(Quiz.series_id == level.series_id, Quiz.kind == "level", Quiz.position < level.position)
        .order_by(Quiz.position.desc())
        .limit(1)
    )


def has_passed(user: User, level: Quiz) -> bool:
    return db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.user_id == user.id, Attempt.quiz_id == level.id, Attempt.passed.is_(True)
        )
    ) > 0


def ensure_level_unlocked(user: User, quiz: Quiz) -> None:
    """Refuse to start a level whose previous level the user has not passed (no-op for contests)."""
    if quiz.kind != "level":
        return
    previous = _previous_level(quiz)
    if previous is not None and not has_passed(user, previous):
        raise LevelLocked(f"请先通过第 {previous.position} 关“{previous.title}”", level=quiz.position,
                          required_level=previous.position)


@dataclass
class LevelState:
    level: Quiz
    number: int                 # 1-based place in the series
    unlocked: bool
    passed: bool
    stars: int
    best_score: float | None
    max_score: float | None
    attempts: int
    in_progress_attempt_id: int | None = None


@dataclass
class SeriesProgress:
    series: LevelSeries
    levels: list[LevelState] = field(default_factory=list)

    @property
    def passed_count(self) -> int:
        return sum(1 for state in self.levels if state.passed)

    @property
    def stars(self) -> int:
        return sum(state.stars for state in self.levels)

    @property
    def current(self) -> LevelState | None:
        """The first unlocked level not yet passed (None when all are passed)."""
        return next((s for s in self.levels if s.unlocked and not s.passed), None)


def series_progress(user: User, series: LevelSeries) -> SeriesProgress:
    """Every level of the series with the user's state: unlocked, passed, stars, best score."""
    levels = series_levels(series)
    rows = db.session.execute(
        select(Attempt.id, Attempt.quiz_id, Attempt.status, Attempt.score, Attempt.max_score, Attempt.passed,
               Attempt.duration_seconds, Attempt.submitted_at)
        .where(Attempt.user_id == user.id, Attempt.quiz_id.in_([level.id for level in levels]))
    ).all() if levels else []
    by_level: dict[int, list] = {}
    for row in rows:
        by_level.setdefault(row.quiz_id, []).append(row)
    progress = SeriesProgress(series)
    previous_passed = True
    for number, level in enumerate(levels, start=1):
        attempts = by_level.get(level.id, [])
        final = [a for a in attempts if a.status != "in_progress"]
        best = best_attempt(final)
        passed = any(a.passed for a in final)
        best_passed = best_attempt(a for a in final if a.passed)
        running = next((a.id for a in attempts if a.status == "in_progress"), None)
        progress.levels.append(LevelState(
            level=level,
            number=number,
            unlocked=previous_passed,
            passed=passed,
            stars=stars_for(best_passed.score, best_passed.max_score, True) if best_passed else 0,
            best_score=best.score if best else None,
            max_score=best.max_score if best else None,
            attempts=len(attempts),
            in_progress_attempt_id=running,
        ))
        previous_passed = passed
    return progress


# ---------------------------------------------------------------- units (trainers)


@dataclass
class UnitProgress:
    unit: Unit | None
    employees: int
    #: passed[i]: employees of the unit who passed level i+1
    passed: list[int]
    started: int          # employees with at least one level attempt
    completed: int        # employees who passed every level

    def share(self, count: int) -> float:
        return count / self.employees if self.employees else 0.0


def unit_progress(series: LevelSeries) -> list[UnitProgress]:
    """How far each unit's employees have got: per level, how many passed it."""
    levels = series_levels(series)
    level_index = {level.id: i for i, level in enumerate(levels)}
    employees = db.session.execute(
        select(User.id, User.unit_id).where(User.role == "employee", User.is_enabled.is_(True))
    ).all()
    unit_of = {row.id: row.unit_id for row in employees}
    passed_pairs = db.session.execute(
        select(Attempt.user_id, Attempt.quiz_id)
        .where(Attempt.quiz_id.in_(list(level_index)), Attempt.passed.is_(True))
        .distinct()
    ).all() if levels else []
    started_users = set(db.session.scalars(
        select(Attempt.user_id).where(Attempt.quiz_id.in_(list(level_index))).distinct()
    )) if levels else set()
    passed_by_user: dict[int, set[int]] = {}
    for user_id, quiz_id in passed_pairs:
        passed_by_user.setdefault(user_id, set()).add(level_index[quiz_id])
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).order_by(Unit.name))}
    table: dict[int | None, UnitProgress] = {}
    for user_id, unit_id in unit_of.items():
        row = table.get(unit_id)
        if row is None:
            row = table[unit_id] = UnitProgress(units.get(unit_id), 0, [0] * len(levels), 0, 0)
        row.employees += 1
        done = passed_by_user.get(user_id, set())
        for index in done:
            row.passed[index] += 1
        row.started += int(user_id in started_users)
        row.completed += int(bool(levels) and len(done) == len(levels))
    for unit_id, unit in units.items():
        table.setdefault(unit_id, UnitProgress(unit, 0, [0] * len(levels), 0, 0))
    rows = list(table.values())
    rows.sort(key=lambda r: (-(r.completed / r.employees if r.employees else 0),
                             -(sum(r.passed) / r.employees if r.employees else 0),
                             r.unit.name if r.unit else "~"))
    return rows


# ---------------------------------------------------------------- demo


def seed_demo_series(created_by: User | None, category_ids: dict[str, int], now: datetime) -> LevelSeries:
    """A published five-level series over the built-in bank's categories (for `make run`)."""
    series = create_series(
        "安全知识闯关",
        "五关由浅入深：法律法规、消防、疏散逃生、应急救援、文旅行业安全。通过一关才能解锁下一关，答得越好星星越多。",
        created_by,
    )
    plan = [
        ("第一关 · 安全生产法律法规", "安全生产法律法规"),
        ("第二关 · 消防安全", "消防安全"),
        ("第三关 · 疏散逃生", "疏散逃生"),
        ("第四关 · 应急救援与自救互救", "应急救援与自救互救"),
        ("第五关 · 文旅行业安全", "文旅行业安全"),
    ]
    for title, category in plan:
        add_level(series, title=title, rules=[RuleSpec(count=5, category_id=category_ids.get(category))],
                  pass_percent=60, time_limit_seconds=None, created_by=created_by, now=now)
    set_series_published(series, True)
    return series
