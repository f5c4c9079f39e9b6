"""The unit tree, read in one query: subtrees, children, ancestors and paths.

A district has a few thousand units at most, so the whole tree (ids, parents, names) is
loaded at once and walked in Python; no recursive SQL is needed and SQLite and PostgreSQL
behave the same.  Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Unit


@dataclass(slots=True)
class TreeUnit:
    id: int
    name: str
    kind: str
    parent_id: int | None
    retired: bool


@dataclass(slots=True)
class UnitTree:
    """Every unit with its parent; ``children`` lists each unit's direct children by name."""

    units: dict[int, TreeUnit]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.children = {}
        for unit in sorted(self.units.values(), key=lambda u: u.name):
            parent = unit.parent_id if unit.parent_id in self.units else None
            self.children.setdefault(parent, []).append(unit.id)

    def roots(self) -> list[int]:
        return list(self.children.get(None, []))

    def child_ids(self, unit_id: int | None) -> list[int]:
        """The direct children of ``unit_id`` (None: the top-level units), by name."""
        return list(self.children.get(unit_id, []))

    def subtree_ids(self, unit_id: int) -> list[int]:
        """The subtree rule: ``unit_id`` and every unit below it, at any depth (empty if unknown)."""
        if unit_id not in self.units:
            return []
        result, stack = [], [unit_id]
        while stack:
            current = stack.pop()
            result.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return result

    def ancestors(self, unit_id: int) -> list[int]:
        """The units above ``unit_id``, nearest first (a cycle, which the move rule forbids, stops the walk)."""
        result, seen = [], {unit_id}
        current = self.units.get(unit_id)
        while current is not None and current.parent_id in self.units and current.parent_id not in seen:
            result.append(current.parent_id)
            seen.add(current.parent_id)
            current = self.units[current.parent_id]
        return result

    def contains(self, root_id: int, unit_id: int | None) -> bool:
        """Whether ``unit_id`` lies in the subtree of ``root_id`` (the unit itself included)."""
        return unit_id is not None and unit_id in self.units and (
            unit_id == root_id or root_id in self.ancestors(unit_id))

    def path(self, unit_id: int) -> str:
        """The unit's names from the top, e.g. 文旅局 / 图书馆 / 借阅部."""
        if unit_id not in self.units:
            return ""
        chain = [unit_id, *self.ancestors(unit_id)]
        return " / ".join(self.units[i].name for i in reversed(chain))

    def depth(self, unit_id: int) -> int:
        return len(self.ancestors(unit_id))


def load_tree() -> UnitTree:
    """The whole unit tree as it is in this transaction."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.kind, Unit.parent_id, Unit.retired_at))
    return UnitTree({row.id: TreeUnit(row.id, row.name, row.kind, row.parent_id, row.retired_at is not None)
                     for row in rows})
