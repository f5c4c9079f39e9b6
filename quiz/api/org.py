"""API: a unit's 未参与名单 (who in its subtree has not finished a quiz), for organizers and its managers."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String

from ..auth_setup import api_auth, api_user
from ..errors import NotFound
from ..org import participation, scope
from ..org.tree import load_tree
from .blueprint import BEARER, bp
from .schemas import DATABASE_ID, Strict, UnitRef


class NonParticipantsQuery(Strict):
    quiz_id = Integer(required=True, validate=DATABASE_ID, metadata={"description": "the quiz to have finished"})


class NonParticipantOut(Schema):
    id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    unit = Nested(UnitRef, required=True)


class NonParticipantsOut(Schema):
    unit_id = Integer(required=True)
    quiz_id = Integer(required=True)
    users = List(Nested(NonParticipantOut), required=True)


@bp.get("/units/<int:unit_id>/non-participants")
@api_auth(*scope.VIEW_ROLES)
@bp.input(NonParticipantsQuery, location="query", arg_name="query")
@bp.output(NonParticipantsOut)
@bp.doc(summary="Who in the unit's subtree has not finished the quiz (admins, trainers, managers of the subtree)",
        security=BEARER, responses=[401, 403, 404, 422])
def unit_non_participants(unit_id, query):
    tree = load_tree()
    if unit_id not in tree.units:
        raise NotFound("单位不存在", code="unit_not_found")
    actor = api_user()
    scope.require_visible_unit(actor, unit_id, tree)
    target = participation.quiz_target(query["quiz_id"], include_unpublished=actor.is_staff)
    rows = participation.non_participants(target, unit_id, tree)
    return {"unit_id": unit_id, "quiz_id": target.id, "users": [
        {"id": row.user.id, "username": row.user.username, "display_name": row.user.display_name,
         "unit": {"id": row.user.unit_id, "name": tree.units[row.user.unit_id].name}} for row in rows]}
