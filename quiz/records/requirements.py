"""Yearly training requirements: the defaults from the law, who a requirement binds, how it is
measured, and the admins' changes (each in the audit log).  Nothing here commits."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..errors import ValidationFailed, get_or_not_found
from ..extensions import db
from ..models import DEFAULT_POSITION, POSITIONS, REQUIREMENT_METRICS, TrainingRequirement, User
from ..services.audit import field_changes, record_audit

#: The kinds of a 公众聚集场所 (the unit kinds the bureau's venues use).  The same list as the
#: migration 0013_training_record seeds; tests/test_records.py checks the two agree.
PUBLIC_VENUE_KINDS = ["场馆", "景区", "博物馆", "图书馆", "剧院", "文化馆", "公众聚集场所"]
DEFAULT_REQUIREMENTS = [
    dict(name="消防安全培训（每年至少一次）", metric="count", required=1, category="消防安全",
         positions=[], unit_kinds=[], basis="《消防法》第十六条；公安部令第61号第三十六条"),
    dict(name="消防安全培训（公众聚集场所每半年一次）", metric="count", required=2, category="消防安全",
         positions=[], unit_kinds=PUBLIC_VENUE_KINDS, basis="公安部令第61号第三十六条"),
    dict(name="主要负责人年度再培训", metric="hours", required=12, category="",
         positions=["主要负责人"], unit_kinds=[], basis="《生产经营单位安全培训规定》第九条"),
    dict(name="安全生产管理人员年度再培训", metric="hours", required=12, category="",
         positions=["安全生产管理人员"], unit_kinds=[], basis="《生产经营单位安全培训规定》第九条"),
]

MAX_NAME, MAX_CATEGORY, MAX_BASIS, MAX_KIND = 100, 50, 200, 20
MAX_REQUIRED = 9999


def install_default_requirements(now: datetime) -> int:
    """Add the default requirements when the table is empty (demo data, tests); how many were added."""
    if db.session.scalar(select(func.count(TrainingRequirement.id))):
        return 0
    for index, row in enumerate(DEFAULT_REQUIREMENTS, start=1):
        db.session.add(TrainingRequirement(**{**row, "positions": list(row["positions"]),
                                              "unit_kinds": list(row["unit_kinds"])},
                                           is_active=True, position=index, created_at=now, updated_at=now))
    db.session.flush()
    return len(DEFAULT_REQUIREMENTS)


def position_of(user: User) -> str:
    """A person's 岗位类别: none recorded means 从业人员."""
    return user.position if user.position in POSITIONS else DEFAULT_POSITION


def normalize_category(value: str | None) -> str:
    """A 分类 as compared: full-width folded (NFKC), spaces removed."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def category_matches(required: str | None, category: str | None) -> bool:
    """The category rule: an empty required category takes every training; otherwise the 分类 must be
    the same (after normalize_category), so 消防安全培训 does not count for 消防安全 (docs/records.md)."""
    wanted = normalize_category(required)
    return not wanted or wanted == normalize_category(category)


def applies(requirement: TrainingRequirement, position: str | None, unit_kind: str | None) -> bool:
    """Whether a requirement binds a person of this 岗位类别 in a unit of this kind (empty lists: everyone)."""
    position = position if position in POSITIONS else DEFAULT_POSITION
    if requirement.positions and position not in requirement.positions:
        return False
    return not requirement.unit_kinds or (unit_kind or "") in requirement.unit_kinds


def applies_to(requirement: TrainingRequirement, user: User) -> bool:
    """Whether a requirement binds this person (their 岗位类别 and their own unit's kind)."""
    return applies(requirement, user.position, user.unit.kind if user.unit is not None else None)


def evaluate(requirement: TrainingRequirement, entries) -> float:
    """What the counted entries reach: hours, the 学时 of the entries in the category; count, how many
    trainings (courses, sessions, added trainings; quizzes are not trainings) are in the category."""
    counted = [entry for entry in entries if entry.counts and category_matches(requirement.category, entry.category)]
    if requirement.metric == "count":
        return float(sum(1 for entry in counted if entry.is_training))
    return round(sum(entry.hours for entry in counted), 2)


def active_requirements() -> list[TrainingRequirement]:
    return list(db.session.scalars(select(TrainingRequirement).where(TrainingRequirement.is_active.is_(True))
                                   .order_by(TrainingRequirement.position, TrainingRequirement.id)))


def all_requirements() -> list[TrainingRequirement]:
    return list(db.session.scalars(select(TrainingRequirement).order_by(
        TrainingRequirement.is_active.desc(), TrainingRequirement.position, TrainingRequirement.id)))


def get_requirement(requirement_id: int) -> TrainingRequirement:
    return get_or_not_found(TrainingRequirement, requirement_id, "找不到该培训要求", "requirement_not_found")


@dataclass
class RequirementFields:
    name: str
    metric: str = "hours"
    required: float = 0
    category: str = ""
    positions: list[str] = field(default_factory=list)
    unit_kinds: list[str] = field(default_factory=list)
    basis: str = ""

    @classmethod
    def of(cls, requirement: TrainingRequirement) -> "RequirementFields":
        return cls(requirement.name, requirement.metric, requirement.required, requirement.category,
                   list(requirement.positions or []), list(requirement.unit_kinds or []), requirement.basis)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def parse_kinds(text: str) -> list[str]:
    """Unit kinds typed one a line or separated by commas (、，, ；;), without repeats."""
    for separator in "，,、；;\r":
        text = (text or "").replace(separator, "\n")
    kinds: list[str] = []
    for kind in (part.strip() for part in text.split("\n")):
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def check_requirement(fields: RequirementFields) -> RequirementFields:
    """Refuse a requirement that cannot be evaluated (ValidationFailed under its field)."""
    fields.name, fields.category, fields.basis = fields.name.strip(), fields.category.strip(), fields.basis.strip()
    if not fields.name or len(fields.name) > MAX_NAME:
        raise ValidationFailed(f"请填写名称（不超过 {MAX_NAME} 个字符）", field="name")
    if fields.metric not in REQUIREMENT_METRICS:
        raise ValidationFailed("请选择衡量方式（学时或次数）", field="metric")
    if fields.required is None or not 0 < fields.required <= MAX_REQUIRED:
        raise ValidationFailed(f"要求应为大于 0、不超过 {MAX_REQUIRED} 的数", field="required")
    if fields.metric == "count" and float(fields.required) != int(fields.required):
        raise ValidationFailed("次数应为整数", field="required")
    if round(float(fields.required), 2) != float(fields.required):
        raise ValidationFailed("学时最多两位小数", field="required")
    if len(fields.category) > MAX_CATEGORY:
        raise ValidationFailed(f"分类不超过 {MAX_CATEGORY} 个字符", field="category")
    if len(fields.basis) > MAX_BASIS:
        raise ValidationFailed(f"依据不超过 {MAX_BASIS} 个字符", field="basis")
    if any(position not in POSITIONS for position in fields.positions):
        raise ValidationFailed("岗位类别无效", field="positions")
    if any(len(kind) > MAX_KIND for kind in fields.unit_kinds):
        raise ValidationFailed(f"每个单位类型不超过 {MAX_KIND} 个字符", field="unit_kinds")
    return fields


def create_requirement(fields: RequirementFields, actor: User, now: datetime) -> TrainingRequirement:
    fields = check_requirement(fields)
    last = db.session.scalar(select(func.max(TrainingRequirement.position))) or 0
    requirement = TrainingRequirement(**fields.as_dict(), is_active=True, position=last + 1, created_at=now, updated_at=now)
    db.session.add(requirement)
    db.session.flush()
    record_audit(actor, "requirement.create", "requirement", requirement.id, f"新增培训要求“{requirement.name}”", now,
                 {"after": fields.as_dict()})
    return requirement


def update_requirement(requirement: TrainingRequirement, fields: RequirementFields, actor: User, now: datetime) -> dict:
    fields = check_requirement(fields)
    before = RequirementFields.of(requirement).as_dict()
    changes = field_changes(before, fields.as_dict())
    if changes:
        for name, value in fields.as_dict().items():
            setattr(requirement, name, value)
        requirement.updated_at = now
        db.session.flush()
        record_audit(actor, "requirement.update", "requirement", requirement.id, f"修改培训要求“{requirement.name}”",
                     now, changes)
    return changes


def set_active(requirement: TrainingRequirement, active: bool, actor: User, now: datetime) -> None:
    """Start or stop applying a requirement (a stopped one is kept, and can be started again)."""
    if requirement.is_active == active:
        return
    requirement.is_active, requirement.updated_at = active, now
    db.session.flush()
    record_audit(actor, "requirement.activate" if active else "requirement.deactivate", "requirement", requirement.id,
                 f"{'启用' if active else '停用'}培训要求“{requirement.name}”", now)
