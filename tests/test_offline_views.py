"""线下培训 pages: trainers' pages are staff-only, the QR sign-in flow (login, confirm, repeat),
the list, import and export of attendance, garbage input never a 500, CSRF on, rate limit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.models import SessionAttendance
from quiz.offline import services
from quiz.offline.services import SessionFields
from quiz.services.clock import CAMPAIGN_TZ, now_utc

from helpers import PASSWORD, xlsx_file


def running_session(build, *, starts_in=timedelta(minutes=-10), quiz=None):
    trainer = db.session.scalar(select(services.User).where(services.User.role == "trainer").limit(1)) \
        or build.user("trainer-x", role="trainer")
    start = now_utc() + starts_in
    session = services.create_session(SessionFields("消防安全培训", "消防安全", "", "会议室", "张老师", 2, start,
                                                    start + timedelta(hours=2), quiz.id if quiz else None), trainer,
                                       now_utc())
    db.session.commit()
    return session


def attendance(session) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionAttendance)
                             .where(SessionAttendance.session_id == session.id))


STAFF_PAGES = ("/offline/sessions", "/offline/sessions/new", "/offline/sessions/{id}", "/offline/sessions/{id}/edit",
               "/offline/sessions/{id}/add", "/offline/sessions/{id}/qr", "/offline/sessions/{id}/qr.json",
               "/offline/sessions/{id}/attendance.xlsx", "/offline/import?session={id}", "/offline/import/template.xlsx")


def test_an_employee_gets_403_on_trainer_pages(client, build, web_login):
    session = running_session(build)
    web_login(build.user("emp"))
    for page in STAFF_PAGES:
        assert client.get(page.format(id=session.id)).status_code == 403, page
    assert client.post(f"/offline/sessions/{session.id}/add", data={"user_id": "1"}).status_code == 403


def test_trainer_pages_render(client, build, trainer):
    session = running_session(build)
    for page in STAFF_PAGES:
        response = client.get(page.format(id=session.id))
        assert response.status_code == 200, page
    state = client.get(f"/offline/sessions/{session.id}/qr.json").json
    assert state["open"] and len(state["code"]) == 6 and state["qr"].startswith("data:image/svg+xml;base64,")
    assert state["url"].startswith("http://localhost/offline/checkin/") and f"c={state['code']}" in state["url"]


def test_create_and_edit_a_session(client, build, trainer):
    quiz = build.quiz()
    response = client.post("/offline/sessions/new", data={
        "title": "应急疏散演练", "category": "应急救援", "starts_at": "2026-06-10T09:00", "ends_at": "2026-06-10T11:00",
        "place": "剧场", "teacher": "李老师", "hours": "1.5", "content": "疏散路线", "quiz_id": str(quiz.id)})
    assert response.status_code == 302
    session = db.session.scalar(select(services.TrainingSession))
    assert session.hours == 1.5 and session.quiz_id == quiz.id and session.starts_at.hour == 1  # 09:00 +08:00
    bad = client.post(f"/offline/sessions/{session.id}/edit", data={
        "title": "应急疏散演练", "starts_at": "2026-06-10T09:00", "ends_at": "2026-06-10T08:00", "hours": "1"})
    assert bad.status_code == 422 and "结束时间应晚于开始时间" in bad.data.decode()
    db.session.refresh(session)
    assert session.ends_at.hour == 3


@pytest.mark.parametrize("data", [
    {}, {"title": "x" * 500}, {"title": "a", "hours": "abc", "starts_at": "zz", "ends_at": "2026-13-40T99:99"},
    {"title": "a", "hours": "1e309", "starts_at": "9999-01-01T00:00", "ends_at": "9999-01-02T00:00"},
    {"title": "a", "hours": "-1", "starts_at": "2026-06-10T09:00", "ends_at": "2026-06-10T10:00", "quiz_id": "99999999999"},
])
def test_garbage_session_forms_are_refused_without_a_500(client, build, trainer, data):
    response = client.post("/offline/sessions/new", data=data)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(services.TrainingSession)) == 0


def test_scan_login_confirm_and_repeat(client, build):
    session = running_session(build)
    user = build.user("emp", display_name="小王")
    code = services.current_code(session, now_utc())
    url = f"/offline/checkin/{session.id}?c={code}"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login = client.post(response.headers["Location"], data={"username": "emp", "password": PASSWORD})
    assert login.status_code == 302 and login.headers["Location"].endswith(url.replace("?", "?").split("/offline")[1]) \
        or "/offline/checkin/" in login.headers["Location"]
    page = client.get(url).data.decode()
    assert "确认签到" in page and "消防安全培训" in page
    done = client.post(f"/offline/checkin/{session.id}", data={"code": code})
    assert done.status_code == 302
    assert "已签到" in client.get(done.headers["Location"]).data.decode()
    assert attendance(session) == 1
    again = client.post(f"/offline/checkin/{session.id}", data={"code": code})
    assert again.status_code == 302 and attendance(session) == 1
    assert "已签到" in client.get(url).data.decode()  # the QR page again: no error, the confirmation


def test_wrong_expired_and_closed_codes_in_chinese(client, build, web_login):
    session = running_session(build)
    later = running_session(build, starts_in=timedelta(days=2))
    web_login(build.user("emp"))
    now = now_utc()
    old = services.code_for_step(session.checkin_secret, services.time_step(now) - 3)
    response = client.post(f"/offline/checkin/{session.id}", data={"code": old})
    assert response.status_code == 422 and "签到码已过期" in response.data.decode()
    response = client.post(f"/offline/checkin/{session.id}", data={"code": "１２３"})
    assert response.status_code == 422 and "6 位数字" in response.data.decode()
    response = client.post(f"/offline/checkin/{later.id}", data={"code": services.current_code(later, now)})
    assert response.status_code == 422 and "不在签到时间内" in response.data.decode()
    assert client.get("/offline/checkin/99999").status_code == 404
    assert client.get("/offline/checkin/99999999999999").status_code == 404
    assert client.post(f"/offline/checkin/{session.id}", data={"code": "x" * 5000}).status_code == 422
    assert attendance(session) == 0


def test_the_manual_form_signs_in_with_the_code_alone(client, build, web_login):
    session = running_session(build, quiz=build.quiz())
    web_login(build.user("emp"))
    assert 'href="/offline/checkin"' in client.get("/").data.decode()  # the home page leads there
    assert client.get("/offline/checkin").status_code == 200
    assert client.post("/offline/checkin", data={"code": "abc"}).status_code == 422
    response = client.post("/offline/checkin", data={"code": services.current_code(session, now_utc())})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert "参加考核" in page and f"/quizzes/{session.quiz_id}" in page or "参加考核" in page
    assert attendance(session) == 1


def test_list_attendance_with_search_and_paging(client, build, trainer):
    session = running_session(build)
    unit = build.unit("区图书馆")
    people = [build.user(f"reader{i:02d}", display_name=f"读者{i:02d}", unit=unit) for i in range(55)]
    page = client.get(f"/offline/sessions/{session.id}/add?unit={unit.id}").data.decode()
    assert "共 55 人" in page and "1/2" in page
    page2 = client.get(f"/offline/sessions/{session.id}/add?unit={unit.id}&page=2").data.decode()
    assert "读者54" in page2
    assert "读者07" in client.get(f"/offline/sessions/{session.id}/add?q=reader07").data.decode()
    assert client.get(f"/offline/sessions/{session.id}/add?q=%25_\\&page=abc&unit=x").status_code == 200
    response = client.post(f"/offline/sessions/{session.id}/add", data={"user_id": [str(people[0].id), str(people[1].id)]})
    assert response.status_code == 302 and attendance(session) == 2
    assert client.post(f"/offline/sessions/{session.id}/add", data={"user_id": ["abc"]}).status_code == 422
    assert client.post(f"/offline/sessions/{session.id}/add", data={"user_id": ["99999999999999"]}).status_code == 422
    assert client.post(f"/offline/sessions/{session.id}/add", data={}).status_code == 422
    assert attendance(session) == 2
    detail = client.get(f"/offline/sessions/{session.id}").data.decode()
    assert "读者00" in detail and "名单登记" in detail and "区图书馆" in detail


def test_import_preview_confirm_and_bad_file(client, build, trainer):
    session = running_session(build)
    unit = build.unit("区文化馆")
    build.user("zhangsan", display_name="张三", unit=unit)
    build.user("lisi", display_name="李四", unit=unit)
    good = xlsx_file([["用户名", "姓名", "单位"], ["zhangsan", "", ""], ["", "李四", "区文化馆"]])
    response = client.post(f"/offline/import?session={session.id}", data={
        "session_id": str(session.id), "file": (io.BytesIO(good), "签到.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).data.decode()
    assert "新增签到 2" in preview and "确认导入" in preview
    confirm = client.post(response.headers["Location"] + "/confirm")
    assert confirm.status_code == 302 and attendance(session) == 2

    bad = xlsx_file([["用户名"], ["nobody"]])
    response = client.post(f"/offline/import?session={session.id}", data={
        "session_id": str(session.id), "file": (io.BytesIO(bad), "bad.xlsx")}, content_type="multipart/form-data")
    preview = client.get(response.headers["Location"]).data.decode()
    assert "没有用户名为“nobody”的用户" in preview and "确认导入" not in preview
    client.post(response.headers["Location"] + "/confirm")
    assert attendance(session) == 2
    for data in ({"session_id": "abc", "file": (io.BytesIO(good), "a.xlsx")},
                 {"session_id": "999999", "file": (io.BytesIO(good), "a.xlsx")},
                 {"session_id": str(session.id), "file": (io.BytesIO(b"\x00garbage"), "a.xlsx")},
                 {"session_id": str(session.id)}):
        response = client.post("/offline/import", data=data, content_type="multipart/form-data")
        assert response.status_code in (413, 422), data


def test_export_is_an_xlsx_with_the_attendance(client, build, trainer):
    session = running_session(build)
    user = build.user("emp", display_name="小王")
    services.add_attendees(session, [user], "list", None, now_utc())
    db.session.commit()
    response = client.get(f"/offline/sessions/{session.id}/attendance.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("序号", "姓名", "用户名", "单位", "签到方式") and rows[1][1] == "小王"


def test_forms_need_the_csrf_token(csrf_app_config, client, build):
    session = running_session(build)
    build.user("emp")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").data.decode()).group(1)
    client.post("/login", data={"username": "emp", "password": PASSWORD, "csrf_token": token})
    code = services.current_code(session, now_utc())
    assert client.post(f"/offline/checkin/{session.id}", data={"code": code}).status_code in (400, 422)
    assert attendance(session) == 0
    page = client.get(f"/offline/checkin/{session.id}?c={code}").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"/offline/checkin/{session.id}", data={"code": code, "csrf_token": token}).status_code == 302
    assert attendance(session) == 1


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "OFFLINE_CHECKIN_RATE_LIMIT": "3 per minute"}

    def test_code_attempts_are_limited_per_person(self, client, build, web_login):
        session = running_session(build)
        web_login(build.user("emp"))
        for _ in range(3):
            assert client.post(f"/offline/checkin/{session.id}", data={"code": "000000"}).status_code == 422
        locked = client.post(f"/offline/checkin/{session.id}", data={"code": services.current_code(session, now_utc())})
        assert locked.status_code == 429
        assert client.post("/offline/checkin", data={"code": "000000"}).status_code == 429
        assert attendance(session) == 0


def test_an_attended_session_refuses_a_record_change_on_the_form(client, build, trainer):
    session = running_session(build)
    services.add_attendees(session, [build.user("came")], "list", trainer, now_utc())
    db.session.commit()
    page = client.get(f"/offline/sessions/{session.id}/edit").data.decode()
    assert "已有 1 人签到" in page
    form = {"title": session.title, "category": session.category or "", "place": session.place or "",
            "teacher": session.teacher or "", "content": "新的说明", "quiz_id": "0",
            "starts_at": session.starts_at.astimezone(CAMPAIGN_TZ).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": session.ends_at.astimezone(CAMPAIGN_TZ).strftime("%Y-%m-%dT%H:%M")}
    refused = client.post(f"/offline/sessions/{session.id}/edit", data={**form, "hours": "9"})
    assert refused.status_code == 422 and "学时不能再修改" in refused.data.decode()
    hours = float(session.hours)
    db.session.refresh(session)
    assert float(session.hours) == hours
    saved = client.post(f"/offline/sessions/{session.id}/edit", data={**form, "hours": str(hours)})
    assert saved.status_code == 302
    db.session.refresh(session)
    assert session.content == "新的说明"
