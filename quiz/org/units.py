"""Operations on the unit tree: add, update, move, merge, retire, restore, delete.

The one place where units change.  Plain functions: they flush, never commit, and write
their audit row themselves.  Names are unique across the whole tree (``Unit.name``), so a
name is enough to find a unit in a file or a form.

Decisions:

* **Moving** a unit takes its people and its whole subtree with it (they hang on the unit);
  a unit cannot go under itself or one of its own descendants (a cycle).
* **Merging** A into B moves A's people and A's direct children to B and then deletes A.
  Attempts belong to people, not units, so every answer A's people gave now counts for B
  and nothing points at A any more; a retired shell would only clutter the lists.  A's
  编制人数 is added to B's.  The audit row keeps A's name, id and figures.
* **Retiring** keeps a unit and its people's history but it takes no new people (user
  creation, import and registration refuse or leave it out) and leaves the boards.  A unit
  with open sub-units cannot be retired (retire or move them first), and a retired unit
  cannot be the parent of a new, moved or restored unit.
* **Deleting** is only for a unit created by mistake: no people (enabled or not), no
  attempts, no sub-units.  Otherwise merge or retire it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import UNIT_KINDS, Attempt, Unit, User
from ..services.audit import field_changes, record_audit
from .tree import load_tree

MAX_NAME_LENGTH = 100
MAX_KIND_LENGTH = 20
MAX_HEADCOUNT = 1_000_000
#: update_unit(parent=KEEP_PARENT): leave the parent as it is
KEEP_PARENT = object()


# ---------------------------------------------------------------- field rules


def clean_name(name: str | None) -> str:
    """A unit's name: stripped, 1-100 characters (written as given: 全角 brackets stay)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"单位名称不能为空且不超过 {MAX_NAME_LENGTH} 个字符", field="name")
    return name


def clean_kind(kind: str | None) -> str:
    """A unit's kind: one of UNIT_KINDS or any free label of 1-20 characters (e.g. 街道, 协会)."""
    kind = unicodedata.normalize("NFKC", kind or "").strip()
    if not kind or len(kind) > MAX_KIND_LENGTH or any(unicodedata.category(ch).startswith("C") for ch in kind):
        raise ValidationFailed(f"单位类型应为 1-{MAX_KIND_LENGTH} 个字，例如：{'、'.join(UNIT_KINDS)}", field="kind")
    return kind


def check_headcount(headcount: int | None) -> None:
    """编制人数: empty (count registered people instead) or a whole number 0-1000000."""
    if headcount is not None and not 0 <= headcount <= MAX_HEADCOUNT:
        raise ValidationFailed(f"编制人数应为 0 到 {MAX_HEADCOUNT} 之间的整数", field="headcount")


def validate_unit_fields(name: str, kind: str, headcount: int | None) -> tuple[str, str]:
    """Check a unit's fields; return the cleaned name and kind."""
    name, kind = clean_name(name), clean_kind(kind)
    check_headcount(headcount)
    return name, kind


def get_unit_by_name(name: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.name == (name or "").strip()))


def check_name_free(name: str, unit: Unit | None = None) -> None:
    """Names are unique across the tree: a file or a form names a unit by its name alone."""
    other = get_unit_by_name(name)
    if other is not None and (unit is None or other.id != unit.id):
        raise Conflict(f"单位“{name}”已存在", code="unit_exists", field="name")


# ---------------------------------------------------------------- tree rules


def check_takes_people(unit: Unit | None) -> None:
    """A retired unit takes no new people (creation, import, registration, merge target)."""
    if unit is not None and unit.retired_at is not None:
        raise ValidationFailed(f"单位“{unit.name}”已停用，不能再加入人员", code="unit_retired", field="unit_id")


def check_parent_open(parent: Unit | None) -> None:
    """A retired unit cannot receive sub-units: whatever is placed under it would be hidden with it."""
    if parent is not None and parent.retired_at is not None:
        raise ValidationFailed(f"上级单位“{parent.name}”已停用，不能在其下添加或移入单位",
                               code="parent_retired", field="parent_id")


def check_no_cycle(unit: Unit, parent: Unit | None) -> None:
    """The cycle rule: a unit cannot go under itself or under one of its own descendants."""
    if parent is None:
        return
    if parent.id == unit.id:
        raise ValidationFailed("不能把单位移到它自己下面", code="unit_cycle", field="parent_id")
    if load_tree().contains(unit.id, parent.id):
        raise ValidationFailed(f"不能把“{unit.name}”移到它自己的下级单位“{parent.name}”下面",
                               code="unit_cycle", field="parent_id")


def allowed_parents(unit: Unit | None) -> list[tuple[int, str]]:
    """(id, path) of the units ``unit`` may be placed under: open ones outside its own subtree, in tree order."""
    tree = load_tree()
    excluded = set(tree.subtree_ids(unit.id)) if unit is not None else set()
    result = []
    for unit_id in tree_order(tree):
        if unit_id not in excluded and not tree.units[unit_id].retired:
            result.append((unit_id, tree.path(unit_id)))
    return result


def tree_order(tree) -> list[int]:
    """Every unit id, parents before children, siblings by name (the order of the indented list)."""
    result = []
    for root in tree.roots():
        result.extend(tree.subtree_ids(root))
    return result


def people_count(unit: Unit) -> int:
    """Everyone whose unit this is, enabled or not."""
    return db.session.scalar(select(func.count(User.id)).where(User.unit_id == unit.id)) or 0


def attempt_count(unit: Unit) -> int:
    """Attempts by the people of this unit (attempts belong to people; their unit is the person's)."""
    return db.session.scalar(
        select(func.count(Attempt.id)).join(User, User.id == Attempt.user_id).where(User.unit_id == unit.id)) or 0


def _values(unit: Unit) -> dict:
    return {"name": unit.name, "kind": unit.kind, "headcount": unit.headcount,
            "parent": unit.parent.name if unit.parent is not None else None}


def get_open_parent(parent_id: int | None) -> Unit | None:
    """The parent named by an id from a form or the API: it must exist and not be retired."""
    if parent_id is None:
        return None
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise ValidationFailed("上级单位不存在", code="parent_not_found", field="parent_id")
    check_parent_open(parent)
    return parent


# ---------------------------------------------------------------- operations


def create_unit(name: str, kind: str = "科室", headcount: int | None = None, parent: Unit | None = None) -> Unit:
    """A new unit, unaudited (seeding, tests, the CLI): the checks of :func:`add_unit` without the log."""
    name, kind = validate_unit_fields(name, kind, headcount)
    check_name_free(name)
    check_parent_open(parent)
    unit = Unit(name=name, kind=kind, headcount=headcount, parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit


def add_unit(name: str, kind: str, headcount: int | None, actor: User | None, now: datetime,
             parent: Unit | None = None) -> Unit:
    """Add a unit (at the top level, or under an open parent), audited."""
    unit = create_unit(name, kind, headcount, parent)
    unit.created_at = now
    record_audit(actor, "unit.create", "unit", unit.id, f"新增单位“{unit.name}”", now, {"after": _values(unit)})
    return unit


def update_unit(unit: Unit, name: str, kind: str, headcount: int | None, actor: User | None, now: datetime,
                parent=KEEP_PARENT) -> dict:
    """Change name, kind, 编制人数 and (unless KEEP_PARENT) the parent; returns the changes."""
    name, kind = validate_unit_fields(name, kind, headcount)
    check_name_free(name, unit)
    if parent is not KEEP_PARENT and parent != unit.parent:
        check_no_cycle(unit, parent)
        check_parent_open(parent)
    before = _values(unit)
    unit.name, unit.kind, unit.headcount = name, kind, headcount
    if parent is not KEEP_PARENT:
        unit.parent = parent
    db.session.flush()
    changes = field_changes(before, _values(unit))
    if changes:
        record_audit(actor, "unit.update", "unit", unit.id, f"修改单位“{unit.name}”", now, changes)
    return changes


def move_unit(unit: Unit, parent: Unit | None, actor: User | None, now: datetime) -> bool:
    """Put a unit (with its people and subtree) under ``parent``, or at the top level (None)."""
    if parent == unit.parent:
        return False
    check_no_cycle(unit, parent)
    check_parent_open(parent)
    before = unit.parent.name if unit.parent is not None else None
    unit.parent = parent
    db.session.flush()
    where = f"“{parent.name}”下" if parent is not None else "顶层"
    record_audit(actor, "unit.move", "unit", unit.id, f"把单位“{unit.name}”移到{where}", now,
                 {"parent": [before, parent.name if parent is not None else None]})
    return True


def merge_unit(source: Unit, target: Unit, actor: User | None, now: datetime) -> dict:
    """Merge ``source`` into ``target``: its people and sub-units move to the target, then it is deleted."""
    if source.id == target.id:
        raise ValidationFailed("不能把单位合并到它自己", code="unit_cycle", field="target_id")
    if load_tree().contains(source.id, target.id):
        raise ValidationFailed(f"不能把“{source.name}”合并到它自己的下级单位“{target.name}”",
                               code="unit_cycle", field="target_id")
    check_takes_people(target)
    people = db.session.execute(
        update(User).where(User.unit_id == source.id).values(unit_id=target.id)
        .execution_options(synchronize_session=False)).rowcount or 0
    children = db.session.execute(
        update(Unit).where(Unit.parent_id == source.id).values(parent_id=target.id)
        .execution_options(synchronize_session=False)).rowcount or 0
    if source.headcount is not None:
        target.headcount = (target.headcount or 0) + source.headcount
    summary = {"source": {"id": source.id, **_values(source)}, "target": target.name,
               "people": people, "children": children, "headcount": target.headcount}
    db.session.delete(source)
    db.session.flush()
    db.session.expire_all()  # people and sub-units loaded earlier point at the target now
    record_audit(actor, "unit.merge", "unit", target.id,
                 f"把单位“{summary['source']['name']}”合并到“{target.name}”：{people} 人、{children} 个下级单位", now,
                 summary)
    return summary


def retire_unit(unit: Unit, actor: User | None, now: datetime) -> None:
    """Retire a unit: history kept, no new people, off the boards; its sub-units must be retired first."""
    if unit.retired_at is not None:
        return
    open_children = [child.name for child in unit.children if child.retired_at is None]
    if open_children:
        raise Conflict(f"“{unit.name}”还有未停用的下级单位（{'、'.join(open_children[:5])}），请先停用、移走或合并它们",
                       code="unit_has_children")
    unit.retired_at = now
    db.session.flush()
    record_audit(actor, "unit.retire", "unit", unit.id, f"停用单位“{unit.name}”", now,
                 {"people": people_count(unit)})


def restore_unit(unit: Unit, actor: User | None, now: datetime) -> None:
    """Restore a retired unit; its parent must be open (restore the parent first)."""
    if unit.retired_at is None:
        return
    if unit.parent is not None and unit.parent.retired_at is not None:
        raise Conflict(f"上级单位“{unit.parent.name}”已停用，请先恢复上级单位", code="parent_retired")
    unit.retired_at = None
    db.session.flush()
    record_audit(actor, "unit.restore", "unit", unit.id, f"恢复单位“{unit.name}”", now)


def delete_unit(unit: Unit, actor: User | None, now: datetime) -> None:
    """Delete a unit created by mistake: never one with people, attempts or sub-units (merge or retire those)."""
    if unit.children:
        raise Conflict(f"“{unit.name}”有下级单位，不能删除；请先移走或合并下级单位", code="unit_has_children")
    if attempt_count(unit):
        raise Conflict(f"“{unit.name}”的人员已有答题记录，不能删除；可以合并到其他单位或停用", code="unit_has_attempts")
    if people_count(unit):
        raise Conflict(f"“{unit.name}”还有人员，不能删除；可以合并到其他单位或停用", code="unit_has_people")
    values = {"id": unit.id, **_values(unit)}
    db.session.delete(unit)
    db.session.flush()
    record_audit(actor, "unit.delete", "unit", values["id"], f"删除单位“{values['name']}”", now, {"before": values})


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class UnitRow:
    """One line of the indented unit list."""

    unit: Unit
    depth: int
    path: str
    #: enabled accounts of the unit itself
    people: int
    children: int


def tree_rows() -> list[UnitRow]:
    """Every unit in tree order (parents first, siblings by name) with its depth, path and people."""
    tree = load_tree()
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}
    counts = dict(db.session.execute(
        select(User.unit_id, func.count(User.id)).where(User.is_enabled.is_(True), User.unit_id.is_not(None))
        .group_by(User.unit_id)).all())
    return [UnitRow(units[unit_id], tree.depth(unit_id), tree.path(unit_id), counts.get(unit_id, 0),
                    len(tree.child_ids(unit_id)))
            for unit_id in tree_order(tree)]
