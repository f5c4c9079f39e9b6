"""API: 安全知识闯关 series and each employee's training progress.

A level is started like any quiz: POST /api/v1/quizzes/{quiz_id}/attempts (403 level_locked
until the previous level is passed), then the same answer and submit endpoints."""

from __future__ import annotations

from ..auth_setup import api_auth, api_user
from ..models import STAFF_ROLES
from ..training import levels, mastery, notebook
from .blueprint import BEARER, bp
from .schemas import (
    LevelSeriesListOut,
    LevelSeriesOut,
    SeriesUnitsOut,
    TrainingProgressOut,
)


def _series_json(progress) -> dict:
    series = progress.series
    return {
        "id": series.id,
        "title": series.title,
        "description": series.description,
        "level_count": len(progress.levels),
        "passed_count": progress.passed_count,
        "stars": progress.stars,
        "levels": [
            {
                "quiz_id": state.level.id,
                "number": state.number,
                "title": state.level.title,
                "question_count": state.level.question_count,
                "pass_score": state.level.pass_score,
                "time_limit_seconds": None if state.level.is_untimed else state.level.time_limit_seconds,
                "unlocked": state.unlocked,
                "passed": state.passed,
                "stars": state.stars,
                "best_score": state.best_score,
                "max_score": state.max_score,
                "attempts": state.attempts,
                "in_progress_attempt_id": state.in_progress_attempt_id,
            }
            for state in progress.levels
        ],
    }


@bp.get("/level-series")
@api_auth()
@bp.output(LevelSeriesListOut)
@bp.doc(summary="Published 安全知识闯关 series with the caller's levels: unlocked, passed, stars",
        security=BEARER, responses=[401])
def list_level_series():
    user = api_user()
    return {"series": [_series_json(levels.series_progress(user, s)) for s in levels.published_series()]}


@bp.get("/level-series/<int:series_id>")
@api_auth()
@bp.output(LevelSeriesOut)
@bp.doc(summary="One level series with the caller's progress", security=BEARER, responses=[401, 404])
def get_level_series(series_id):
    return _series_json(levels.series_progress(api_user(), levels.get_series(series_id)))


@bp.get("/level-series/<int:series_id>/units")
@api_auth(*STAFF_ROLES)
@bp.output(SeriesUnitsOut)
@bp.doc(summary="How far each unit's employees have got in a level series (trainer/admin)",
        security=BEARER, responses=[401, 403, 404])
def level_series_units(series_id):
    series = levels.get_series(series_id, include_unpublished=True)
    rows = levels.unit_progress(series)
    return {
        "series_id": series.id,
        "level_count": len(levels.series_levels(series)),
        "units": [
            {"unit": row.unit, "employees": row.employees, "started": row.started,
             "completed": row.completed, "passed": row.passed}
            for row in rows
        ],
    }


@bp.get("/training/progress")
@api_auth()
@bp.output(TrainingProgressOut)
@bp.doc(summary="The caller's mastery per category (last N answers) and notebook size",
        security=BEARER, responses=[401])
def training_progress():
    user = api_user()
    masteries = mastery.category_mastery(user.id)
    weakest = mastery.weakest_category(masteries)
    return {
        "window": mastery.MASTERY_WINDOW,
        "mastery": [
            {"category_id": m.category_id, "name": m.name, "answered": m.answered, "correct": m.correct,
             "share": m.share}
            for m in masteries
        ],
        "weakest_category_id": weakest.category_id if weakest else None,
        "notebook_count": notebook.active_count(user),
    }
