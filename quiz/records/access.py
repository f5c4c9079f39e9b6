"""Who may read and correct a training record, and who sees a unit's 台账: the manager-scope rule
of quiz/org/scope.py, never restated."""

from __future__ import annotations

from ..errors import Forbidden
from ..models import STAFF_ROLES, User
from ..org import scope
from ..org.tree import UnitTree


def can_view_record(actor: User, person: User, tree: UnitTree | None = None) -> bool:
    """The person, staff (admins, trainers) and the managers of the person's unit subtree."""
    return scope.can_see_user(actor, person, tree)


def can_correct_record(actor: User, person: User, tree: UnitTree | None = None) -> bool:
    """Staff, and the managers whose subtree holds the person; nobody corrects their own record."""
    if actor.id == person.id:
        return False
    if actor.role in STAFF_ROLES:
        return True
    return actor.role == "manager" and scope.can_see_user(actor, person, tree)


def require_record_view(actor: User, person: User, tree: UnitTree | None = None) -> None:
    """Refuse (403) a record the actor may not read."""
    if not can_view_record(actor, person, tree):
        raise scope.OutOfScope("您无权查看该人员的培训档案")


def require_record_correction(actor: User, person: User, tree: UnitTree | None = None) -> None:
    """Refuse (403) a correction by someone who may not make it."""
    if not can_correct_record(actor, person, tree):
        raise Forbidden("只有培训管理员、系统管理员和该人员所在单位的单位管理员可以更正培训档案（不能更正本人的档案）")
