"""API tokens are remembered per process for a few seconds; revocation here forgets them at once."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import update

from quiz.extensions import db
from quiz.models import ApiToken
from quiz.services import accounts
from quiz.admin import user_admin
from quiz.services.accounts import TOKEN_MEMO_SECONDS, TokenMemo
from quiz.services.clock import now_utc

from helpers import T0


def _revoke_behind_the_apps_back() -> None:
    """What another worker process's revocation looks like to this one: only the database changed."""
    db.session.execute(update(ApiToken).values(revoked_at=now_utc()))
    db.session.commit()


def test_a_checked_token_is_believed_for_a_few_seconds_then_checked_again(build, api):
    with time_machine.travel(T0, tick=False):
        session = api(build.user())
        assert session.get("/api/v1/units").status_code == 200  # checked in the database, remembered
        _revoke_behind_the_apps_back()
        assert session.get("/api/v1/units").status_code == 200  # believed: no database check
    with time_machine.travel(T0 + timedelta(seconds=TOKEN_MEMO_SECONDS - 0.01), tick=False):
        assert session.get("/api/v1/units").status_code == 200
    with time_machine.travel(T0 + timedelta(seconds=TOKEN_MEMO_SECONDS), tick=False):
        response = session.get("/api/v1/units")
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"


def test_a_remembered_token_still_expires_on_time(build, client):
    user = build.user()
    with time_machine.travel(T0, tick=False):
        token, _ = accounts.issue_token(user, now_utc(), 2)
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/units", headers=headers).status_code == 200
    with time_machine.travel(T0 + timedelta(seconds=2), tick=False):
        assert client.get("/api/v1/units", headers=headers).status_code == 401


def test_revoking_in_this_process_applies_at_once(build, api, client):
    admin = build.user("admin", role="admin")
    trainer = build.user("trainer", role="trainer")
    unit = build.unit("区文化馆")
    with time_machine.travel(T0, tick=False):
        session = api(trainer)
        assert session.get("/api/v1/questions").status_code == 200

        user_admin.update_user(trainer, display_name="培训员", role="employee", unit=unit, is_enabled=True,
                               actor=admin, now=now_utc())
        db.session.commit()
        assert session.get("/api/v1/questions").status_code == 403  # the new role, not the remembered one

        user_admin.update_user(trainer, display_name="培训员", role="employee", unit=unit, is_enabled=False,
                               actor=admin, now=now_utc())
        db.session.commit()
        assert session.get("/api/v1/units").status_code == 401  # deactivated

        other = api(admin)
        assert other.get("/api/v1/units").status_code == 200
        assert other.delete("/api/v1/tokens/current").status_code == 204
        assert other.get("/api/v1/units").status_code == 401  # signed out


def test_password_change_forgets_the_users_tokens(build, api):
    user = build.user()
    with time_machine.travel(T0, tick=False):
        session = api(user)
        assert session.get("/api/v1/units").status_code == 200
        accounts.set_password_hash(user, user.password_hash, now_utc())
        db.session.commit()
        assert session.get("/api/v1/units").status_code == 401


def test_the_memo_is_bounded():
    memo = TokenMemo(5)
    memo.max_entries = 3
    identity = type("Identity", (), {"id": 1, "expires_at": T0 + timedelta(hours=1)})()
    for n in range(3):
        memo.put(f"hash{n}", identity, T0)
    assert memo.get("hash2", T0) is identity
    memo.put("hash3", identity, T0)  # full: start over
    assert memo.get("hash0", T0) is None and memo.get("hash3", T0) is identity
    assert memo.get("hash3", T0 - timedelta(seconds=1)) is None  # a clock that went back is not trusted
