"""Offline sessions and the sign-in rules: plain functions taking ``now``; they flush, never commit.

The rules in one place (docs/offline.md):

* The sign-in code is a 6-digit HMAC-SHA256 of the 30-second time step, keyed by the
  session's ``checkin_secret`` (TOTP-style truncation).  The current and the previous step
  are accepted, so a code read off the projector just before it changes still works.
* QR sign-in works only inside the session's window, from ``CHECKIN_OPENS_BEFORE`` before
  ``starts_at`` until ``ends_at``.
* Any enabled user may sign in to any session (sessions have no audience).
* Signing in twice is not an error: the first attendance stands and is returned again.
* Attendance rows are written once and never changed; a mistake is a TrainingCorrection.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Forbidden, ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import Quiz, SessionAttendance, TrainingSession, User
from ..services.audit import field_changes, record_audit
from ..services.clock import TIME_RANGE_MESSAGE, supported_time

STEP_SECONDS = 30
CODE_DIGITS = 6
#: QR sign-in opens this long before the session starts (people arrive early) and closes at its end
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
#: a code older than the accepted two steps but younger than this is reported as expired, not wrong
EXPIRED_LOOKBACK_STEPS = 40
MAX_TITLE, MAX_CATEGORY, MAX_PLACE, MAX_TEACHER, MAX_CONTENT = 200, 50, 200, 64, 20_000
MAX_HOURS = 100
MAX_SESSION_LENGTH = timedelta(days=7)
#: categories offered as suggestions on the form (anything else may be typed)
SUGGESTED_CATEGORIES = ("消防安全", "安全生产", "应急救援", "旅游安全", "文物安全", "特种设备", "交通安全",
                        "食品安全", "职业健康", "网络安全")

EXPIRED_MESSAGE = "签到码已过期，请扫描屏幕上的新二维码或输入新的签到码"
WRONG_MESSAGE = "签到码不正确，请核对屏幕上的 6 位数字"
CLOSED_MESSAGE = "不在签到时间内"
UNKNOWN_MESSAGE = "找不到该培训"


@dataclass
class SessionFields:
    title: str
    category: str = ""
    content: str = ""
    place: str = ""
    teacher: str = ""
    hours: float = 1.0
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    quiz_id: int | None = None

    @classmethod
    def of(cls, session: TrainingSession) -> "SessionFields":
        return cls(session.title, session.category, session.content, session.place, session.teacher,
                   float(session.hours or 0), session.starts_at, session.ends_at, session.quiz_id)


def check_fields(fields: SessionFields) -> SessionFields:
    """The form rules: a title, a window that ends after it starts, 学时 in 0..100, an existing quiz."""
    fields.title = (fields.title or "").strip()
    fields.category, fields.place = (fields.category or "").strip(), (fields.place or "").strip()
    fields.teacher, fields.content = (fields.teacher or "").strip(), (fields.content or "").strip()
    if not fields.title:
        raise ValidationFailed("请填写培训主题", field="title")
    for name, limit, label in (("title", MAX_TITLE, "培训主题"), ("category", MAX_CATEGORY, "分类"),
                               ("place", MAX_PLACE, "培训地点"), ("teacher", MAX_TEACHER, "授课人"),
                               ("content", MAX_CONTENT, "培训内容")):
        if len(getattr(fields, name)) > limit:
            raise ValidationFailed(f"{label}不超过 {limit} 个字符", field=name)
    if fields.hours is None or not 0 <= fields.hours <= MAX_HOURS:
        raise ValidationFailed(f"学时应在 0 到 {MAX_HOURS} 之间", field="hours")
    if fields.starts_at is None:
        raise ValidationFailed("请填写开始时间", field="starts_at")
    if fields.ends_at is None:
        raise ValidationFailed("请填写结束时间", field="ends_at")
    for name in ("starts_at", "ends_at"):
        if not supported_time(getattr(fields, name)):
            raise ValidationFailed(TIME_RANGE_MESSAGE, field=name)
    if fields.ends_at <= fields.starts_at:
        raise ValidationFailed("结束时间应晚于开始时间", field="ends_at")
    if fields.ends_at - fields.starts_at > MAX_SESSION_LENGTH:
        raise ValidationFailed("一次培训不超过 7 天", field="ends_at")
    if fields.quiz_id is not None and db.session.get(Quiz, fields.quiz_id) is None:
        raise ValidationFailed("所选考核测验不存在", field="quiz_id")
    return fields


def _values(session: TrainingSession) -> dict:
    return {"title": session.title, "category": session.category, "content": session.content,
            "place": session.place, "teacher": session.teacher, "hours": float(session.hours or 0),
            "starts_at": session.starts_at, "ends_at": session.ends_at, "quiz_id": session.quiz_id}


def create_session(fields: SessionFields, actor: User | None, now: datetime) -> TrainingSession:
    """A new session with its own sign-in secret; audited as session.create."""
    fields = check_fields(fields)
    session = TrainingSession(title=fields.title, category=fields.category, content=fields.content,
                              place=fields.place, teacher=fields.teacher, hours=fields.hours,
                              starts_at=fields.starts_at, ends_at=fields.ends_at, quiz_id=fields.quiz_id,
                              checkin_secret=secrets.token_hex(32),
                              created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
    db.session.add(session)
    db.session.flush()
    record_audit(actor, "session.create", "training_session", session.id, f"新建线下培训“{session.title}”", now,
                 _values(session))
    return session


#: what the training record shows of a session: fixed once someone attended (the record is append-only)
RECORDED_FIELDS = {"title": "培训主题", "category": "分类", "hours": "学时", "starts_at": "开始时间",
                   "ends_at": "结束时间", "quiz_id": "考核测验", "place": "培训地点", "teacher": "授课人"}


def check_record_kept(session: TrainingSession, before: dict, fields: SessionFields) -> None:
    """Once someone attended, what their training record shows of the session cannot change.

    The record reads the session's title, 学时 and time, so an edit would rewrite every attendee's
    file silently; a mistake is corrected per person in 培训档案 (a TrainingCorrection, audited).
    """
    changed = [name for name in RECORDED_FIELDS if getattr(fields, name) != before[name]]
    if changed and attendance_count(session):
        name = changed[0]
        raise ValidationFailed(f"已有人签到，{RECORDED_FIELDS[name]}不能再修改（参加人员的培训档案据此记录）；"
                               "如有错误，请在参加人员的培训档案中更正", field=name)


def update_session(session: TrainingSession, fields: SessionFields, actor: User | None, now: datetime) -> dict:
    """Change a session's details (the secret stays); the changes, audited as session.update."""
    fields = check_fields(fields)
    before = _values(session)
    for name in ("starts_at", "ends_at"):  # the form shows minutes: an untouched time keeps its seconds
        if getattr(fields, name) == before[name].replace(second=0, microsecond=0):
            setattr(fields, name, before[name])
    check_record_kept(session, before, fields)
    for name in before:
        setattr(session, name, getattr(fields, name))
    changes = field_changes(before, _values(session))
    if changes:
        session.updated_at = now
        db.session.flush()
        record_audit(actor, "session.update", "training_session", session.id, f"修改线下培训“{session.title}”",
                     now, changes)
    return changes


def get_session(session_id: int) -> TrainingSession:
    return get_or_not_found(TrainingSession, session_id, UNKNOWN_MESSAGE, "session_not_found")


def sessions_split(now: datetime) -> tuple[list[TrainingSession], list[TrainingSession]]:
    """(upcoming or running, soonest first; past, newest first)."""
    rows = db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)).all()
    upcoming = [s for s in rows if s.ends_at >= now]
    past = [s for s in reversed(rows) if s.ends_at < now]
    return upcoming, past


def attendance_counts(session_ids) -> dict[int, int]:
    ids = list(session_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(SessionAttendance.session_id, func.count()).where(
        SessionAttendance.session_id.in_(ids)).group_by(SessionAttendance.session_id)).all())


def attendance_count(session: TrainingSession) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionAttendance).where(
        SessionAttendance.session_id == session.id)) or 0


def attendance_list(session: TrainingSession) -> list[SessionAttendance]:
    """Who attended, in sign-in order (users and their units loaded)."""
    return list(db.session.scalars(select(SessionAttendance).where(SessionAttendance.session_id == session.id)
                                   .order_by(SessionAttendance.signed_at, SessionAttendance.id)))


# ---------------------------------------------------------------- the rules


def time_step(now: datetime) -> int:
    """The code rule's clock: the number of 30-second steps since the Unix epoch."""
    return int(now.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    """The code rule: HMAC-SHA256(secret, step) truncated to 6 digits (as TOTP does)."""
    digest = hmac.new(secret.encode(), struct.pack(">Q", step), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** CODE_DIGITS).zfill(CODE_DIGITS)


def current_code(session: TrainingSession, now: datetime) -> str:
    return code_for_step(session.checkin_secret, time_step(now))


def seconds_left_in_step(now: datetime) -> int:
    return STEP_SECONDS - int(now.timestamp()) % STEP_SECONDS


def code_is_valid(session: TrainingSession, code: str, now: datetime) -> bool:
    """The code rule's acceptance: the code of the current step or of the previous one."""
    step = time_step(now)
    return any(hmac.compare_digest(code, code_for_step(session.checkin_secret, s)) for s in (step, step - 1))


def code_was_valid_recently(session: TrainingSession, code: str, now: datetime) -> bool:
    """Whether a refused code is an old one (签到码已过期) rather than a wrong one."""
    step = time_step(now)
    return any(hmac.compare_digest(code, code_for_step(session.checkin_secret, s))
               for s in range(step - EXPIRED_LOOKBACK_STEPS, step - 1))


def checkin_opens_at(session: TrainingSession) -> datetime:
    return session.starts_at - CHECKIN_OPENS_BEFORE


def checkin_open(session: TrainingSession, now: datetime) -> bool:
    """The window rule: QR sign-in from 30 minutes before the start until the end."""
    return checkin_opens_at(session) <= now <= session.ends_at


def may_attend(user: User) -> bool:
    """Who may sign in: every enabled user, of any unit (sessions have no audience)."""
    return bool(user is not None and user.is_enabled)


def normalize_code(code) -> str:
    """The typed code without spaces; full-width digits read as digits."""
    import unicodedata  # noqa: PLC0415
    return unicodedata.normalize("NFKC", str(code or "")).replace(" ", "").strip()


def attendance_of(session: TrainingSession, user: User) -> SessionAttendance | None:
    return db.session.scalar(select(SessionAttendance).where(
        SessionAttendance.session_id == session.id, SessionAttendance.user_id == user.id))


def record_attendance(session: TrainingSession, user: User, method: str, recorded_by: User | None,
                      now: datetime) -> tuple[SessionAttendance, bool]:
    """The idempotency rule: one attendance per person and session; a repeat returns the first one.

    Returns (attendance, created).  A concurrent duplicate is caught by the unique constraint."""
    existing = attendance_of(session, user)
    if existing is not None:
        return existing, False
    row = SessionAttendance(session_id=session.id, user_id=user.id, method=method, signed_at=now,
                            recorded_by_id=recorded_by.id if recorded_by else None)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return attendance_of(session, user), False
    return row, True


@dataclass
class CheckinResult:
    attendance: SessionAttendance
    created: bool


def sign_in_with_code(session: TrainingSession, user: User, code, now: datetime) -> CheckinResult:
    """QR or typed sign-in: who may, idempotency, then the window and the code rules; audited."""
    if not may_attend(user):
        raise Forbidden("该账号已停用，不能签到", code="user_disabled")
    existing = attendance_of(session, user)
    if existing is not None:
        return CheckinResult(existing, False)
    if not checkin_open(session, now):
        raise ValidationFailed(CLOSED_MESSAGE, code="checkin_closed")
    code = normalize_code(code)
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise ValidationFailed("请输入 6 位数字签到码", code="code_format")
    if not code_is_valid(session, code, now):
        if code_was_valid_recently(session, code, now):
            raise ValidationFailed(EXPIRED_MESSAGE, code="code_expired")
        raise ValidationFailed(WRONG_MESSAGE, code="code_wrong")
    attendance, created = record_attendance(session, user, "qr", None, now)
    if created:
        record_audit(user, "session.attendance", "training_session", session.id,
                     f"{user.display_name or user.username} 扫码签到“{session.title}”", now,
                     {"method": "qr", "user_ids": [user.id]})
    return CheckinResult(attendance, created)


def sessions_open_for_code(code, now: datetime) -> list[TrainingSession]:
    """The sessions open for sign-in now whose current (or previous) code is ``code``."""
    code = normalize_code(code)
    rows = db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at <= now + CHECKIN_OPENS_BEFORE, TrainingSession.ends_at >= now))
    return [s for s in rows if code_is_valid(s, code, now)]


def session_for_code(code, now: datetime) -> TrainingSession:
    """The one open session a typed code belongs to (a code alone names the session)."""
    code = normalize_code(code)
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise ValidationFailed("请输入 6 位数字签到码", code="code_format")
    matches = sessions_open_for_code(code, now)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise Conflict("该签到码同时对应多场培训，请扫描二维码签到", code="code_ambiguous")
    raise ValidationFailed("签到码无效或已过期，请核对屏幕上的最新签到码", code="code_wrong")


# ---------------------------------------------------------------- list and import


@dataclass
class AddResult:
    added: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


def add_attendees(session: TrainingSession, users: list[User], method: str, actor: User | None, now: datetime,
                  *, note: str = "") -> AddResult:
    """Record ``users`` as present (method list or import); those already present are kept as they were."""
    if method not in ("list", "import"):
        raise ValidationFailed("登记方式无效")
    result = AddResult()
    for user in users:
        if not may_attend(user):
            raise ValidationFailed(f"{user.display_name or user.username} 的账号已停用，不能登记")
        _row, created = record_attendance(session, user, method, actor, now)
        (result.added if created else result.already).append(user)
    if result.added:
        label = "名单登记" if method == "list" else f"从“{note}”导入"
        record_audit(actor, "session.attendance", "training_session", session.id,
                     f"{label}“{session.title}”的签到：新增 {len(result.added)} 人", now,
                     {"method": method, "user_ids": [u.id for u in result.added][:1000], "file": note or None})
    return result


def users_by_ids(user_ids) -> list[User]:
    """The enabled users of ``user_ids`` (unknown or disabled ones refused: nothing is added)."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        raise ValidationFailed("请至少勾选一人")
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    if len(users) != len(ids) or not all(may_attend(u) for u in users):
        raise ValidationFailed("所选人员中有不存在或已停用的账号，未登记任何人，请刷新后重试")
    return users
