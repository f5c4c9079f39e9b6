"""The 单位培训台账: every person of a unit's subtree with their 学时 of the year and whether each
requirement is met.  Computed with a few grouped queries for the whole subtree (the same entry
builders and corrections as the personal record), never one query per person."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..org.tree import UnitTree
from .requirements import active_requirements, position_of
from .services import (
    CHUNK, RequirementStatus, apply_corrections, corrections_for, course_entries, requirement_statuses,
    session_entries, total_hours,
)

PER_PAGE = 50


@dataclass
class LedgerRow:
    user: User
    unit_path: str
    position: str
    hours: float
    trainings: int
    #: one per active requirement, None where it does not bind the person
    statuses: list[RequirementStatus | None]

    @property
    def met(self) -> bool:
        """Met: every requirement that binds the person is met (none binding: met)."""
        return all(status.met for status in self.statuses if status is not None)


def people_of(unit_ids) -> list[User]:
    """The enabled accounts of these units (a retired unit's people included: they still have a record)."""
    people: list[User] = []
    ids = list(unit_ids)
    for start in range(0, len(ids), CHUNK):
        people.extend(db.session.scalars(select(User).where(
            User.unit_id.in_(ids[start:start + CHUNK]), User.is_enabled.is_(True))))
    return people


def unit_path(tree: UnitTree, unit_id: int | None) -> str:
    if unit_id is None or unit_id not in tree.units:
        return ""
    return tree.path(unit_id) + ("（已停用）" if tree.units[unit_id].retired else "")


def unit_ledger(unit_id: int, year: int, tree: UnitTree) -> tuple[list, list[LedgerRow]]:
    """(the active requirements, one row per person of the unit's subtree sorted by unit and name)."""
    requirements = active_requirements()
    people = people_of(tree.subtree_ids(unit_id))
    ids = [user.id for user in people]
    courses, sessions, corrections = course_entries(ids, year), session_entries(ids, year), corrections_for(ids, year)
    rows = []
    for user in people:
        entries = courses.get(user.id, []) + sessions.get(user.id, [])
        apply_corrections(entries, corrections.get(user.id, []))
        kind = tree.units[user.unit_id].kind if user.unit_id in tree.units else None
        binding = {id(s.requirement): s for s in requirement_statuses(requirements, user.position, kind, entries)}
        rows.append(LedgerRow(user, unit_path(tree, user.unit_id), position_of(user), total_hours(entries),
                              sum(1 for e in entries if e.counts and e.is_training),
                              [binding.get(id(r)) for r in requirements]))
    rows.sort(key=lambda row: (row.unit_path, row.user.display_name, row.user.username))
    return requirements, rows


class ListPage:
    """A page of an already computed list, with the attributes trainer/_pagination.html reads."""

    def __init__(self, items: list, page: int, per_page: int = PER_PAGE):
        self.total, self.per_page = len(items), per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(max(1, page), self.pages)
        self.items = items[(self.page - 1) * per_page:self.page * per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num = self.page - 1 if self.has_prev else None
        self.next_num = self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=1, left_current=2, right_current=3, right_edge=1):
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number < self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def ledger_headers(requirements) -> list[str]:
    return ["单位", "姓名", "用户名", "岗位类别", "学时", "培训次数", *(r.name for r in requirements), "是否达标"]


def ledger_cells(row: LedgerRow) -> list:
    return [row.unit_path, row.user.display_name, row.user.username, row.position, row.hours, row.trainings,
            *("—" if s is None else f"{'达标' if s.met else '未达标'}（{s.done:g}/{s.required:g}{s.unit_label}）"
              for s in row.statuses),
            "达标" if row.met else "未达标"]
