"""The 个人培训档案: what a person's record of a year holds, computed when it is read.

Sources, all rows that are never updated or deleted: CourseCompletion (its ``year``),
SessionAttendance (the year of the session's start in the campaign's time zone), finalized
attempts (one entry per quiz: the best attempt of the year, quiz.models.attempts.best_attempt)
with the certificate earned by it, and TrainingCorrection rows (void, amend, add), applied in the
order they were made.  Entry builders take many people at once, so the 单位培训台账 uses the same
code with a few grouped queries.  Domain functions take ``now`` and never commit.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    ATTENDANCE_METHOD_LABELS, CORRECTION_ACTION_LABELS, FINAL_STATUSES, RECORD_ENTRY_KIND_LABELS, Attempt,
    Certificate, Course, CourseCompletion, Quiz, SessionAttendance, TrainingCorrection, TrainingRequirement,
    TrainingSession, User, best_attempt,
)
from ..services.audit import record_audit
from ..services.clock import CAMPAIGN_TZ, EARLIEST_YEAR, LATEST_YEAR
from .requirements import active_requirements, applies, evaluate, position_of

#: the kinds of entries that are trainings (counted by a "count" requirement); a quiz is not
TRAINING_KINDS = ("course", "session", "manual")
MAX_REASON, MAX_TITLE, MAX_CATEGORY, MAX_RESULT, MAX_HOURS = 500, 200, 50, 100, 999
YEAR_MESSAGE = f"年份应为 {EARLIEST_YEAR} 至 {LATEST_YEAR} 之间的四位数字"
#: user ids per IN (...) list (SQLite allows 32,766 parameters; PostgreSQL more)
CHUNK = 2000


def year_of(moment: datetime) -> int:
    """The calendar year of a moment in the campaign's time zone (Asia/Shanghai)."""
    return moment.astimezone(CAMPAIGN_TZ).year


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of ``year`` and of the next one in the campaign's time zone, as aware UTC."""
    start = datetime(year, 1, 1, tzinfo=CAMPAIGN_TZ).astimezone(timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=CAMPAIGN_TZ).astimezone(timezone.utc)
    return start, end


def parse_year(value, now: datetime) -> int:
    """The year asked for (``?year=``): empty means this year; anything but 2000-2099 is refused (422)."""
    if value is None or str(value).strip() == "":
        return year_of(now)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4) or not EARLIEST_YEAR <= int(text) <= LATEST_YEAR:
        raise ValidationFailed(YEAR_MESSAGE, code="invalid_year", field="year")
    return int(text)


def _chunks(ids) -> list[list[int]]:
    ids = list(ids)
    return [ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _score(value) -> str:
    return f"{float(value or 0):g}"


def quiz_result(attempt: Attempt | None) -> str:
    """The 考核结果 of a quiz: 合格/不合格 with the score (a quiz without a pass mark: the score)."""
    if attempt is None:
        return "未参加考核"
    if attempt.passed is None:
        return f"{_score(attempt.score)}分"
    return f"{'合格' if attempt.passed else '不合格'}（{_score(attempt.score)}分）"


@dataclass
class Entry:
    """One line of the record: 时间、内容、学时、考核结果, where it came from, and its corrections."""

    kind: str  # course, session, quiz, manual
    #: the id a correction names: CourseCompletion, SessionAttendance, the best Attempt, the "add" correction
    entry_id: int
    date: datetime
    title: str
    category: str
    hours: float
    result: str
    #: source ids (course_id, completion_id, session_id, attendance_id, quiz_id, attempt_id, certificate_code ...)
    source: dict = field(default_factory=dict)
    #: every id a correction of this entry may name (a quiz: each of its attempts of the year)
    match_ids: frozenset = frozenset()
    voided_by: TrainingCorrection | None = None
    amended_by: list = field(default_factory=list)
    added_by: TrainingCorrection | None = None

    @property
    def counts(self) -> bool:
        """A voided entry is shown struck out and counts for nothing."""
        return self.voided_by is None

    @property
    def is_training(self) -> bool:
        return self.kind in TRAINING_KINDS

    @property
    def kind_label(self) -> str:
        return RECORD_ENTRY_KIND_LABELS[self.kind]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.entry_id}"

    @property
    def note(self) -> str:
        """What corrections did to the entry, for the record's 备注 column."""
        parts = []
        if self.added_by is not None:
            parts.append(f"补录：{self.added_by.reason}")
        parts.extend(f"更正：{c.reason}" for c in self.amended_by)
        if self.voided_by is not None:
            parts.append(f"作废：{self.voided_by.reason}")
        return "；".join(parts)


# ---------------------------------------------------------------- entries from the sources


def course_entries(user_ids, year: int) -> dict[int, list[Entry]]:
    """Credited courses of the year, by person (the hours and title as credited; the course's 分类 now)."""
    result: dict[int, list[Entry]] = defaultdict(list)
    for chunk in _chunks(user_ids):
        rows = db.session.execute(
            select(CourseCompletion, Course.category, Attempt.score)
            .join(Course, Course.id == CourseCompletion.course_id)
            .outerjoin(Attempt, Attempt.id == CourseCompletion.attempt_id)
            .where(CourseCompletion.user_id.in_(chunk), CourseCompletion.year == year))
        for completion, category, score in rows:
            outcome = "已完成" if completion.attempt_id is None else f"已完成，测验合格（{_score(score)}分）"
            result[completion.user_id].append(Entry(
                "course", completion.id, completion.completed_at, completion.course_title, category or "",
                float(completion.hours or 0), outcome,
                {"course_id": completion.course_id, "completion_id": completion.id, "attempt_id": completion.attempt_id},
                frozenset({completion.id})))
    return result


def _best_attempts(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Attempt]:
    """The best finalized attempt of each (user, quiz) pair, in grouped queries."""
    by_pair: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    quiz_ids = {quiz_id for _, quiz_id in pairs}
    for chunk in _chunks({user_id for user_id, _ in pairs}):
        for attempt in db.session.scalars(select(Attempt).where(
                Attempt.user_id.in_(chunk), Attempt.quiz_id.in_(quiz_ids), Attempt.status.in_(FINAL_STATUSES))):
            if (attempt.user_id, attempt.quiz_id) in pairs:
                by_pair[(attempt.user_id, attempt.quiz_id)].append(attempt)
    return {pair: best_attempt(attempts) for pair, attempts in by_pair.items()}


def session_entries(user_ids, year: int) -> dict[int, list[Entry]]:
    """Attended 线下培训 sessions that started in the year, by person; an attached exam's best attempt is the 考核结果."""
    start, end = year_bounds(year)
    found: list[tuple[SessionAttendance, TrainingSession]] = []
    for chunk in _chunks(user_ids):
        found.extend(db.session.execute(
            select(SessionAttendance, TrainingSession).join(TrainingSession, TrainingSession.id == SessionAttendance.session_id)
            .where(SessionAttendance.user_id.in_(chunk), TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
        ))
    exams = _best_attempts({(a.user_id, s.quiz_id) for a, s in found if s.quiz_id is not None})
    result: dict[int, list[Entry]] = defaultdict(list)
    for attendance, session in found:
        if session.quiz_id is not None:
            outcome = quiz_result(exams.get((attendance.user_id, session.quiz_id)))
        else:
            outcome = f"已参加（{ATTENDANCE_METHOD_LABELS.get(attendance.method, attendance.method)}）"
        result[attendance.user_id].append(Entry(
            "session", attendance.id, session.starts_at, session.title, session.category or "",
            float(session.hours or 0), outcome,
            {"session_id": session.id, "attendance_id": attendance.id, "quiz_id": session.quiz_id,
             "place": session.place, "teacher": session.teacher},
            frozenset({attendance.id})))
    return result


def quiz_entries(user_id: int, year: int) -> list[Entry]:
    """One entry per quiz taken in the year: the best finalized attempt of the year, with its certificate."""
    start, end = year_bounds(year)
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.user_id == user_id, Attempt.status.in_(FINAL_STATUSES),
            Attempt.submitted_at >= start, Attempt.submitted_at < end)):
        attempts[attempt.quiz_id].append(attempt)
    if not attempts:
        return []
    titles = {row.id: row.title for row in db.session.execute(select(Quiz.id, Quiz.title).where(Quiz.id.in_(list(attempts))))}
    ids = [a.id for group in attempts.values() for a in group]
    certificates = {cert.attempt_id: cert for cert in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.attempt_id.in_(ids)))}
    entries = []
    for quiz_id, group in attempts.items():
        best = best_attempt(group)
        outcome = quiz_result(best)
        certificate = next((certificates[a.id] for a in sorted(group, key=lambda a: a.id) if a.id in certificates), None)
        if certificate is not None and certificate.code:
            outcome += f"，获证书 {certificate.code}"
        entries.append(Entry(
            "quiz", best.id, best.submitted_at, titles.get(quiz_id, f"测验 {quiz_id}"), "", 0.0, outcome,
            {"quiz_id": quiz_id, "attempt_id": best.id, "attempts": len(group),
             "certificate_code": certificate.code if certificate is not None else None},
            frozenset(a.id for a in group)))
    return entries


def corrections_for(user_ids, year: int) -> dict[int, list[TrainingCorrection]]:
    """The corrections of the year, by person, in the order they were made."""
    result: dict[int, list[TrainingCorrection]] = defaultdict(list)
    for chunk in _chunks(user_ids):
        for correction in db.session.scalars(select(TrainingCorrection).where(
                TrainingCorrection.user_id.in_(chunk), TrainingCorrection.year == year)
                .order_by(TrainingCorrection.created_at, TrainingCorrection.id)):
            result[correction.user_id].append(correction)
    return result


# ---------------------------------------------------------------- corrections, applied when read


def find_entry(entries: list[Entry], kind: str, entry_id: int | None) -> Entry | None:
    """The entry a correction names (a quiz entry answers to any of its attempts)."""
    return next((e for e in entries if e.kind == kind and entry_id in e.match_ids), None)


def apply_void(entries: list[Entry], correction: TrainingCorrection) -> bool:
    """作废: the entry stays on the page, struck out with the reason, and counts for nothing."""
    entry = find_entry(entries, correction.entry_kind, correction.entry_id)
    if entry is None:
        return False
    entry.voided_by = correction
    return True


def apply_amend(entries: list[Entry], correction: TrainingCorrection) -> bool:
    """更正: the figures the correction gives replace the entry's (the others stay)."""
    entry = find_entry(entries, correction.entry_kind, correction.entry_id)
    if entry is None:
        return False
    for name in ("title", "category", "result"):
        value = getattr(correction, name)
        if value is not None:
            setattr(entry, name, value)
    if correction.hours is not None:
        entry.hours = float(correction.hours)
    if correction.entry_date is not None:
        entry.date = correction.entry_date
    entry.amended_by.append(correction)
    return True


def apply_add(entries: list[Entry], correction: TrainingCorrection) -> bool:
    """补录: a training missing from the platform (e.g. on paper) becomes an entry of kind manual."""
    entries.append(Entry(
        "manual", correction.id, correction.entry_date or correction.created_at, correction.title or "",
        correction.category or "", float(correction.hours or 0), correction.result or "",
        {"correction_id": correction.id}, frozenset({correction.id}), added_by=correction))
    return True


APPLY = {"void": apply_void, "amend": apply_amend, "add": apply_add}


def apply_corrections(entries: list[Entry], corrections: list[TrainingCorrection]) -> list[TrainingCorrection]:
    """Apply the corrections in order; those naming no entry of the year are returned (shown, not applied)."""
    return [c for c in corrections if not APPLY[c.action](entries, c)]


# ---------------------------------------------------------------- the record


@dataclass
class RequirementStatus:
    requirement: TrainingRequirement
    done: float

    @property
    def required(self) -> float:
        return float(self.requirement.required)

    @property
    def met(self) -> bool:
        return self.done >= self.required

    @property
    def unit_label(self) -> str:
        return "学时" if self.requirement.metric == "hours" else "次"


def requirement_statuses(requirements, position: str | None, unit_kind: str | None, entries) -> list[RequirementStatus]:
    """The requirements that bind the person, each with what the entries reach."""
    return [RequirementStatus(r, evaluate(r, entries)) for r in requirements if applies(r, position, unit_kind)]


def total_hours(entries) -> float:
    """The 学时 of the year: every entry that is not voided."""
    return round(sum(entry.hours for entry in entries if entry.counts), 2)


@dataclass
class TrainingRecord:
    user: User
    year: int
    position: str
    unit_name: str
    entries: list[Entry]
    corrections: list[TrainingCorrection]
    unmatched: list[TrainingCorrection]
    requirements: list[RequirementStatus]
    generated_at: datetime

    @property
    def total_hours(self) -> float:
        return total_hours(self.entries)

    @property
    def all_met(self) -> bool:
        return all(status.met for status in self.requirements)

    def entry(self, kind: str, entry_id: int) -> Entry | None:
        return find_entry(self.entries, kind, entry_id)


def training_record(user: User, year: int, now: datetime) -> TrainingRecord:
    """A person's record of a year: every entry with its corrections applied, the totals and the
    requirements that bind them (done / required / met)."""
    entries = course_entries([user.id], year)[user.id] + session_entries([user.id], year)[user.id] + quiz_entries(user.id, year)
    corrections = corrections_for([user.id], year)[user.id]
    unmatched = apply_corrections(entries, corrections)
    entries.sort(key=lambda e: (e.date, e.kind, e.entry_id))
    unit_kind = user.unit.kind if user.unit is not None else None
    return TrainingRecord(user, year, position_of(user), user.unit.name if user.unit is not None else "", entries,
                          corrections, unmatched, requirement_statuses(active_requirements(), user.position, unit_kind, entries),
                          now)


# ---------------------------------------------------------------- making a correction


@dataclass
class CorrectionFields:
    action: str
    reason: str
    entry_kind: str = "manual"
    entry_id: int | None = None
    entry_date: datetime | None = None
    title: str | None = None
    category: str | None = None
    hours: float | None = None
    result: str | None = None


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def check_correction(record: TrainingRecord, fields: CorrectionFields) -> CorrectionFields:
    """Refuse a correction that is incomplete or names no entry of the record (ValidationFailed under its field)."""
    for name in ("title", "category", "result"):
        setattr(fields, name, _blank_to_none(getattr(fields, name)))
    fields.reason = (fields.reason or "").strip()
    if fields.action not in CORRECTION_ACTION_LABELS:
        raise ValidationFailed("更正方式无效", field="action")
    if not fields.reason:
        raise ValidationFailed("请填写更正原因", field="reason")
    if len(fields.reason) > MAX_REASON:
        raise ValidationFailed(f"更正原因不超过 {MAX_REASON} 个字符", field="reason")
    for name, limit, label in (("title", MAX_TITLE, "培训内容"), ("category", MAX_CATEGORY, "分类"), ("result", MAX_RESULT, "考核结果")):
        if getattr(fields, name) is not None and len(getattr(fields, name)) > limit:
            raise ValidationFailed(f"{label}不超过 {limit} 个字符", field=name)
    if fields.hours is not None and not 0 <= float(fields.hours) <= MAX_HOURS:
        raise ValidationFailed(f"学时应在 0 至 {MAX_HOURS} 之间", field="hours")
    if fields.hours is not None and round(float(fields.hours), 2) != float(fields.hours):
        raise ValidationFailed("学时最多两位小数", field="hours")
    if fields.entry_date is not None and year_of(fields.entry_date) != record.year:
        raise ValidationFailed(f"日期应在 {record.year} 年内", field="entry_date")
    if fields.action == "add":
        fields.entry_kind, fields.entry_id = "manual", None
        if fields.entry_date is None:
            raise ValidationFailed("请填写培训日期", field="entry_date")
        if fields.title is None:
            raise ValidationFailed("请填写培训内容", field="title")
        if fields.hours is None:
            raise ValidationFailed("请填写学时", field="hours")
        return fields
    entry = record.entry(fields.entry_kind, fields.entry_id)
    if entry is None:
        raise ValidationFailed("在该年度的档案中找不到要更正的记录", field="entry")
    if entry.voided_by is not None:
        raise ValidationFailed("该记录已作废", field="entry")
    fields.entry_id = entry.entry_id
    if fields.action == "void":
        fields.entry_date = fields.title = fields.category = fields.hours = fields.result = None
        return fields
    if all(getattr(fields, name) is None for name in ("entry_date", "title", "category", "hours", "result")):
        raise ValidationFailed("请填写要更正的内容（日期、内容、分类、学时或考核结果）", field="hours")
    if entry.kind == "quiz" and (fields.hours is not None or fields.category is not None):
        raise ValidationFailed("考试记录不计学时，只能更正内容、日期或考核结果", field="hours")
    return fields


def add_correction(person: User, year: int, fields: CorrectionFields, actor: User, now: datetime) -> TrainingCorrection:
    """Write one correction (never an edit of the entry) with its audit entry; nothing is committed."""
    record = training_record(person, year, now)
    fields = check_correction(record, fields)
    correction = TrainingCorrection(
        user_id=person.id, year=year, action=fields.action, entry_kind=fields.entry_kind, entry_id=fields.entry_id,
        entry_date=fields.entry_date, title=fields.title, category=fields.category, hours=fields.hours,
        result=fields.result, reason=fields.reason, created_by_id=actor.id, created_at=now)
    db.session.add(correction)
    db.session.flush()
    label = CORRECTION_ACTION_LABELS[fields.action]
    what = fields.title if fields.action == "add" else record.entry(fields.entry_kind, fields.entry_id).title
    record_audit(actor, f"record.{fields.action}", "user", person.id,
                 f"{label} {person.display_name} 的 {year} 年培训档案：{what}（原因：{fields.reason}）", now,
                 {"correction_id": correction.id, "year": year, "entry_kind": fields.entry_kind, "entry_id": fields.entry_id,
                  "entry_date": fields.entry_date, "title": fields.title, "category": fields.category,
                  "hours": fields.hours, "result": fields.result, "reason": fields.reason})
    return correction
