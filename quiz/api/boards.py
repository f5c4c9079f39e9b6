"""API: the leaderboards of a quiz (ranking rules: docs/boards.md)."""

from __future__ import annotations

from ..auth_setup import api_auth, api_identity
from ..boards.blueprint import board_cache
from ..boards.cache import cached_units, cached_users
from ..boards.presenters import (
    cached_json,
    units_board_json,
    users_board_json,
)
from ..boards.rankings import child_standings
from ..errors import NotFound
from ..models import STAFF_ROLES
from ..services.clock import now_utc
from .blueprint import BEARER, bp
from .schemas import (
    LeaderboardUnitsOut,
    LeaderboardUnitsQuery,
    LeaderboardUsersOut,
    LeaderboardUsersQuery,
)


def _board_quiz_id(quiz_id: int) -> int:
    """A quiz whose leaderboards the caller may read (trainers and admins: unpublished ones too).

    Uses the board cache's memoized state, so a warm leaderboard request loads no quiz.
    """
    state = board_cache().state(quiz_id)
    if state is None or (not state.is_published and api_identity().role not in STAFF_ROLES):
        raise NotFound("测验不存在", code="quiz_not_found")
    return quiz_id


@bp.get("/quizzes/<int:quiz_id>/leaderboard/units")
@api_auth()
@bp.input(LeaderboardUnitsQuery, location="query", arg_name="query")
@bp.output(LeaderboardUnitsOut)
@bp.doc(summary="The unit board of a quiz (ranking rules: docs/boards.md)",
        description="Without parent_id every unit with its own figures; with parent_id that unit's direct "
                    "children, each with its whole subtree's figures (404 unit_not_found for an unknown unit).",
        security=BEARER, responses=[401, 404, 422])
def leaderboard_units(quiz_id, query):
    quiz_id = _board_quiz_id(quiz_id)
    entry = cached_units(board_cache(), quiz_id, now_utc())
    parent_id = query["parent_id"]
    if parent_id is None:
        # The body is built once per board version and reused (no per-request serialization).
        return cached_json(("api-units", quiz_id), entry, lambda: units_board_json(entry.value))
    units = child_standings(entry.value, parent_id)  # NotFound (404) for an unknown unit
    return cached_json(("api-units", quiz_id, parent_id), entry, lambda: units_board_json(entry.value, units))


@bp.get("/quizzes/<int:quiz_id>/leaderboard/users")
@api_auth()
@bp.input(LeaderboardUsersQuery, location="query", arg_name="query")
@bp.output(LeaderboardUsersOut)
@bp.doc(summary="The individual board of a quiz, whole contest or one unit (rank within the unit)",
        security=BEARER, responses=[401, 404])
def leaderboard_users(quiz_id, query):
    quiz_id = _board_quiz_id(quiz_id)
    cache, now = board_cache(), now_utc()
    unit_id, limit = query["unit_id"], query["limit"]
    if unit_id is not None and cached_units(cache, quiz_id, now).value.unit(unit_id) is None:
        raise NotFound("单位不存在", code="unit_not_found")
    entry = cached_users(cache, quiz_id, now)
    return cached_json(("api-users", quiz_id, unit_id, limit), entry,
                       lambda: users_board_json(entry.value, unit_id, limit))
