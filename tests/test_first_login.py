"""First login: an account an admin gave a password sets its own before anything else."""

from __future__ import annotations

from helpers import PASSWORD

from quiz.extensions import db
from quiz.models import User

NEW_PASSWORD = "Mine-Own-Pass-42"


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))


def _sign_in(app, username: str, password: str):
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302
    return browser, response


def test_an_account_created_on_the_admin_pages_must_set_its_password_first(app, client, admin, build):
    unit = build.unit("区图书馆")
    created = client.post("/admin/users/new", data={"username": "xinren", "display_name": "新人", "unit_id": unit.id,
                                                     "role": "employee", "password": "Admin-Gave-77"})
    assert created.status_code == 302
    assert _user("xinren").must_change_password
    assert "待改初始密码" in client.get("/admin/users").data.decode()

    browser, login = _sign_in(app, "xinren", "Admin-Gave-77")
    assert login.location.endswith("/account/password")
    for path in ("/", "/history", "/admin/users"):
        response = browser.get(path)
        assert response.status_code == 302 and response.location.endswith("/account/password"), path
    page = browser.get("/account/password").data.decode()
    assert "首次登录" in page and "初始密码" in page
    api_refused = browser.get("/api/v1/me")  # the web session on the API
    assert api_refused.status_code == 403 and api_refused.json["error"] == "password_change_required"

    same = browser.post("/account/password", data={"current": "Admin-Gave-77", "password": "Admin-Gave-77",
                                                   "confirm": "Admin-Gave-77"})
    assert "不能与当前密码相同" in same.data.decode() and _user("xinren").must_change_password
    done = browser.post("/account/password", data={"current": "Admin-Gave-77", "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert not _user("xinren").must_change_password
    assert browser.get("/history").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200


def test_a_generated_password_and_an_admin_reset_must_be_changed_too(app, client, admin, build):
    user = build.user("chongzhi")
    assert not user.must_change_password
    reset = client.post(f"/admin/users/{user.id}/reset-password", data={"password": "Reset-By-Admin-5"})
    assert reset.status_code == 302
    assert _user("chongzhi").must_change_password
    browser, login = _sign_in(app, "chongzhi", "Reset-By-Admin-5")
    assert login.location.endswith("/account/password")

    unit = build.unit("区文化馆")
    page = client.post("/admin/users/new", data={"username": "zidong", "display_name": "自动", "unit_id": unit.id,
                                                  "role": "employee", "password": ""})
    assert page.status_code == 200 and _user("zidong").must_change_password


def test_the_api_refuses_everything_but_the_password_change(app, build, api):
    user = build.user("apiuser")
    user.must_change_password = True
    db.session.commit()
    session = api(user)  # a token can be had ...
    for method, path in (("get", "/api/v1/me"), ("get", "/api/v1/units"), ("get", "/api/v1/quizzes")):
        response = getattr(session, method)(path)
        assert response.status_code == 403 and response.json["error"] == "password_change_required", path
    wrong = session.post("/api/v1/me/password", json={"current_password": "nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and _user("apiuser").must_change_password
    weak = session.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 422 and weak.json["error"] == "weak_password"
    changed = session.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204
    assert session.get("/api/v1/me").status_code == 401  # every token ended: sign in again
    fresh = api(_user("apiuser"), password=NEW_PASSWORD)
    assert fresh.get("/api/v1/me").status_code == 200


def test_post_users_keeps_its_contract_and_accepts_must_change_password(app, build, api):
    admin = api(build.user("apiadmin", role="admin"))
    unit = build.unit("区博物馆")
    plain = admin.post("/api/v1/users", json={"username": "atonce", "password": "Works-At-Once-3",
                                              "display_name": "马上用", "unit_id": unit.id})
    assert plain.status_code == 201 and set(plain.json) == {"id", "username", "display_name", "role", "unit", "position"}
    assert api(_user("atonce"), password="Works-At-Once-3").get("/api/v1/me").status_code == 200

    forced = admin.post("/api/v1/users", json={"username": "later", "password": "Change-Me-Soon-3",
                                               "unit_id": unit.id, "must_change_password": True})
    assert forced.status_code == 201 and set(forced.json) == set(plain.json)
    refused = api(_user("later"), password="Change-Me-Soon-3").get("/api/v1/me")
    assert refused.status_code == 403 and refused.json["error"] == "password_change_required"
    bad = admin.post("/api/v1/users", json={"username": "odd", "password": "Change-Me-Soon-3", "unit_id": unit.id,
                                            "must_change_password": "sometimes"})
    assert bad.status_code == 422 and _user("odd") is None


def test_logout_stays_possible_before_the_change(app, build):
    user = build.user("tuichu")
    user.must_change_password = True
    db.session.commit()
    browser, _ = _sign_in(app, "tuichu", PASSWORD)
    response = browser.post("/logout")
    assert response.status_code == 302 and "/login" in response.location


def test_the_api_password_change_applies_the_web_page_rule_on_the_account_own_name(app, build, api, client):
    """The policy refuses a password built on the account's own username on the web page; the API's
    own change goes through the same rule (it once checked length and common words only)."""
    user = build.user("wangxiaoming")
    session = api(user)
    on_name = session.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                        "new_password": "Wangxiaoming#7391"})
    assert on_name.status_code == 422 and on_name.json["error"] == "weak_password"
    assert session.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD}).status_code == 204
