"""API: 学习资料 (docs/learning.md): the caller's courses with progress and 学时, and the
progress reports the course pages send (reading heartbeats, a video's played ranges)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range
from flask import current_app

from ..auth_setup import api_auth, api_user
from ..learning import services
from ..models import CourseItem, CourseProgress
from ..services.clock import CAMPAIGN_TZ, isoformat, now_utc
from .blueprint import BEARER, bp
from .schemas import Strict


class CourseItemOut(Schema):
    id = Integer(required=True)
    kind = String(required=True, metadata={"description": "article | pdf | video | case"})
    title = String(required=True)
    completed = Boolean(required=True)
    seconds_spent = Integer(required=True, metadata={"description": "reading time credited (article, case, pdf)"})
    required_seconds = Integer(allow_none=True, required=True)
    watched_seconds = Float(required=True, metadata={"description": "video seconds verified as watched"})
    duration_seconds = Float(allow_none=True, required=True)


class CourseOut(Schema):
    id = Integer(required=True)
    title = String(required=True)
    category = String(required=True)
    hours = Float(required=True, metadata={"description": "学时 credited on completion"})
    description = String(required=True)
    opens_at = String(allow_none=True, required=True)
    closes_at = String(allow_none=True, required=True)
    quiz_id = Integer(allow_none=True, required=True)
    quiz_passed = Boolean(allow_none=True, required=True, metadata={"description": "null: no quiz linked"})
    items_done = Integer(required=True)
    items_total = Integer(required=True)
    percent = Integer(required=True)
    completed_at = String(allow_none=True, required=True)
    hours_credited = Float(required=True)
    items = List(Nested(CourseItemOut), required=True)


class CoursesOut(Schema):
    year = Integer(required=True)
    hours_this_year = Float(required=True, metadata={"description": "学时 credited this calendar year"})
    courses = List(Nested(CourseOut), required=True)


class HeartbeatIn(Strict):
    resume = Boolean(load_default=False, metadata={"description": "the page became visible again: restart the clock"})


class VideoProgressIn(Strict):
    played = List(List(Float(validate=Range(min=0, max=86400)), validate=Length(equal=2)),
                  required=True, validate=Length(max=200),
                  metadata={"description": "the player's played ranges [[start, end], ...] in seconds"})
    position = Float(load_default=0, validate=Range(min=0, max=86400))


class ProgressOut(Schema):
    item_id = Integer(required=True)
    completed = Boolean(required=True)
    seconds_spent = Integer(required=True)
    required_seconds = Integer(required=True)
    watched_seconds = Float(required=True)
    duration_seconds = Float(allow_none=True, required=True)
    course_completed = Boolean(required=True)
    hours_credited = Float(required=True)


def _item_json(item: CourseItem, progress: CourseProgress | None) -> dict:
    return {
        "id": item.id, "kind": item.kind, "title": item.title, "completed": services.item_done(item, progress),
        "seconds_spent": progress.seconds_spent if progress else 0,
        "required_seconds": None if item.kind == "video" else item.required_seconds,
        "watched_seconds": progress.watched_seconds if progress else 0.0, "duration_seconds": item.duration_seconds,
    }


def _course_json(status: services.CourseStatus) -> dict:
    course = status.course
    return {
        "id": course.id, "title": course.title, "category": course.category, "hours": float(course.hours or 0),
        "description": course.description, "opens_at": isoformat(course.opens_at),
        "closes_at": isoformat(course.closes_at), "quiz_id": course.quiz_id, "quiz_passed": status.quiz_passed,
        "items_done": status.items_done, "items_total": status.items_total, "percent": status.percent,
        "completed_at": isoformat(status.completion.completed_at) if status.completion else None,
        "hours_credited": float(status.completion.hours) if status.completion else 0.0,
        "items": [_item_json(item, status.progress.get(item.id)) for item in course.items],
    }


@bp.get("/courses")
@api_auth()
@bp.output(CoursesOut)
@bp.doc(summary="The caller's courses (published, open, meant for the caller) with progress and 学时",
        security=BEARER, responses=[401])
def list_courses():
    user, now = api_user(), now_utc()
    year = now.astimezone(CAMPAIGN_TZ).year
    return {"year": year, "hours_this_year": services.hours_in_year(user.id, year),
            "courses": [_course_json(services.course_status(user, c)) for c in services.courses_for(user, now)]}


def _progress_json(item: CourseItem, row: CourseProgress, user) -> dict:
    completion = services.completion_of(user.id, item.course_id)
    return {"item_id": item.id, "completed": row.completed_at is not None, "seconds_spent": row.seconds_spent,
            "required_seconds": item.required_seconds, "watched_seconds": row.watched_seconds,
            "duration_seconds": item.duration_seconds, "course_completed": completion is not None,
            "hours_credited": float(completion.hours) if completion else 0.0}


@bp.post("/course-items/<int:item_id>/heartbeat")
@api_auth()
@bp.input(HeartbeatIn, arg_name="body")
@bp.output(ProgressOut)
@bp.doc(summary="A reading heartbeat, sent while the page is visible (credits at most the time since the last one)",
        security=BEARER, responses=[401, 403, 404, 422])
def course_item_heartbeat(item_id, body):
    user, now = api_user(), now_utc()
    item = services.item_for(user, item_id, now)
    row = services.record_heartbeat(user, item, now, resume=body["resume"],
                                    interval=current_app.config["LEARNING_HEARTBEAT_SECONDS"])
    return _progress_json(item, row, user)


@bp.post("/course-items/<int:item_id>/video-progress")
@api_auth()
@bp.input(VideoProgressIn, arg_name="body")
@bp.output(ProgressOut)
@bp.doc(summary="A video's played ranges; only seconds the wall clock allows since the last report are credited",
        security=BEARER, responses=[401, 403, 404, 422])
def course_item_video_progress(item_id, body):
    user, now = api_user(), now_utc()
    item = services.item_for(user, item_id, now)
    row = services.record_video_report(user, item, body["played"], body["position"], now)
    return _progress_json(item, row, user)
