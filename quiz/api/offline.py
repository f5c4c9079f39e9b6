"""API: 线下培训 (docs/offline.md): the sessions with their attendance (staff), and the sign-in
with the 6-digit code shown on the session's screen (the signed-in employee).

A repeated sign-in answers 200 with ``"created": false`` (idempotent, not an error); a wrong,
expired or out-of-window code answers 422 with the error's code and a Chinese message."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Length
from sqlalchemy import select

from ..auth_setup import api_auth, api_user
from ..extensions import db, limiter
from ..models import STAFF_ROLES, TrainingSession, Unit, User
from ..offline import services
from ..offline.routes import CHECKIN_LIMIT_SCOPE, _checkin_key, _checkin_limit
from ..services.clock import isoformat, now_utc
from .blueprint import BEARER, bp
from .schemas import Strict


class SessionOut(Schema):
    id = Integer(required=True)
    title = String(required=True)
    category = String(required=True)
    content = String(required=True)
    place = String(required=True)
    teacher = String(required=True)
    hours = Float(required=True, metadata={"description": "学时 credited to each attendee"})
    starts_at = String(required=True)
    ends_at = String(required=True)
    checkin_opens_at = String(required=True, metadata={"description": "QR sign-in opens (30 min before the start)"})
    quiz_id = Integer(allow_none=True, required=True, metadata={"description": "the attached 考核 quiz"})
    attendance_count = Integer(required=True)


class AttendanceOut(Schema):
    user_id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    unit = String(allow_none=True, required=True)
    method = String(required=True, metadata={"description": "qr | list | import"})
    signed_at = String(required=True)
    recorded_by_id = Integer(allow_none=True, required=True)


class SessionDetailOut(SessionOut):
    attendance = List(Nested(AttendanceOut), required=True)


class SessionsOut(Schema):
    sessions = List(Nested(SessionOut), required=True)


class CheckinIn(Strict):
    code = String(required=True, validate=Length(min=1, max=20), metadata={"description": "the 6 digits on the screen"})


class CheckinOut(Schema):
    session_id = Integer(required=True)
    created = Boolean(required=True, metadata={"description": "false: the caller had already signed in"})
    method = String(required=True)
    signed_at = String(required=True)
    quiz_id = Integer(allow_none=True, required=True)


def _session_json(session: TrainingSession, count: int) -> dict:
    return {"id": session.id, "title": session.title, "category": session.category, "content": session.content,
            "place": session.place, "teacher": session.teacher, "hours": float(session.hours or 0),
            "starts_at": isoformat(session.starts_at), "ends_at": isoformat(session.ends_at),
            "checkin_opens_at": isoformat(services.checkin_opens_at(session)), "quiz_id": session.quiz_id,
            "attendance_count": count}


@bp.get("/training-sessions")
@api_auth(*STAFF_ROLES)
@bp.output(SessionsOut)
@bp.doc(summary="Every offline training session, newest first, with its attendance count (staff)",
        security=BEARER, responses=[401, 403])
def list_training_sessions():
    rows = db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at.desc(),
                                                               TrainingSession.id.desc())).all()
    counts = services.attendance_counts(s.id for s in rows)
    return {"sessions": [_session_json(s, counts.get(s.id, 0)) for s in rows]}


@bp.get("/training-sessions/<int:session_id>")
@api_auth(*STAFF_ROLES)
@bp.output(SessionDetailOut)
@bp.doc(summary="One session with its attendance in sign-in order (staff)", security=BEARER,
        responses=[401, 403, 404])
def get_training_session(session_id):
    session = services.get_session(session_id)
    rows = services.attendance_list(session)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r.user_id for r in rows])))} \
        if rows else {}
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    attendance = [{"user_id": r.user_id, "username": users[r.user_id].username,
                   "display_name": users[r.user_id].display_name, "unit": units.get(users[r.user_id].unit_id),
                   "method": r.method, "signed_at": isoformat(r.signed_at), "recorded_by_id": r.recorded_by_id}
                  for r in rows]
    return {**_session_json(session, len(rows)), "attendance": attendance}


@bp.post("/training-sessions/<int:session_id>/checkin")
@api_auth()
@limiter.shared_limit(_checkin_limit, scope=CHECKIN_LIMIT_SCOPE, key_func=_checkin_key,
                      deduct_when=lambda response: response.status_code != 200)
@bp.input(CheckinIn, arg_name="body")
@bp.output(CheckinOut)
@bp.doc(summary="Sign the caller in with the session's current code (200 again, created=false, on a repeat)",
        security=BEARER, responses=[401, 403, 404, 422, 429])
def checkin_training_session(session_id, body):
    user, now = api_user(), now_utc()
    session = services.get_session(session_id)
    result = services.sign_in_with_code(session, user, body["code"], now)
    return {"session_id": session.id, "created": result.created, "method": result.attendance.method,
            "signed_at": isoformat(result.attendance.signed_at), "quiz_id": session.quiz_id}
