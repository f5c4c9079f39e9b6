"""The unit managers' scope (单位管理员): whose people a user may see and manage, in one place.

The rule: a manager sees and manages the people of the subtree of their own unit
(``User.unit_id`` and every unit below it, :meth:`quiz.org.tree.UnitTree.subtree_ids`) and
nothing outside it; a manager without a unit manages nobody.  Admins see and manage
everyone; trainers see everyone's results (as on their results pages) but manage no
accounts; employees see only themselves.  Every page, API endpoint and export that a manager
uses asks these functions; none restates the rule.  Nothing here writes.
"""

from __future__ import annotations

from ..errors import Forbidden
from ..models import STAFF_ROLES, User
from .tree import UnitTree, load_tree

#: The roles that open the people pages and the 未参与名单 (each sees what this module allows).
VIEW_ROLES = ("manager", "trainer", "admin")
#: The roles whose holders may look at people's results across units (None from the functions: every unit):
#: the staff, whose permission rule is STAFF_ROLES.
SEE_ALL_ROLES = STAFF_ROLES
#: The roles a manager may give the accounts they create or import; never staff roles.
MANAGER_ASSIGNABLE_ROLES = ("employee", "manager")


class OutOfScope(Forbidden):
    """A unit or a person outside the caller's subtree: 403 (Chinese page / JSON error)."""

    code, message = "out_of_scope", "该单位或人员不在您的管理范围内"


def _tree(tree: UnitTree | None) -> UnitTree:
    return tree if tree is not None else load_tree()


def own_subtree_ids(user: User, tree: UnitTree | None = None) -> frozenset[int]:
    """The units of the subtree of the user's own unit (empty without a unit)."""
    if user.unit_id is None:
        return frozenset()
    return frozenset(_tree(tree).subtree_ids(user.unit_id))


def visible_unit_ids(actor: User, tree: UnitTree | None = None) -> frozenset[int] | None:
    """The units whose people and results the actor may see: None means every unit (admins, trainers)."""
    if actor.role in SEE_ALL_ROLES:
        return None
    if actor.role == "manager":
        return own_subtree_ids(actor, tree)
    return frozenset()


def managed_unit_ids(actor: User, tree: UnitTree | None = None) -> frozenset[int] | None:
    """The units in which the actor may create, import and reset accounts: None means every unit (admins)."""
    if actor.role == "admin":
        return None
    if actor.role == "manager":
        return own_subtree_ids(actor, tree)
    return frozenset()


def can_see_unit(actor: User, unit_id: int | None, tree: UnitTree | None = None) -> bool:
    """Whether the actor may see the people of ``unit_id`` (a unit of their subtree, or any for organizers)."""
    units = visible_unit_ids(actor, tree)
    return units is None or (unit_id is not None and unit_id in units)


def can_see_user(actor: User, user: User, tree: UnitTree | None = None) -> bool:
    """Whether the actor may see this person's attempts and scores (oneself always)."""
    return actor.id == user.id or can_see_unit(actor, user.unit_id, tree)


def can_manage_unit(actor: User, unit_id: int | None, tree: UnitTree | None = None) -> bool:
    """Whether the actor may put accounts into ``unit_id`` (create, import)."""
    units = managed_unit_ids(actor, tree)
    return units is None or (unit_id is not None and unit_id in units)


def can_manage_user(actor: User, user: User, tree: UnitTree | None = None) -> bool:
    """Whether the actor may reset this person's password: admins anyone; a manager the employees and
    managers of their subtree, never staff (a trainer or admin seated in the unit) nor themselves."""
    if actor.role == "admin":
        return True
    if actor.id == user.id or user.role not in MANAGER_ASSIGNABLE_ROLES:
        return False
    return can_manage_unit(actor, user.unit_id, tree)


def assignable_roles(actor: User) -> tuple[str, ...]:
    """The roles the actor may give an account they create or import."""
    return ("employee", "manager", "trainer", "admin") if actor.role == "admin" else MANAGER_ASSIGNABLE_ROLES


def require_visible_unit(actor: User, unit_id: int | None, tree: UnitTree | None = None) -> None:
    """Refuse (403) a unit outside the actor's view."""
    if not can_see_unit(actor, unit_id, tree):
        raise OutOfScope()


def require_visible_user(actor: User, user: User, tree: UnitTree | None = None) -> None:
    """Refuse (403) a person outside the actor's view."""
    if not can_see_user(actor, user, tree):
        raise OutOfScope()


def require_managed_unit(actor: User, unit_id: int | None, tree: UnitTree | None = None) -> None:
    """Refuse (403) putting an account into a unit the actor does not manage."""
    if not can_manage_unit(actor, unit_id, tree):
        raise OutOfScope("只能在您管理的单位（及其下级单位）中创建或导入用户")


def require_managed_user(actor: User, user: User, tree: UnitTree | None = None) -> None:
    """Refuse (403) changing an account the actor does not manage."""
    if not can_manage_user(actor, user, tree):
        raise OutOfScope("只能管理本单位及下级单位的职工和单位管理员账号")
