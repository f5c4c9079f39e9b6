"""Units (a tree: 区 → 局 → 局属单位/科室 → 班组), users and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: The kinds offered in forms; a unit's kind is a free label (at most 20 characters) beyond these.
UNIT_KINDS = ("科室", "局属单位", "场馆", "景区", "企业", "班组", "局", "区")
ROLES = ("employee", "manager", "trainer", "admin")
#: The permission rule for staff: trainers and admins manage questions, quizzes, levels and boards,
#: and see unpublished quizzes.
STAFF_ROLES = ("trainer", "admin")
ROLE_LABELS = {"employee": "职工", "manager": "单位管理员", "trainer": "培训管理员", "admin": "系统管理员"}


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="科室")
    #: 编制人数 of this unit itself (its sub-units count their own); None means "count the
    #: registered active users instead".
    headcount: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the unit above this one in the organisation tree; None for a top-level unit
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: a retired unit keeps its people's history but takes no new people and leaves the boards
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    users: Mapped[list["User"]] = relationship(back_populates="unit")
    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised (NFKC, stripped, case-folded) so look-alike duplicates cannot exist.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="employee")
    password_hash: Mapped[str] = mapped_column(String(256))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: Set for accounts an admin created, imported or reset: the user must choose a password first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 联系电话 or another contact, shown on a unit manager's 未参与名单 when recorded
    phone: Mapped[str | None] = mapped_column(String(32))
    #: 岗位类别 (quiz.models.records.POSITIONS): sets which yearly training requirements bind
    #: the person; None counts as 从业人员
    position: Mapped[str | None] = mapped_column(String(20))

    unit: Mapped[Unit | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_enabled

    #: The alternative id of the login session this request runs in (quiz.services.sessions):
    #: Flask-Login stores ``get_id()`` in the session and the remember cookie.
    login_session_id = None

    def get_id(self) -> str:
        if not self.login_session_id:
            raise RuntimeError("log in through quiz.services.sessions.log_in, never with a bare user id")
        return self.login_session_id

    @property
    def is_staff(self) -> bool:
        """Trainers and admins (STAFF_ROLES)."""
        return self.role in STAFF_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One sign-in on one browser: what its session and remember cookies must match.

    The cookies carry ``"<id>.<secret>"``; only the secret's SHA-256 is stored.  Logout revokes
    the row, so a copied cookie stops working at once (quiz.services.sessions).
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    #: 记住我 was ticked: a remember cookie exists and may sign the browser in again until expires_at.
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The absolute end, enforced by the server whatever the cookie says.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
