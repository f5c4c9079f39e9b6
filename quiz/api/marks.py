"""标记 in the JSON API: PUT /api/v1/attempts/{attempt_id}/marks/{question_id} (an addition to the contract)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Integer

from ..auth_setup import api_auth, api_identity
from ..services.clock import now_utc
from ..services.marks import set_mark
from .blueprint import BEARER, bp
from .schemas import Strict



class MarkIn(Strict):
    marked = Boolean(required=True)


class MarkOut(Schema):
    question_id = Integer(required=True)
    marked = Boolean(required=True)


@bp.put("/attempts/<int:attempt_id>/marks/<int:question_id>")
@api_auth()
@bp.input(MarkIn, arg_name="body")
@bp.output(MarkOut)
@bp.doc(summary="Mark a question to come back to (标记), or unmark it; kept with the attempt",
        security=BEARER, responses=[401, 404, 409])
def set_question_mark(attempt_id, question_id, body):
    marked = set_mark(attempt_id, api_identity().id, question_id, body["marked"], now_utc())
    return {"question_id": question_id, "marked": marked}
