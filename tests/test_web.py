"""Web pages: login, registration, the quiz flow and error pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import time_machine

from quiz.extensions import db
from quiz.models import Attempt, User

from helpers import PASSWORD, T0, minutes


def test_pages_need_login(client, build):
    quiz = build.quiz()
    for url in ["/", "/history", f"/quizzes/{quiz.id}", "/attempts/1", "/attempts/1/result"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == 302


def test_login_logout(client, build):
    user = build.user("zhangsan", display_name="张三")
    failed = client.post("/login", data={"username": "zhangsan", "password": "wrong"})
    assert failed.status_code == 200 and "用户名或密码错误" in failed.data.decode()
    ok = client.post("/login?next=/history", data={"username": "ＺＨＡＮＧＳＡＮ ", "password": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"] == "/history"
    assert "张三" in client.get("/").data.decode()
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_refuses_open_redirect(client, build):
    build.user("u1")
    response = client.post("/login?next=//evil.example/x", data={"username": "u1", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_disabled_user_cannot_log_in_and_session_ends(client, build, web_login):
    user = build.user("u2")
    web_login(user)
    user.is_enabled = False
    db.session.commit()
    assert client.get("/").status_code == 302
    response = client.post("/login", data={"username": "u2", "password": PASSWORD})
    assert response.status_code == 200


def test_password_change_logs_out_other_sessions(client, build, web_login):
    from quiz.services import accounts

    user = build.user("u3")
    web_login(user)
    accounts.set_password_hash(user, "x", T0)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_register(client, build):
    unit = build.unit("区文化馆", "局属单位")
    page = client.get("/register").data.decode()
    assert "区文化馆" in page
    weak = client.post("/register", data={"username": "new1", "display_name": "新人", "unit_id": unit.id,
                                          "password": "123456789", "confirm": "123456789"})
    assert "过于常见" in weak.data.decode()
    no_unit = client.post("/register", data={"username": "new1", "display_name": "新人", "unit_id": 0,
                                             "password": "Good-Pass-1", "confirm": "Good-Pass-1"})
    assert "请选择单位" in no_unit.data.decode()
    ok = client.post("/register", data={"username": "New1", "display_name": "新人", "unit_id": unit.id,
                                        "password": "Good-Pass-1", "confirm": "Good-Pass-1"})
    assert ok.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "new1"))
    assert user.unit_id == unit.id and user.role == "employee"
    client.post("/logout")
    dup = client.post("/register", data={"username": "NEW1", "display_name": "x", "unit_id": unit.id,
                                         "password": "Good-Pass-1", "confirm": "Good-Pass-1"})
    assert "已被使用" in dup.data.decode()


def test_registration_can_be_turned_off(app, client):
    app.config["ALLOW_REGISTRATION"] = False
    assert client.get("/register").status_code == 404
    assert "注册" not in client.get("/login").data.decode().split("</form>")[1]


def test_quiz_flow_through_pages(client, build, web_login):
    quiz = build.quiz(title="消防测验", closes_at=T0 + timedelta(days=3), pass_score=6)
    user = build.user()
    with time_machine.travel(T0, tick=False):
        web_login(user)  # the session cookie is signed "now": log in inside the travelled time
        home = client.get("/").data.decode()
        assert "消防测验" in home and "可参加" in home
        detail = client.get(f"/quizzes/{quiz.id}").data.decode()
        assert "开始答题" in detail
        started = client.post(f"/quizzes/{quiz.id}/start")
        attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
        page = client.get(f"/attempts/{attempt_id}").data.decode()
        assert 'data-seconds-left="600"' in page
        assert page.count('class="card question-card') == 5
    attempt = db.session.get(Attempt, attempt_id)
    item = attempt.questions[0]
    with time_machine.travel(T0 + minutes(1), tick=False):
        client.put(f"/api/v1/attempts/{attempt_id}/answers/{item.question_id}",
                   json={"selected": [item.option_order.index(item.correct[0])]})
        again = client.get(f"/attempts/{attempt_id}").data.decode()
        assert re.search(rf'id="q{item.question_id}o\d" value="\d" checked', again)
        assert 'data-seconds-left="540"' in again
        submitted = client.post(f"/attempts/{attempt_id}/submit")
        assert submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
        result = client.get(f"/attempts/{attempt_id}/result").data.decode()
        assert "答案与解析" in result and "未及格" in result
        assert client.get(f"/attempts/{attempt_id}").status_code == 302
        history = client.get("/history").data.decode()
        assert "消防测验" in history


def test_expired_attempt_page_goes_to_result(client, build, web_login):
    quiz = build.quiz(time_limit_seconds=60)
    user = build.user()
    with time_machine.travel(T0, tick=False):
        web_login(user)
        attempt_id = int(client.post(f"/quizzes/{quiz.id}/start").headers["Location"].rsplit("/", 1)[1])
    with time_machine.travel(T0 + minutes(5), tick=False):
        response = client.get(f"/attempts/{attempt_id}")
        assert response.headers["Location"].endswith("/result")
        assert "超时自动交卷" in client.get(f"/attempts/{attempt_id}/result").data.decode()


def test_start_refused_shows_message(client, build, web_login):
    quiz = build.quiz(opens_at=T0 + timedelta(days=1))
    user = build.user()
    with time_machine.travel(T0, tick=False):
        web_login(user)
        response = client.post(f"/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "不在开放时间内" in response.data.decode()


def test_friendly_error_pages(client, build, web_login):
    web_login(build.user())
    missing = client.get("/quizzes/4242")
    assert missing.status_code == 404 and "测验不存在" in missing.data.decode()
    assert "Traceback" not in missing.data.decode()
    other = build.user()
    from quiz.services import attempts as attempt_service
    quiz = build.quiz()
    attempt, _ = attempt_service.start_attempt(other, quiz, T0)
    db.session.commit()
    assert client.get(f"/attempts/{attempt.id}").status_code == 404


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.data.decode()  # no inline script
    assert "cdn" not in response.data.decode().lower()


def test_user_text_is_escaped(client, build, web_login):
    build.questions(3, type="single", stem="<script>alert(1)</script>题干")
    build.questions(2, type="multiple", options=["<b>粗</b>", "B", "C", "D"])
    quiz = build.quiz(title="<img src=x onerror=alert(1)>")
    web_login(build.user(display_name="<i>张</i>"))
    home = client.get("/").data.decode()
    assert "<img src=x" not in home and "&lt;img src=x" in home
    attempt_id = int(client.post(f"/quizzes/{quiz.id}/start").headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/attempts/{attempt_id}").data.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>粗</b>" not in page and "<i>张</i>" not in page


def test_change_password_ends_other_sessions_and_tokens(app, build, api):
    user = build.user("mima")
    other_device = app.test_client()
    other_device.post("/login", data={"username": "mima", "password": PASSWORD})
    token_session = api(user)
    this_device = app.test_client()
    this_device.post("/login", data={"username": "mima", "password": PASSWORD})
    wrong = this_device.post("/account/password", data={"current": "nope", "password": "New-Secret-9",
                                                          "confirm": "New-Secret-9"})
    assert "当前密码不正确" in wrong.data.decode()
    weak = this_device.post("/account/password", data={"current": PASSWORD, "password": "12345678",
                                                         "confirm": "12345678"})
    assert "过于常见" in weak.data.decode()
    ok = this_device.post("/account/password", data={"current": PASSWORD, "password": "New-Secret-9",
                                                       "confirm": "New-Secret-9"})
    assert ok.status_code == 302
    assert this_device.get("/").status_code == 200        # this session goes on
    assert other_device.get("/").status_code == 302       # the other device is logged out
    assert token_session.get("/api/v1/me").status_code == 401
    assert app.test_client().post("/login", data={"username": "mima", "password": "New-Secret-9"}).status_code == 302


def test_nul_characters_are_refused_everywhere(client, build, web_login, api):
    """PostgreSQL cannot store NUL; no form, query or JSON field may carry one."""
    user = build.user("nul")
    session = api(user)
    response = session.get("/api/v1/quizzes?q=a%00b")
    assert response.status_code == 400 and "NUL" in response.json["message"]
    response = session.post("/api/v1/tokens", json={"username": "nul\u0000", "password": "x"})
    assert response.status_code == 400
    page = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert page.status_code == 400 and "NUL" in page.data.decode()
    page = client.post("/login", data={"username": "a\x00b", "password": "x"}, content_type="multipart/form-data")
    assert page.status_code == 400 and "NUL" in page.data.decode()
    # a body sent in chunks has no Content-Length; it is read and checked all the same
    chunked = client.post("/api/v1/tokens", input_stream=io.BytesIO(b'{"username": "nul\\u0000", "password": "x"}'),
                          content_type="application/json",
                          headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 400 and "NUL" in chunked.json["message"]
