"""Standings to the JSON shapes of the API and the big screen (one place, so they agree).

JSON bodies are built once per cache entry and reused (``cached_json``): a warm board
request then costs a dictionary look-up, not a serialization of 300 units.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict

from flask import Response, request

from .cache import Entry
from .links import mask_name
from ..services.clock import isoformat
from .rankings import Standings, UnitStanding, UserStanding

_BODIES: OrderedDict = OrderedDict()
_BODIES_LOCK = threading.Lock()
_MAX_BODIES = 512


def cached_value(key: tuple, entry: Entry, build):
    """What ``build()`` made for ``key`` from ``entry``, made once per entry (its version and computation)."""
    full_key = (*key, entry.version, entry.computed_at)
    value = _BODIES.get(full_key)
    if value is None:
        value = build()
        with _BODIES_LOCK:
            _BODIES[full_key] = value
            while len(_BODIES) > _MAX_BODIES:
                _BODIES.popitem(last=False)
    return value


#: Bodies shorter than this are sent as they are (Flask-Compress's own COMPRESS_MIN_SIZE default).
GZIP_MIN_BYTES = 500


def cached_json(key: tuple, entry: Entry, build) -> Response:
    """A JSON response for ``key`` built from ``entry`` once, then served from memory.

    A client that accepts gzip (every browser, so every big screen) gets the body compressed
    once per entry as well: compressing a 300-unit board on each poll tripled a warm request's
    cost (Flask-Compress, which leaves a response that names its encoding alone)."""
    body = cached_value(("json", *key), entry,
                        lambda: json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode())
    # the header is parsed (qualities, "*") only when there is one: API clients mostly send none
    if (len(body) < GZIP_MIN_BYTES or not request.environ.get("HTTP_ACCEPT_ENCODING")
            or not request.accept_encodings["gzip"]):
        return Response(body, mimetype="application/json")
    compressed = cached_value(("gzip", *key), entry, lambda: gzip.compress(body, compresslevel=6, mtime=0))
    response = Response(compressed, mimetype="application/json")
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def unit_json(row: UnitStanding) -> dict:
    return {
        "rank": row.rank,
        "unit_id": row.unit_id,
        "unit": row.unit,
        "headcount": row.headcount,
        "participants": row.participants,
        "participation_rate": row.participation_rate,
        "average_score": row.average_score,
        "pass_rate": row.pass_rate,
        "full_marks": row.full_marks,
    }


def units_board_json(standings: Standings, units: list[UnitStanding] | None = None) -> dict:
    """The unit board, or ``units`` (a level of the unit tree, rankings.child_standings) in its shape."""
    return {
        "metric": standings.metric,
        "updated_at": isoformat(standings.updated_at),
        "units": [unit_json(row) for row in (standings.units if units is None else units)],
    }


def user_json(row: UserStanding, *, in_unit: bool = False, mask: bool = False) -> dict:
    return {
        "rank": row.unit_rank if in_unit else row.rank,
        "user_id": row.user_id,
        "display_name": mask_name(row.display_name) if mask else row.display_name,
        "unit": row.unit,
        "best_score": row.best_score,
        "duration_seconds": row.duration_seconds,
        "submitted_at": isoformat(row.submitted_at),
    }


def board_users(standings: Standings, unit_id: int | None) -> list[UserStanding]:
    """The individual board: the whole contest, or one unit's members (ranked within the unit)."""
    if unit_id is None:
        return standings.users or []
    return standings.unit_users(unit_id)


def users_board_json(standings: Standings, unit_id: int | None, limit: int) -> dict:
    rows = board_users(standings, unit_id)[:limit]
    return {
        "updated_at": isoformat(standings.updated_at),
        "users": [user_json(row, in_unit=unit_id is not None) for row in rows],
    }


def ranking_rules(metric_label: str) -> list[str]:
    """The ranking rules in the words the pages, the exports and the summary use."""
    return [
        "每人的竞赛成绩取其最好的一次答题：分数最高者优先；分数相同取用时最短；再相同取提交最早。",
        "只统计在竞赛开放时间内交卷（含超时自动交卷，按截止前保存的答案计分）的答题；已停用的账号不计入。",
        "个人排名：按上述成绩排序，分数、用时、提交时间完全相同者名次并列。",
        "应参与人数取单位编制人数；未填写编制人数时，取该单位已注册且启用的账号数。",
        "参与率 = 参与人数 ÷ 应参与人数（最高 100%）；平均分、及格率、满分人数均按参与者的最好成绩计算。",
        f"单位排名依据：{metric_label}；相同时依次比较参与率、平均分、单位名称。尚无人参与的单位列在最后，不排名次。",
        "按层级查看时，上级单位的数字含其全部下级单位：应参与人数相加，参与者每人只计一次，平均分、及格率按其中每个人的成绩重新计算；已撤销的单位不列出，其人员仍计入上级单位。",
    ]
