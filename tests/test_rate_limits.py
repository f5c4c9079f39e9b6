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
