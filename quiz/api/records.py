"""API: a person's 个人培训档案 of a year, and a unit's 培训台账 (who in its subtree meets the requirements)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Range

from ..auth_setup import api_auth, api_user
from ..errors import NotFound
from ..org import scope
from ..org.tree import load_tree
from ..records import access, ledger, services
from ..services import accounts
from ..services.clock import EARLIEST_YEAR, LATEST_YEAR, isoformat, now_utc
from .blueprint import BEARER, bp
from .schemas import Strict, UnitRef


class YearQuery(Strict):
    year = Integer(load_default=None, validate=Range(EARLIEST_YEAR, LATEST_YEAR, error=services.YEAR_MESSAGE),
                   metadata={"description": "the calendar year (Asia/Shanghai); absent: this year"})


class RecordUserOut(Schema):
    id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    #: 岗位类别 (主要负责人 / 安全生产管理人员 / 从业人员)
    position = String(required=True)
    unit = Nested(UnitRef, allow_none=True, required=True)


class RequirementStatusOut(Schema):
    name = String(required=True)
    metric = String(required=True, metadata={"description": "hours or count"})
    category = String(required=True)
    basis = String(required=True)
    required = Float(required=True)
    done = Float(required=True)
    met = Boolean(required=True)


class RecordEntryOut(Schema):
    date = String(required=True, metadata={"description": "ISO 8601, +08:00"})
    kind = String(required=True, metadata={"description": "course, session or quiz; an entry added by a correction "
                                                          "(a training held outside the platform) is a session"})
    title = String(required=True)
    category = String(required=True)
    hours = Float(required=True)
    result = String(required=True)
    #: true: the entry was added by a correction (补录)
    added = Boolean(required=True)
    #: true: the entry was amended by a correction (更正)
    amended = Boolean(required=True)


class TrainingRecordOut(Schema):
    user = Nested(RecordUserOut, required=True)
    year = Integer(required=True)
    total_hours = Float(required=True)
    requirements = List(Nested(RequirementStatusOut), required=True)
    entries = List(Nested(RecordEntryOut), required=True, metadata={"description": "voided entries are left out"})


class CompliancePersonOut(Schema):
    user_id = Integer(required=True)
    display_name = String(required=True)
    hours = Float(required=True)
    met = Boolean(required=True)


class ComplianceOut(Schema):
    unit_id = Integer(required=True)
    year = Integer(required=True)
    people = List(Nested(CompliancePersonOut), required=True)


def record_json(record: services.TrainingRecord) -> dict:
    """The record as the API gives it: voided entries left out, manual entries as sessions."""
    user = record.user
    return {
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name,
                 "position": record.position,
                 "unit": {"id": user.unit.id, "name": user.unit.name} if user.unit is not None else None},
        "year": record.year,
        "total_hours": record.total_hours,
        "requirements": [{"name": s.requirement.name, "metric": s.requirement.metric, "category": s.requirement.category,
                          "basis": s.requirement.basis, "required": s.required, "done": s.done, "met": s.met}
                         for s in record.requirements],
        "entries": [{"date": isoformat(e.date), "kind": "session" if e.kind == "manual" else e.kind, "title": e.title,
                     "category": e.category, "hours": e.hours, "result": e.result, "added": e.added_by is not None,
                     "amended": bool(e.amended_by)} for e in record.entries if e.counts],
    }


@bp.get("/users/<int:user_id>/training-record")
@api_auth()
@bp.input(YearQuery, location="query", arg_name="query")
@bp.output(TrainingRecordOut)
@bp.doc(summary="A person's training record of a year (the person, staff, the managers of the person's unit subtree)",
        security=BEARER, responses=[401, 403, 404, 422])
def training_record(user_id, query):
    person = accounts.get_user(user_id)
    access.require_record_view(api_user(), person)
    now = now_utc()
    return record_json(services.training_record(person, query["year"] or services.year_of(now), now))


@bp.get("/units/<int:unit_id>/training-compliance")
@api_auth(*scope.VIEW_ROLES)
@bp.input(YearQuery, location="query", arg_name="query")
@bp.output(ComplianceOut)
@bp.doc(summary="Everyone in the unit's subtree with 学时 and whether every requirement binding them is met "
                "(admins, trainers, managers of the subtree)", security=BEARER, responses=[401, 403, 404, 422])
def training_compliance(unit_id, query):
    tree = load_tree()
    if unit_id not in tree.units:
        raise NotFound("单位不存在", code="unit_not_found")
    scope.require_visible_unit(api_user(), unit_id, tree)
    year = query["year"] or services.year_of(now_utc())
    _, rows = ledger.unit_ledger(unit_id, year, tree)
    return {"unit_id": unit_id, "year": year, "people": [
        {"user_id": row.user.id, "display_name": row.user.display_name, "hours": row.hours, "met": row.met} for row in rows]}
