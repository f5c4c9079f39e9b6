"""Login is rate limited, with a clear message for the locked-out user."""

from __future__ import annotations

import pytest

from helpers import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_web_login_locks_out_after_failed_attempts(client, build):
    build.user("zhangsan")
    for _ in range(3):
        assert client.post("/login", data={"username": "zhangsan", "password": "wrong"}).status_code == 200
    locked = client.post("/login", data={"username": "zhangsan", "password": PASSWORD})
    assert locked.status_code == 429
    assert "尝试次数过多" in locked.data.decode()
    assert "Retry-After" in locked.headers or "X-RateLimit-Reset" in locked.headers


def test_successful_logins_do_not_count(client, build):
    build.user("lisi")
    for _ in range(5):
        assert client.post("/login", data={"username": "lisi", "password": PASSWORD}).status_code == 302
        client.post("/logout")


def test_api_token_endpoint_is_limited_too(client, build):
    build.user("wangwu")
    for _ in range(3):
        assert client.post("/api/v1/tokens", json={"username": "wangwu", "password": "bad"}).status_code == 401
    locked = client.post("/api/v1/tokens", json={"username": "wangwu", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json["error"] == "rate_limited"


def test_the_app_wide_hook_goes_only_while_no_default_limit_is_declared(app, app_config):
    """Decorated limits check themselves (above); a declared default limit needs the hook back."""
    from quiz import create_app
    from quiz.extensions import limiter

    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    with_default = create_app({**app_config, "RATELIMIT_DEFAULT": "2 per minute"})
    try:
        assert limiter._check_request_limit in with_default.before_request_funcs.get(None, [])
        client = with_default.test_client()
        assert [client.get("/healthz").status_code for _ in range(3)][-1] == 429
    finally:
        limiter.limit_manager.set_default_limits([])  # the limiter is one object for every app


def test_requests_without_a_session_cookie_build_no_signer(app, client, build, monkeypatch):
    """The session interface skips the signer when no cookie was sent; a sent cookie still counts."""
    build.user("zhaoliu")
    assert client.post("/login", data={"username": "zhaoliu", "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200  # signed in: the cookie was read and verified

    def no_signer(app):
        raise AssertionError("signer built for a request without a session cookie")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", no_signer)
    with app.test_request_context("/api/v1/quizzes", headers={"Authorization": "Bearer x"}):
        from flask import request
        assert dict(app.session_interface.open_session(app, request)) == {}
