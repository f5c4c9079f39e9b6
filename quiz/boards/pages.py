"""Helpers of the board pages (signed-in boards and the big screen): the quiz asked for, charts, settings."""



from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, abort, render_template
from flask_login import current_user
from wtforms import SelectChoice, SelectField

from ..forms import ActionForm, BaseForm
from ..models import RANKING_METRIC_LABELS, RANKING_METRICS, Quiz
from ..services import quizzes
from .cache import Entry, cached_trend, cached_units
from .links import quiz_display_links
from .charts import CHART_NAMES, chart_width, daily_chart, participation_chart, score_distribution_chart
from ..params import id_arg
from ..services.clock import now_utc
from .blueprint import board_cache
from .rankings import Standings, UnitStanding, child_standings, with_rollup

#: ``?parent=top``: the top-level units with their subtree figures (no parameter: the flat board)
TOP_LEVEL = "top"

class MetricForm(BaseForm):
    ranking_metric = SelectField("单位排名依据", choices=[SelectChoice(m, RANKING_METRIC_LABELS[m]) for m in RANKING_METRICS])


@dataclass(slots=True)
class BoardLevel:
    """One level of the unit tree on a board: the children of ``parent`` (None: the top level)."""

    param: str  # the ?parent= value links carry
    parent: UnitStanding | None  # with its subtree's figures
    path: list[UnitStanding]  # from the top down to the parent, for the breadcrumb
    units: list[UnitStanding]  # ranked, each with its subtree's figures


def board_level(standings: Standings, raw: str | None) -> BoardLevel | None:
    """The level ``?parent=`` asks for: None (no parameter, blank or junk) is the flat board as it
    always was; ``top`` the top-level units; a unit id its direct children (unknown: 404)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    standings = with_rollup(standings)
    if raw == TOP_LEVEL:
        return BoardLevel(TOP_LEVEL, None, [], child_standings(standings, None))
    parent_id = id_arg("parent", value=raw)
    if parent_id is None:
        return None
    units = child_standings(standings, parent_id)  # NotFound for an unknown unit
    path = standings.path(parent_id)
    return BoardLevel(str(parent_id), path[-1], path, units)


def has_levels(standings: Standings) -> bool:
    """Whether any unit has a parent (otherwise the levels add nothing to the flat board)."""
    return any(row.parent_id is not None for row in standings.rollup or [])


def board_quiz(quiz_id: int) -> Quiz:
    """The quiz whose boards are asked for; trainers and admins also see unpublished ones."""
    manager = current_user.is_authenticated and current_user.is_staff
    return quizzes.get_quiz(quiz_id, include_unpublished=manager)


def metric_label(quiz: Quiz) -> str:
    return RANKING_METRIC_LABELS.get(quiz.ranking_metric, RANKING_METRIC_LABELS["average_score"])


# ---------------------------------------------------------------- charts

_SVGS: OrderedDict = OrderedDict()
_SVGS_LOCK = threading.Lock()


def chart_entry(quiz_id: int, name: str) -> Entry:
    cache, now = board_cache(), now_utc()
    return cached_trend(cache, quiz_id, now) if name == "daily" else cached_units(cache, quiz_id, now)


def chart_stamp(quiz_id: int) -> str:
    """Changes whenever any chart of the quiz may change (for cache-busting image URLs)."""
    units = cached_units(board_cache(), quiz_id, now_utc())
    return f"{units.version}-{int(units.computed_at)}"


def svg_response(quiz_id: int, name: str, theme: str, width=None) -> Response:
    """A chart as SVG, rendered once per cache entry, theme and width (``?w=``, see CHART_WIDTHS)."""
    if name not in CHART_NAMES:
        abort(404)
    theme = "dark" if theme == "dark" else "light"
    width = chart_width(theme, width)
    entry = chart_entry(quiz_id, name)
    key = (quiz_id, name, theme, width, entry.version, entry.computed_at)
    svg = _SVGS.get(key)
    if svg is None:
        if name == "participation":
            svg = participation_chart(entry.value.units, theme, width)
        elif name == "scores":
            svg = score_distribution_chart(entry.value.summary, entry.value.max_score, theme, width)
        else:
            svg = daily_chart(entry.value, theme, width)
        with _SVGS_LOCK:
            _SVGS[key] = svg
            while len(_SVGS) > 128:
                _SVGS.popitem(last=False)
    response = Response(svg, mimetype="image/svg+xml")
    # The URL carries the data version (?v=...), so a short private cache is safe.
    response.headers["Cache-Control"] = "private, max-age=60"
    return response



def render_settings(quiz: Quiz, *, new_link=None, new_link_url: str | None = None):
    return render_template(
        "boards/settings.html",
        quiz=quiz,
        form=MetricForm(ranking_metric=quiz.ranking_metric),
        action_form=ActionForm(),
        links=quiz_display_links(quiz) if current_user.role == "admin" else [],
        new_link=new_link,
        new_link_url=new_link_url,
        metric_labels=RANKING_METRIC_LABELS,
    )
