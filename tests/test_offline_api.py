"""线下培训 API: staff list and detail with attendance; the employee's check-in (422 on a wrong or
expired code, 200 with created=false on a repeat)."""

from __future__ import annotations

from datetime import timedelta

from quiz.extensions import db
from quiz.offline import services
from quiz.offline.services import SessionFields
from quiz.services.clock import now_utc


def running_session(build, starts_in=timedelta(minutes=-5)):
    trainer = build.user(f"t{build._next()}", role="trainer")
    start = now_utc() + starts_in
    session = services.create_session(SessionFields("消防安全培训", "消防安全", "内容", "会议室", "张老师", 2, start,
                                                    start + timedelta(hours=1)), trainer, now_utc())
    db.session.commit()
    return session


def test_staff_list_and_detail(api, build):
    session = running_session(build)
    employee = build.user("emp", display_name="小王")
    services.add_attendees(session, [employee], "list", None, now_utc())
    db.session.commit()
    staff = api(build.user("trainer9", role="trainer"))
    listed = staff.get("/api/v1/training-sessions")
    assert listed.status_code == 200
    assert listed.json["sessions"][0]["id"] == session.id and listed.json["sessions"][0]["attendance_count"] == 1
    assert "checkin_secret" not in listed.json["sessions"][0]
    detail = staff.get(f"/api/v1/training-sessions/{session.id}")
    assert detail.status_code == 200
    assert detail.json["attendance"][0]["display_name"] == "小王" and detail.json["attendance"][0]["method"] == "list"
    assert staff.get("/api/v1/training-sessions/999999").status_code == 404
    as_employee = api(employee)
    assert as_employee.get("/api/v1/training-sessions").status_code == 403
    assert as_employee.get(f"/api/v1/training-sessions/{session.id}").status_code == 403
    assert api().get("/api/v1/training-sessions").status_code == 401


def test_checkin_with_the_code(api, build):
    session = running_session(build)
    employee = api(build.user("emp"))
    url = f"/api/v1/training-sessions/{session.id}/checkin"
    wrong = employee.post(url, json={"code": "abcdef"})
    assert wrong.status_code == 422 and wrong.json["error"] == "code_format"
    old = services.code_for_step(session.checkin_secret, services.time_step(now_utc()) - 4)
    expired = employee.post(url, json={"code": old})
    assert expired.status_code == 422 and expired.json["error"] == "code_expired" and "过期" in expired.json["message"]
    for body in (None, {}, {"code": 123456}, {"code": ["1"]}, {"code": "1" * 5000}):
        assert employee.post(url, json=body).status_code in (400, 422), body
    ok = employee.post(url, json={"code": services.current_code(session, now_utc())})
    assert ok.status_code == 200 and ok.json["created"] is True and ok.json["method"] == "qr"
    again = employee.post(url, json={"code": services.current_code(session, now_utc())})
    assert again.status_code == 200 and again.json["created"] is False and again.json["signed_at"] == ok.json["signed_at"]
    assert employee.post("/api/v1/training-sessions/999999/checkin", json={"code": "123456"}).status_code == 404
    assert api().post(url, json={"code": "123456"}).status_code == 401


def test_checkin_outside_the_window(api, build):
    session = running_session(build, starts_in=timedelta(hours=3))
    employee = api(build.user("emp"))
    response = employee.post(f"/api/v1/training-sessions/{session.id}/checkin",
                             json={"code": services.current_code(session, now_utc())})
    assert response.status_code == 422 and response.json["error"] == "checkin_closed"
    assert response.json["message"] == "不在签到时间内"
