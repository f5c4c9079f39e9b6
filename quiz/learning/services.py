"""Courses and the progress rules: plain functions taking ``now``; they flush, never commit.

The progress rules in one place (docs/learning.md):

* Reading time (article, accident case, PDF) comes from heartbeats the page sends while it is
  visible.  A beat credits the wall time since the previous beat, at most
  ``2 × interval`` seconds; a gap longer than ``3 × interval`` means the page stopped
  beating (hidden, asleep, closed) and credits nothing.  The total is capped at
  ``READING_CAP_MULTIPLE`` times the item's required time.
* Video: the page reports the ranges it has played.  Only ranges not yet credited count, and
  a report credits at most the wall time since the previous report (and at most
  ``VIDEO_REPORT_MAX_SECONDS``), so a seek to the end credits nothing.  The item is complete
  once ``VIDEO_COMPLETE_SHARE`` of the video's length is credited.
* 学时 are credited (one CourseCompletion) when every item is complete and the linked quiz is
  passed: once per person and course, never changed afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Forbidden, NotFound, ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import (
    COURSE_ITEM_KINDS,
    ROLES,
    Attempt,
    Course,
    CourseCompletion,
    CourseFile,
    CourseItem,
    CourseProgress,
    Quiz,
    Unit,
    User,
)
from ..org.tree import UnitTree, load_tree
from ..services.audit import field_changes, record_audit
from ..services.clock import CAMPAIGN_TZ, TIME_RANGE_MESSAGE, supported_time

MAX_TITLE = 200
MAX_CATEGORY = 50
MAX_TEXT = 100_000
MAX_HOURS = 100
#: reading time is credited up to this multiple of the item's required time
READING_CAP_MULTIPLE = 3
#: the page's heartbeat interval (config LEARNING_HEARTBEAT_SECONDS overrides it)
HEARTBEAT_SECONDS = 15
#: a video report credits at most this many seconds (the page reports every 5 s while playing)
VIDEO_REPORT_MAX_SECONDS = 30
#: slack for the granularity of the player's timeupdate events and of the two clocks
VIDEO_SLACK_SECONDS = 1.0
#: share of a video's length that must be watched
VIDEO_COMPLETE_SHARE = 0.9
MIN_REQUIRED_SECONDS, MAX_REQUIRED_SECONDS = 1, 4 * 3600
DEFAULT_REQUIRED_SECONDS = 60


# ---------------------------------------------------------------- audience and access


def in_audience(course: Course, user: User, tree: UnitTree | None = None) -> bool:
    """The audience rule: the user's role is listed (or none are) and the user's unit lies in a
    listed unit's subtree (or none are listed)."""
    if course.roles and user.role not in course.roles:
        return False
    if not course.unit_ids:
        return True
    if user.unit_id is None:
        return False
    tree = tree or load_tree()
    return any(unit_id in tree.units and tree.contains(unit_id, user.unit_id) for unit_id in course.unit_ids)


def available_to(course: Course, user: User, now: datetime, tree: UnitTree | None = None) -> bool:
    """Whether an employee may study the course now: published, in its window, in its audience."""
    return course.is_published and course.is_open(now) and in_audience(course, user, tree)


def course_for(user: User, course_id: int, now: datetime) -> Course:
    """The course as ``user`` may see it: staff see every course; others only a published one
    (404 otherwise) that is meant for them (403) and open now (403)."""
    course = db.session.get(Course, course_id)
    if course is None or (not user.is_staff and not course.is_published):
        raise NotFound("找不到该课程")
    if user.is_staff:
        return course
    if not in_audience(course, user):
        raise Forbidden("该课程不面向您所在的单位或岗位")
    if not course.is_open(now):
        raise Forbidden("该课程不在学习时间内")
    return course


def item_for(user: User, item_id: int, now: datetime) -> CourseItem:
    """An item of a course ``user`` may study (course_for's rules)."""
    item = get_or_not_found(CourseItem, item_id, "找不到该学习内容")
    course_for(user, item.course_id, now)
    return item


def file_for(user: User, file_id: int, now: datetime) -> CourseFile:
    """An uploaded file of a course ``user`` may study (course_for's rules)."""
    row = get_or_not_found(CourseFile, file_id, "找不到该文件")
    course_for(user, row.course_id, now)
    return row


def courses_for(user: User, now: datetime) -> list[Course]:
    """The published courses open now whose audience includes ``user``, newest first."""
    tree = load_tree()
    rows = db.session.scalars(select(Course).where(Course.is_published.is_(True)).order_by(Course.id.desc()))
    return [course for course in rows if course.is_open(now) and in_audience(course, user, tree)]


# ---------------------------------------------------------------- progress


def progress_row(user: User, item: CourseItem, now: datetime) -> CourseProgress:
    """The user's progress on the item, created (and flushed) on first use."""
    row = db.session.scalar(select(CourseProgress).where(
        CourseProgress.user_id == user.id, CourseProgress.item_id == item.id))
    if row is None:
        row = CourseProgress(user_id=user.id, item_id=item.id, seconds_spent=0, watched_ranges=[],
                             watched_seconds=0.0, started_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # a concurrent first beat made it
            row = db.session.scalar(select(CourseProgress).where(
                CourseProgress.user_id == user.id, CourseProgress.item_id == item.id))
    return row


def reading_credit(last_beat_at: datetime | None, now: datetime, interval: int) -> int:
    """Seconds one heartbeat credits: the wall time since the previous beat, at most 2 × interval;
    nothing for the first beat or after a gap longer than 3 × interval (the page was hidden)."""
    if last_beat_at is None:
        return 0
    elapsed = (now - last_beat_at).total_seconds()
    if elapsed <= 0 or elapsed > 3 * interval:
        return 0
    return int(min(elapsed, 2 * interval))


def reading_cap(item: CourseItem) -> int:
    """The most reading time an item records: READING_CAP_MULTIPLE × its required time."""
    return READING_CAP_MULTIPLE * item.required_seconds


def record_heartbeat(user: User, item: CourseItem, now: datetime, *, resume: bool = False,
                     interval: int = HEARTBEAT_SECONDS) -> CourseProgress:
    """A visible-page heartbeat on a reading item; ``resume`` (page shown again) only restarts the clock."""
    if item.kind == "video":
        raise ValidationFailed("视频的进度按观看记录计算", code="wrong_kind")
    row = progress_row(user, item, now)
    credit = 0 if resume else reading_credit(row.last_beat_at, now, interval)
    row.seconds_spent = min(reading_cap(item), row.seconds_spent + credit)
    row.last_beat_at = now
    _complete_item_if_done(user, item, row, now)
    db.session.flush()
    return row


def merge_ranges(ranges: list[list[float]]) -> list[list[float]]:
    """Sorted, non-overlapping ranges covering the same seconds."""
    merged: list[list[float]] = []
    for start, end in sorted([float(a), float(b)] for a, b in ranges if b > a):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def subtract_ranges(ranges: list[list[float]], taken: list[list[float]]) -> list[list[float]]:
    """The parts of ``ranges`` (merged) not covered by ``taken`` (merged)."""
    result = []
    for start, end in ranges:
        cursor = start
        for t_start, t_end in taken:
            if t_end <= cursor or t_start >= end:
                continue
            if t_start > cursor:
                result.append([cursor, t_start])
            cursor = max(cursor, t_end)
        if cursor < end:
            result.append([cursor, end])
    return result


def total_length(ranges: list[list[float]]) -> float:
    return sum(end - start for start, end in ranges)


def clip_to_budget(new: list[list[float]], budget: float, position: float) -> list[list[float]]:
    """At most ``budget`` seconds of the new ranges, the most recently played first: what lies
    just before the player's position, taken backwards from it, then the rest nearest to it."""
    pieces = []
    for start, end in new:
        if start < position < end:
            pieces += [[start, position], [position, end]]
        else:
            pieces.append([start, end])
    chosen = []
    for start, end in sorted(pieces, key=lambda r: (r[1] > position + 1e-6, abs(position - r[1]))):
        if budget <= 0:
            break
        take = min(end - start, budget)
        chosen.append([end - take, end])
        budget -= take
    return merge_ranges(chosen)


def video_budget(last_report_at: datetime | None, now: datetime) -> float:
    """Seconds of video one report may credit: the wall time since the previous report (plus a
    second of slack), at most VIDEO_REPORT_MAX_SECONDS; nothing for the first report."""
    if last_report_at is None:
        return 0.0
    elapsed = (now - last_report_at).total_seconds()
    if elapsed <= 0:
        return 0.0
    return min(elapsed + VIDEO_SLACK_SECONDS, VIDEO_REPORT_MAX_SECONDS)


def record_video_report(user: User, item: CourseItem, played: list[list[float]], position: float,
                        now: datetime) -> CourseProgress:
    """The player's played ranges: credit the new seconds the wall clock allows (video_budget)."""
    if item.kind != "video" or item.duration_seconds is None:
        raise ValidationFailed("该内容不是视频", code="wrong_kind")
    duration = float(item.duration_seconds)
    row = progress_row(user, item, now)
    reported = merge_ranges([[max(0.0, min(a, duration)), max(0.0, min(b, duration))] for a, b in played])
    credited = merge_ranges(row.watched_ranges or [])
    new = subtract_ranges(reported, credited)
    granted = clip_to_budget(new, video_budget(row.last_beat_at, now), position)
    if granted:
        credited = merge_ranges(credited + granted)
        row.watched_ranges = [[round(a, 2), round(b, 2)] for a, b in credited]
        row.watched_seconds = round(total_length(credited), 2)
    row.last_beat_at = now
    _complete_item_if_done(user, item, row, now)
    db.session.flush()
    return row


def item_done(item: CourseItem, progress: CourseProgress | None) -> bool:
    """The completion rule of one item: a video watched to VIDEO_COMPLETE_SHARE of its length,
    anything else read for its required time."""
    if progress is None:
        return False
    if item.kind == "video":
        duration = item.duration_seconds or 0
        return duration > 0 and progress.watched_seconds >= VIDEO_COMPLETE_SHARE * duration - 0.05
    return progress.seconds_spent >= item.required_seconds


def _complete_item_if_done(user: User, item: CourseItem, row: CourseProgress, now: datetime) -> None:
    if row.completed_at is None and item_done(item, row):
        row.completed_at = now
        db.session.flush()
        credit_if_complete(user, item.course, now)


def passed_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    """The user's first passed, finalized attempt at the quiz (the linked quiz's result)."""
    return db.session.scalar(select(Attempt).where(
        Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.status.in_(("submitted", "expired")),
        Attempt.passed.is_(True)).order_by(Attempt.submitted_at, Attempt.id).limit(1))


def completion_of(user_id: int, course_id: int) -> CourseCompletion | None:
    return db.session.scalar(select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id))


def credit_if_complete(user: User, course: Course, now: datetime) -> CourseCompletion | None:
    """Credit the course's 学时 once when every item is complete and the linked quiz is passed."""
    existing = completion_of(user.id, course.id)
    if existing is not None:
        return existing
    if not course.items:
        return None
    done = _progress_by_item(user.id, course)
    if not all(item_done(item, done.get(item.id)) for item in course.items):
        return None
    attempt = None
    if course.quiz_id is not None:
        attempt = passed_attempt(user.id, course.quiz_id)
        if attempt is None:
            return None
    completion = CourseCompletion(
        user_id=user.id, course_id=course.id, completed_at=now, hours=float(course.hours or 0),
        year=now.astimezone(CAMPAIGN_TZ).year, course_title=course.title,
        attempt_id=attempt.id if attempt else None)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:  # credited by a concurrent request
        return completion_of(user.id, course.id)
    record_audit(user, "course.credit", "course", course.id,
                 f"{user.display_name} 完成课程“{course.title}”，记 {course.hours:g} 学时", now,
                 {"user_id": user.id, "hours": float(course.hours or 0), "attempt_id": completion.attempt_id})
    return completion


def credit_after_attempt(attempt: Attempt, now: datetime) -> None:
    """A passed attempt may complete the courses that link its quiz (called when it is finalized)."""
    if not attempt.passed:
        return
    courses = db.session.scalars(select(Course).where(
        Course.quiz_id == attempt.quiz_id, Course.is_published.is_(True))).all()
    if not courses:
        return
    user = db.session.get(User, attempt.user_id)
    tree = load_tree()
    for course in courses:
        if in_audience(course, user, tree) or user.is_staff:
            credit_if_complete(user, course, now)


def _progress_by_item(user_id: int, course: Course) -> dict[int, CourseProgress]:
    item_ids = [item.id for item in course.items]
    if not item_ids:
        return {}
    rows = db.session.scalars(select(CourseProgress).where(
        CourseProgress.user_id == user_id, CourseProgress.item_id.in_(item_ids)))
    return {row.item_id: row for row in rows}


@dataclass
class CourseStatus:
    """One person's standing in one course, for the pages and the API."""

    course: Course
    progress: dict[int, CourseProgress]
    items_done: int
    quiz_passed: bool | None
    completion: CourseCompletion | None

    @property
    def items_total(self) -> int:
        return len(self.course.items)

    @property
    def percent(self) -> int:
        steps = self.items_total + (1 if self.quiz_passed is not None else 0)
        if self.completion is not None:
            return 100
        if not steps:
            return 0
        return int(100 * (self.items_done + (1 if self.quiz_passed else 0)) / steps)

    def item_done(self, item: CourseItem) -> bool:
        return item_done(item, self.progress.get(item.id))


def course_status(user: User, course: Course) -> CourseStatus:
    progress = _progress_by_item(user.id, course)
    done = sum(1 for item in course.items if item_done(item, progress.get(item.id)))
    quiz_passed = None if course.quiz_id is None else passed_attempt(user.id, course.quiz_id) is not None
    return CourseStatus(course, progress, done, quiz_passed, completion_of(user.id, course.id))


def hours_in_year(user_id: int, year: int) -> float:
    """学时 credited to the user in a calendar year (campaign time zone)."""
    total = db.session.scalar(select(func.coalesce(func.sum(CourseCompletion.hours), 0)).where(
        CourseCompletion.user_id == user_id, CourseCompletion.year == year))
    return float(total or 0)


def completions_in_year(user_id: int, year: int) -> list[CourseCompletion]:
    """The user's credited courses of a year, in order (what a training record lists)."""
    return list(db.session.scalars(select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.year == year).order_by(CourseCompletion.completed_at)))


# ---------------------------------------------------------------- trainers: courses


@dataclass
class CourseFields:
    title: str
    category: str = ""
    hours: float = 0.5
    description: str = ""
    quiz_id: int | None = None
    unit_ids: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    @classmethod
    def of(cls, course: Course) -> "CourseFields":
        return cls(course.title, course.category, float(course.hours or 0), course.description, course.quiz_id,
                   list(course.unit_ids or []), list(course.roles or []), course.opens_at, course.closes_at)

    def as_dict(self) -> dict:
        return {"title": self.title, "category": self.category, "hours": self.hours,
                "description": self.description, "quiz_id": self.quiz_id, "unit_ids": sorted(self.unit_ids),
                "roles": sorted(self.roles), "opens_at": self.opens_at, "closes_at": self.closes_at}


def check_course(fields: CourseFields) -> CourseFields:
    """A course's settings: a title, 学时 between 0 and MAX_HOURS in steps of 0.01, an existing
    quiz, existing units, known roles, a window that closes after it opens."""
    title = (fields.title or "").strip()
    if not title:
        raise ValidationFailed("请填写课程名称", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"课程名称不超过 {MAX_TITLE} 个字符", field="title")
    category = (fields.category or "").strip()
    if len(category) > MAX_CATEGORY:
        raise ValidationFailed(f"分类不超过 {MAX_CATEGORY} 个字符", field="category")
    hours = fields.hours
    if hours is None or not (0 < float(hours) <= MAX_HOURS) or round(float(hours), 2) != float(hours):
        raise ValidationFailed(f"学时应大于 0、不超过 {MAX_HOURS}，最多两位小数", field="hours")
    if len(fields.description or "") > MAX_TEXT:
        raise ValidationFailed("简介太长", field="description")
    if fields.quiz_id is not None and db.session.get(Quiz, fields.quiz_id) is None:
        raise ValidationFailed("所选测验不存在", field="quiz_id")
    unit_ids = sorted(set(fields.unit_ids or []))
    if unit_ids and db.session.scalar(select(func.count(Unit.id)).where(Unit.id.in_(unit_ids))) != len(unit_ids):
        raise ValidationFailed("所选单位不存在", field="unit_ids")
    roles = sorted(set(fields.roles or []))
    if any(role not in ROLES for role in roles):
        raise ValidationFailed("所选岗位无效", field="roles")
    for name in ("opens_at", "closes_at"):
        if not supported_time(getattr(fields, name)):
            raise ValidationFailed(TIME_RANGE_MESSAGE, field=name)
    if fields.opens_at and fields.closes_at and fields.closes_at <= fields.opens_at:
        raise ValidationFailed("结束时间应晚于开始时间", field="closes_at")
    return CourseFields(title, category, float(hours), fields.description or "", fields.quiz_id, unit_ids, roles,
                        fields.opens_at, fields.closes_at)


def create_course(fields: CourseFields, actor: User, now: datetime) -> Course:
    """A new course (unpublished until its items are in)."""
    fields = check_course(fields)
    course = Course(**_column_values(fields), is_published=False, created_by_id=actor.id, created_at=now,
                    updated_at=now)
    db.session.add(course)
    db.session.flush()
    record_audit(actor, "course.create", "course", course.id, f"新建课程“{course.title}”", now, fields.as_dict())
    return course


def update_course(course: Course, fields: CourseFields, actor: User, now: datetime) -> dict:
    """Save new settings; returns the changes (credited 学时 keep the hours they were credited with)."""
    fields = check_course(fields)
    changes = field_changes(CourseFields.of(course).as_dict(), fields.as_dict())
    if changes:
        for name, value in _column_values(fields).items():
            setattr(course, name, value)
        course.updated_at = now
        db.session.flush()
        record_audit(actor, "course.update", "course", course.id, f"修改课程“{course.title}”", now, changes)
    return changes


def _column_values(fields: CourseFields) -> dict:
    values = dict(fields.__dict__)
    return values


def publish_problem(course: Course) -> str | None:
    """Why a course cannot be published yet (no items, a PDF or video without its file), or None."""
    if not course.items:
        return "课程还没有学习内容，请先添加"
    for item in course.items:
        if item.kind in ("pdf", "video") and item.file_id is None:
            return f"“{item.title}”还没有上传文件"
    return None


def set_published(course: Course, published: bool, actor: User, now: datetime) -> None:
    """Publish (employees in the audience see it) or withdraw a course; credited 学时 stay."""
    if published:
        problem = publish_problem(course)
        if problem:
            raise ValidationFailed(problem, code="not_ready")
    if course.is_published == published:
        return
    course.is_published = published
    course.updated_at = now
    db.session.flush()
    record_audit(actor, "course.publish" if published else "course.unpublish", "course", course.id,
                 f"{'发布' if published else '取消发布'}课程“{course.title}”", now)


# ---------------------------------------------------------------- trainers: items


@dataclass
class ItemFields:
    kind: str
    title: str
    body: str = ""
    case_events: str = ""
    case_causes: str = ""
    case_lessons: str = ""
    case_rules: str = ""
    required_seconds: int = DEFAULT_REQUIRED_SECONDS

    @classmethod
    def of(cls, item: CourseItem) -> "ItemFields":
        return cls(item.kind, item.title, item.body, item.case_events, item.case_causes, item.case_lessons,
                   item.case_rules, item.required_seconds)


def check_item(fields: ItemFields) -> ItemFields:
    """An item's content: a known kind, a title, the text its kind needs, a sensible reading time."""
    if fields.kind not in COURSE_ITEM_KINDS:
        raise ValidationFailed("学习内容的类型无效", field="kind")
    title = (fields.title or "").strip()
    if not title:
        raise ValidationFailed("请填写标题", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"标题不超过 {MAX_TITLE} 个字符", field="title")
    texts = ("body", "case_events", "case_causes", "case_lessons", "case_rules")
    for name in texts:
        if len(getattr(fields, name) or "") > MAX_TEXT:
            raise ValidationFailed("内容太长（不超过 10 万字）", field=name)
    if fields.kind == "article" and not (fields.body or "").strip():
        raise ValidationFailed("请填写正文", field="body")
    if fields.kind == "case" and not (fields.case_events or "").strip():
        raise ValidationFailed("请填写事故经过", field="case_events")
    seconds = fields.required_seconds
    if fields.kind != "video" and (seconds is None or not MIN_REQUIRED_SECONDS <= seconds <= MAX_REQUIRED_SECONDS):
        raise ValidationFailed(f"最少学习时间应在 {MIN_REQUIRED_SECONDS} 秒至 {MAX_REQUIRED_SECONDS // 3600} 小时之间",
                               field="required_seconds")
    values = {name: getattr(fields, name) or "" for name in texts}
    return ItemFields(fields.kind, title, required_seconds=seconds or DEFAULT_REQUIRED_SECONDS, **values)


def _check_file_fits(kind: str, upload: CourseFile | None) -> None:
    if upload is not None and upload.kind != kind:
        raise ValidationFailed("上传的文件类型与学习内容不符", field="file")


def add_item(course: Course, fields: ItemFields, upload: CourseFile | None, actor: User, now: datetime) -> CourseItem:
    """Append an item to the course."""
    fields = check_item(fields)
    _check_file_fits(fields.kind, upload)
    position = max((item.position for item in course.items), default=0) + 1
    item = CourseItem(course=course, position=position, **fields.__dict__, file=upload, created_at=now)
    db.session.add(item)
    course.updated_at = now
    db.session.flush()
    record_audit(actor, "course.item_add", "course", course.id, f"课程“{course.title}”添加{item.kind_label}“{item.title}”",
                 now, {"item_id": item.id, "kind": item.kind, "file_id": item.file_id})
    return item


def update_item(item: CourseItem, fields: ItemFields, upload: CourseFile | None, actor: User, now: datetime) -> dict:
    """Save an item's new content (a new file replaces the old one); returns the changes."""
    fields = check_item(ItemFields(item.kind, **{k: v for k, v in fields.__dict__.items() if k != "kind"}))
    _check_file_fits(item.kind, upload)
    before = ItemFields.of(item).__dict__ | {"file_id": item.file_id}
    after = fields.__dict__ | {"file_id": upload.id if upload else item.file_id}
    changes = field_changes(before, after)
    if changes:
        for name, value in fields.__dict__.items():
            setattr(item, name, value)
        if upload is not None:
            item.file = upload
        item.course.updated_at = now
        db.session.flush()
        record_audit(actor, "course.item_update", "course", item.course_id,
                     f"修改课程“{item.course.title}”的“{item.title}”", now, {"item_id": item.id, **changes})
    return changes


def remove_item(item: CourseItem, actor: User, now: datetime) -> None:
    """Remove an item with its progress rows; 学时 already credited stay."""
    course = item.course
    record_audit(actor, "course.item_remove", "course", course.id, f"课程“{course.title}”删除“{item.title}”", now,
                 {"item_id": item.id, "kind": item.kind, "title": item.title})
    course.items.remove(item)
    db.session.flush()
    if course.is_published and publish_problem(course):
        set_published(course, False, actor, now)


def move_item(item: CourseItem, offset: int, actor: User, now: datetime) -> None:
    """Move an item one place up (-1) or down (+1)."""
    items = list(item.course.items)
    index = items.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()
    db.session.expire(item.course, ["items"])
    record_audit(actor, "course.item_move", "course", item.course_id,
                 f"调整课程“{item.course.title}”中“{item.title}”的顺序", now, {"item_id": item.id, "offset": offset})
