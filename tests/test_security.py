"""Session cookies, HTTPS behaviour, error pages and shared rate limits."""

from __future__ import annotations

import uuid

import pytest

from quiz import create_app
from quiz.extensions import db

from helpers import PASSWORD


@pytest.fixture
def make_app():
    """create_app for tests that need an app of their own; its connections are closed after."""
    made = []

    def make(config):
        app = create_app(config)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_session_cookie_flags(client, build):
    build.user("cookie")
    response = client.post("/login", data={"username": "cookie", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_https_makes_cookies_secure_and_sends_hsts(app_config, build, monkeypatch, make_app):
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    monkeypatch.setenv("PROXY_FIX", "1")
    app = make_app(app_config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    build.user("secure")
    client = app.test_client()
    response = client.post("/login", data={"username": "secure", "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


def test_too_large_upload_gets_a_chinese_413(client, build, web_login, api):
    session = api(build.user(role="trainer"))
    big = b"x" * (7 * 1024 * 1024)
    response = client.post("/api/v1/questions/import", data=big,
                           headers={"Content-Type": "text/csv", "Authorization": f"Bearer {session.token}"})
    assert response.status_code == 413 and response.json["error"] == "too_large"
    web_login(build.user("uploader", role="trainer"))
    page = client.post("/trainer/imports/new", data=big, headers={"Content-Type": "application/octet-stream"})
    assert page.status_code == 413 and "文件太大" in page.data.decode()


def test_unexpected_errors_show_a_friendly_page_and_no_traceback(app, client, build, web_login):
    @app.get("/boom")
    def boom():  # registered after start-up, for this test only
        raise RuntimeError("secret internals")

    boom.required_roles = ()
    response = client.get("/boom")
    body = response.data.decode()
    assert response.status_code == 500 and "服务器出错了" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.data.decode()
    assert client.get("/api/v1/no/such").json["error"] == "not_found"


def _redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_available(REDIS_URL), reason="no Redis on 127.0.0.1:6379")
def test_login_limits_are_shared_through_redis(app_config, build, monkeypatch, make_app):
    """Two app processes (here: two app instances) count failed logins together."""
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    config = {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
              "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first, second = make_app(config), make_app(config)
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    build.user("shared")
    bad = {"username": "shared", "password": "wrong"}
    for app in (first, second, first):
        assert app.test_client().post("/login", data=bad).status_code == 200
    assert second.test_client().post("/login", data=bad).status_code == 429
