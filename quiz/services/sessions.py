"""Login sessions: what makes a session or remember cookie valid, and what ends it.

Why a login-session table behind Flask-Login's alternative id, and not hand-made cookies:
Flask signs its session cookie and Flask-Login signs its remember cookie, but a signed cookie
cannot be taken back; the server must hold something the cookie has to match.  Each sign-in
therefore writes one :class:`~quiz.models.LoginSession` row, and ``User.get_id()`` (the id
Flask-Login puts in both cookies) is ``"<row id>.<issued at>.<secret>"``: a fresh random
secret per sign-in (only a SHA-256 of issue time and secret is stored), so the remember cookie differs at every
login, carries its issue time, and works only while its row is unrevoked and unexpired.  The
user loader checks the row in the same single query that loads the user (built once, with
bound parameters: measured with bench/save_cpu.py --cookie, the quiz page's autosave costs what
it cost with the old per-user check).  Logout revokes the row (a copied cookie stops working at once),
退出所有设备 and a password change revoke every row of the user, with the API tokens.

A per-user "session version" (what this replaced) could only end all sessions at once, so a
plain logout could not end the copied cookie of that one browser without signing out the
user's phone too.

The idle timeout rides in the signed session cookie (``_last_seen``, refreshed at most once a
minute by :func:`touch`): any request of the signed-in browser keeps it alive, the quiz page's
autosave included, and no request writes to the database for it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from ..extensions import db
from ..models import LoginSession, User

#: Refresh the idle clock in the cookie at most this often (each refresh re-sends the cookie).
TOUCH_RESOLUTION_SECONDS = 60
LAST_SEEN_KEY = "_last_seen"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_lifetime(remember: bool, config) -> timedelta:
    """The server's absolute end of a sign-in: the remember duration, or (browser session)
    SESSION_MAX_LIFETIME_SECONDS, longer than the longest quiz so no quiz is cut by it."""
    seconds = config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_MAX_LIFETIME_SECONDS"]
    return seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)


def open_login_session(user: User, *, remember: bool, lifetime: timedelta, now: datetime) -> str:
    """Record a new sign-in of `user`; return its alternative id and put it on the user for Flask-Login."""
    purge_old_login_sessions(now)
    secret, issued = secrets.token_urlsafe(32), int(now.timestamp())
    record = LoginSession(user_id=user.id, secret_hash=_hash_secret(f"{issued}.{secret}"), remember=remember,
                          created_at=now, expires_at=now + lifetime)
    db.session.add(record)
    db.session.flush()
    user.login_session_id = f"{record.id}.{issued}.{secret}"
    return user.login_session_id


def _parse(alternative_id: str) -> tuple[int, int, str] | None:
    try:
        record_id, issued, secret = alternative_id.split(".", 2)
        return int(record_id), int(issued), secret
    except (AttributeError, ValueError):
        return None


#: Run on every request of a signed-in browser (the quiz page's autosave too): one query, built once,
#: that returns the user only when the session row matches (secret, not revoked, not expired).
_SESSION_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        LoginSession.id == bindparam("record_id"),
        LoginSession.secret_hash == bindparam("secret_hash"),
        LoginSession.revoked_at.is_(None),
        LoginSession.expires_at > bindparam("now"),
        User.is_enabled.is_(True),
    )
)


def load_session_user(alternative_id: str, now: datetime) -> User | None:
    """The enabled user behind an unrevoked, unexpired login session whose secret matches, else None.

    The stored hash covers the issue time too, so a cookie whose issue time was changed matches
    nothing (comparing SHA-256 digests in SQL leaks nothing useful about the secret).
    """
    parsed = _parse(alternative_id)
    if parsed is None or len(alternative_id) > 200:
        return None
    record_id, issued, secret = parsed
    user = db.session.scalar(_SESSION_USER, {"record_id": record_id, "now": now,
                                             "secret_hash": _hash_secret(f"{issued}.{secret}")})
    if user is not None:
        user.login_session_id = alternative_id
    return user


def end_login_session(alternative_id: str | None, now: datetime) -> None:
    """Revoke one sign-in (logout): its session and remember cookies, wherever copied, stop working."""
    parsed = _parse(alternative_id or "")
    if parsed is None:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == parsed[0], LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def end_all_login_sessions(user_id: int, now: datetime) -> None:
    """Revoke every sign-in of the user (退出所有设备, password change, deactivation)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def session_is_idle(last_seen: float | None, now: float, idle_timeout_seconds: float) -> bool:
    """The idle-timeout rule: a signed-in browser session ends after `idle_timeout_seconds` without
    any request (a session without the mark predates the rule and is idle too)."""
    return last_seen is None or now - last_seen > idle_timeout_seconds


def touch(session, now: float) -> None:
    """Note activity in the (signed) session cookie, at most once per TOUCH_RESOLUTION_SECONDS."""
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is None or now - last_seen >= TOUCH_RESOLUTION_SECONDS:
        session[LAST_SEEN_KEY] = int(now)


def purge_old_login_sessions(now: datetime) -> int:
    """Delete rows that ended more than a day ago (kept that long for troubleshooting)."""
    cutoff = now - timedelta(days=1)
    result = db.session.execute(
        LoginSession.__table__.delete().where(
            (LoginSession.expires_at < cutoff) | (LoginSession.revoked_at < cutoff)
        )
    )
    return result.rowcount or 0
