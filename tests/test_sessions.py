"""Sessions end on the server: logout, 记住我 cookies, 退出所有设备 and the idle timeout."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from helpers import PASSWORD, T0, minutes

from quiz.extensions import db
from quiz.models import AuditEntry, LoginSession
from quiz.services import sessions



def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return None if cookie is None else cookie.value


def _replay(app, **cookies):
    """A fresh browser that carries copied cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def _login(client, username: str, *, remember: bool = False):
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.data.decode()
    return client


def test_a_copied_session_cookie_stops_working_at_logout(app, client, build):
    build.user("taoke")
    _login(client, "taoke")
    copied = _cookie(client, "session")
    assert _replay(app, session=copied).get("/history").status_code == 200  # the copy works while signed in
    assert client.post("/logout").status_code == 302
    assert client.get("/history").status_code == 302
    assert _replay(app, session=copied).get("/history").status_code == 302  # ... and not after logout


def test_the_remember_cookie_is_new_at_each_login_and_ends_at_logout(app, build):
    build.user("jizhu")
    first, second = app.test_client(), app.test_client()
    _login(first, "jizhu", remember=True)
    _login(second, "jizhu", remember=True)
    remember_a, remember_b = _cookie(first, "remember_token"), _cookie(second, "remember_token")
    assert remember_a and remember_b and remember_a != remember_b  # a per-login secret
    assert _replay(app, remember_token=remember_a).get("/history").status_code == 200
    first.post("/logout")
    assert _replay(app, remember_token=remember_a).get("/history").status_code == 302
    assert _replay(app, remember_token=remember_b).get("/history").status_code == 200  # the other device stays


def test_the_remember_cookie_carries_its_issue_time_and_expires_on_the_server(app, build):
    build.user("guoqi")
    browser = app.test_client()
    with time_machine.travel(T0, tick=False):
        _login(browser, "guoqi", remember=True)
        remember = _cookie(browser, "remember_token")
        record = db.session.scalars(db.select(LoginSession)).one()
        assert record.remember and record.expires_at == T0 + timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])
        assert f".{int(T0.timestamp())}." in remember  # id.issued.secret, signed by Flask-Login
    with time_machine.travel(T0 + timedelta(days=13), tick=False):
        assert _replay(app, remember_token=remember).get("/history").status_code == 200
    with time_machine.travel(T0 + timedelta(days=14, seconds=1), tick=False):
        # the same signed cookie, still within any browser-side expiry a thief might forge
        assert _replay(app, remember_token=remember).get("/history").status_code == 302


def test_a_forged_or_tampered_alternative_id_loads_nobody(app, build):
    user = build.user("weizao")
    with app.test_request_context():
        good = sessions.open_login_session(user, remember=True, lifetime=timedelta(days=1), now=T0)
        db.session.commit()
        record_id, issued, secret = good.split(".", 2)
        assert sessions.load_session_user(good, T0 + timedelta(hours=1)) is user
        assert sessions.load_session_user(good, T0 + timedelta(days=1)) is None  # expired on the server
        assert sessions.load_session_user(f"{record_id}.{int(issued) + 86400}.{secret}", T0) is None
        assert sessions.load_session_user(f"{record_id}.{issued}.{secret[:-1]}{'B' if secret[-1] == 'A' else 'A'}", T0) is None
        assert sessions.load_session_user("1:1", T0) is None  # the old "<id>:<version>" form
        assert sessions.load_session_user("1.0.guess", T0) is None
        assert sessions.load_session_user("x" * 500, T0) is None


def test_sign_out_everywhere_ends_every_session_remember_cookie_and_token(app, build, api):
    user = build.user("quanbu")
    phone, pc = app.test_client(), app.test_client()
    _login(phone, "quanbu", remember=True)
    _login(pc, "quanbu")
    copied_remember = _cookie(phone, "remember_token")
    token = api(user)
    assert token.get("/api/v1/me").status_code == 200
    page = pc.get("/account/password").data.decode()
    assert "退出所有设备" in page
    response = pc.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.location
    assert pc.get("/history").status_code == 302
    assert phone.get("/history").status_code == 302
    assert _replay(app, remember_token=copied_remember).get("/history").status_code == 302
    assert token.get("/api/v1/me").status_code == 401
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)
                             .where(LoginSession.revoked_at.is_(None))) == 0
    logged = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.sign_out_everywhere")).all()
    assert [(entry.actor_id, entry.target_id) for entry in logged] == [(user.id, user.id)]
    assert _login(app.test_client(), "quanbu")  # signing in again works


def test_an_idle_session_ends_and_a_remembered_browser_signs_in_again(app, build):
    build.user("kongxian")
    idle = app.config["SESSION_IDLE_TIMEOUT_SECONDS"]
    plain, remembered = app.test_client(), app.test_client()
    with time_machine.travel(T0, tick=False):
        _login(plain, "kongxian")
        _login(remembered, "kongxian", remember=True)
    with time_machine.travel(T0 + timedelta(seconds=idle - 60), tick=False):
        assert plain.get("/history").status_code == 200  # activity keeps it alive ...
    with time_machine.travel(T0 + timedelta(seconds=2 * idle - 120), tick=False):
        assert plain.get("/history").status_code == 200
    with time_machine.travel(T0 + timedelta(seconds=3 * idle), tick=False):
        assert plain.get("/history").status_code == 302  # ... and idleness ends it
        assert remembered.get("/history").status_code == 200  # 记住我 signs the browser in again


def test_autosave_keeps_a_long_quiz_session_alive(app, client, build):
    """A quiz of several hours, answered one question every 20 minutes never loses its session."""
    quiz = build.quiz(time_limit_seconds=4 * 3600)
    build.user("changkao")
    idle = app.config["SESSION_IDLE_TIMEOUT_SECONDS"]
    assert idle < minutes(21).total_seconds() * 2
    with time_machine.travel(T0, tick=False):
        _login(client, "changkao")
        attempt = client.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
        question = attempt["questions"][0]
    for step in range(1, 10):
        with time_machine.travel(T0 + minutes(20 * step), tick=False):
            response = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                                  json={"selected": [step % 2]})
            assert response.status_code == 200, (step, response.json)
    with time_machine.travel(T0 + minutes(180) + timedelta(seconds=idle + 1), tick=False):
        assert client.get("/history").status_code == 302  # and it does end once the page goes quiet


def test_session_is_idle_rule():
    assert sessions.session_is_idle(None, 1000.0, 1800)
    assert not sessions.session_is_idle(1000.0, 2800.0, 1800)
    assert sessions.session_is_idle(1000.0, 2801.0, 1800)
