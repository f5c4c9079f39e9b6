"""Results of a quiz for trainers: the attempts table, one attempt's answers, and export rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..errors import get_or_not_found
from ..extensions import db
from ..labels import STATUS_LABELS
from ..models import ATTEMPT_STATUSES, FINAL_STATUSES, Attempt, Quiz, Unit, User
from ..services.clock import to_campaign_tz

EXPORT_HEADERS = [
    "序号", "姓名", "用户名", "单位", "第几次", "状态", "得分", "满分", "是否及格",
    "答对题数", "题数", "用时（秒）", "开始时间", "交卷时间", "离开页面次数",
]


@dataclass(frozen=True)
class ResultFilter:
    unit_id: int | None = None
    status: str | None = None


def attempts_query(quiz: Quiz, filters: ResultFilter) -> Select:
    """The quiz's attempts with their users and units, newest first."""
    query = (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .options(joinedload(Attempt.user).joinedload(User.unit))
        .where(Attempt.quiz_id == quiz.id)
    )
    if filters.unit_id is not None:
        query = query.where(User.unit_id == filters.unit_id)
    if filters.status in ATTEMPT_STATUSES:
        query = query.where(Attempt.status == filters.status)
    return query.order_by(Attempt.started_at.desc(), Attempt.id.desc())


@dataclass
class ResultSummary:
    attempt_count: int
    final_count: int
    participant_count: int
    average_score: float | None
    pass_rate: float | None


def result_summary(quiz: Quiz, filters: ResultFilter) -> ResultSummary:
    """Counts, average score and pass rate of the finalized attempts (in SQL)."""
    base = select(Attempt).join(User, User.id == Attempt.user_id).where(Attempt.quiz_id == quiz.id)
    if filters.unit_id is not None:
        base = base.where(User.unit_id == filters.unit_id)
    attempts = base.subquery()
    total, participants = db.session.execute(
        select(func.count(attempts.c.id), func.count(func.distinct(attempts.c.user_id)))
    ).one()
    final, average, passed = db.session.execute(
        select(
            func.count(attempts.c.id),
            func.avg(attempts.c.score),
            func.count(attempts.c.id).filter(attempts.c.passed.is_(True)),
        ).where(attempts.c.status.in_(FINAL_STATUSES))
    ).one()
    return ResultSummary(
        attempt_count=total,
        final_count=final,
        participant_count=participants,
        average_score=float(average) if average is not None else None,
        pass_rate=(passed / final) if final else None,
    )


def get_attempt_for_trainer(attempt_id: int) -> Attempt:
    return get_or_not_found(Attempt, attempt_id, "答题记录不存在", "attempt_not_found")


def _local(value) -> str:
    local = to_campaign_tz(value)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else ""


def export_rows(quiz: Quiz, filters: ResultFilter) -> Iterator[list]:
    """One row per attempt in EXPORT_HEADERS order (cells are escaped by the exporter)."""
    query = attempts_query(quiz, filters).execution_options(yield_per=500)
    for number, attempt in enumerate(db.session.scalars(query), start=1):
        user = attempt.user
        final = attempt.is_final
        yield [
            number,
            user.display_name,
            user.username,
            user.unit.name if user.unit else "",
            attempt.number,
            STATUS_LABELS.get(attempt.status, attempt.status),
            attempt.score if final else "",
            attempt.max_score,
            ("是" if attempt.passed else "否") if final else "",
            attempt.correct_count if final else "",
            attempt.question_count,
            attempt.duration_seconds if final else "",
            _local(attempt.started_at),
            _local(attempt.submitted_at),
            attempt.left_page_count,
        ]


def units_in_results(quiz: Quiz) -> list[Unit]:
    """Units with at least one attempt at the quiz (for the unit filter)."""
    return list(
        db.session.scalars(
            select(Unit).join(User, User.unit_id == Unit.id).join(Attempt, Attempt.user_id == User.id)
            .where(Attempt.quiz_id == quiz.id).distinct().order_by(Unit.name)
        )
    )
