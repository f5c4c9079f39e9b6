"""The campaign's charts as self-contained SVG, drawn like the board charts (quiz/boards/charts.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pygal

from ..boards.charts import DARK_WIDTH, DEFAULT_WIDTH, MAX_CHART_UNITS, chart_config, chart_style, clean_svg, empty_chart
from .board import UnitComparison

CAMPAIGN_CHART_NAMES = ("participation", "average")


def comparison_chart(rows: Sequence[UnitComparison], name: str, this_label: str, previous_label: str | None,
                     theme: str = "light", width: int | None = None) -> str:
    """Per unit, this campaign's participation rate (``name`` "participation", %) or average score
    ("average", % of full marks) beside the previous campaign's, highest first."""
    width = width or (DARK_WIDTH if theme == "dark" else DEFAULT_WIDTH)
    style = chart_style(theme, width)
    # last year in grey, this year in the campaign's colour
    style.colors = ("#9aa5b1", style.colors[0]) if previous_label else (style.colors[0],)
    participation = name == "participation"

    def now(row):
        return row.participation_rate * 100 if participation else row.average_score

    def before(row):
        if participation:
            return None if row.previous_rate is None else row.previous_rate * 100
        return row.previous_average

    rows = sorted(rows, key=lambda r: (-(now(r) or 0), r.unit))[:MAX_CHART_UNITS]
    series = 2 if previous_label else 1
    row_height = style.label_font_size * (1.6 * series + 0.8)
    title = "各单位参与率对比" if participation else "各单位平均得分率对比"
    chart = pygal.HorizontalBar(**chart_config(
        theme, width, style=style, title=title, height=max(260, int(110 + row_height * len(rows))), range=(0, 100),
        show_x_labels=width >= 500, show_legend=bool(previous_label), legend_at_bottom=True,
        legend_at_bottom_columns=2, value_formatter=lambda v: f"{v:.0f}%",
    ))
    rows = list(reversed(rows))  # pygal draws horizontal bars bottom-up
    longest = max((len(r.unit) for r in rows), default=0)
    chart.config.margin_left = min(int(style.label_font_size * 0.55 * longest), int(width * 0.4))
    chart.x_labels = [r.unit for r in rows]
    if previous_label:
        chart.add(previous_label, [None if before(r) is None else round(before(r), 1) for r in rows])
    chart.add(this_label, [None if now(r) is None else round(now(r), 1) for r in rows])
    if not rows:
        return empty_chart(chart, "暂无单位")
    return clean_svg(chart.render(is_unicode=True))
