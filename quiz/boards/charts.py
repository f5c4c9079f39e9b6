"""Board charts as self-contained SVG (pygal, rendered on the server; nothing loaded from outside).

pygal embeds a small configuration ``<script>`` and, by default, links its tooltip script
from a CDN; ``js=[]`` drops the link and :func:`_clean` strips the inline script, so the
SVG is plain markup with its own ``<style>``.  Pages show it with ``<img>``, where it
cannot run anything and the page's CSP (``script-src 'self'; style-src 'self'``) holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from pygal.style import Style

from .rankings import SCORE_BANDS, Summary, TrendDay, UnitStanding

CHART_NAMES = ("participation", "scores", "daily")
#: The unit chart shows this many units at most (the best and the worst by participation).
MAX_CHART_UNITS = 40

_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'

THEMES = {
    "light": Style(
        background="#ffffff", plot_background="#ffffff", foreground="#333333", foreground_strong="#111111",
        foreground_subtle="#dddddd", colors=("#c0392b", "#e67e22", "#2e86c1", "#27ae60", "#8e44ad"),
        font_family=_FONTS, label_font_family=_FONTS, major_label_font_family=_FONTS, value_font_family=_FONTS,
        value_label_font_family=_FONTS, title_font_family=_FONTS, legend_font_family=_FONTS,
        tooltip_font_family=_FONTS, label_font_size=13, major_label_font_size=13, value_font_size=12,
        value_label_font_size=12, title_font_size=18, legend_font_size=14,
    ),
    "dark": Style(
        background="transparent", plot_background="transparent", foreground="#e8edf3",
        foreground_strong="#ffffff", foreground_subtle="#2c3e50",
        colors=("#f5b041", "#ec7063", "#5dade2", "#58d68d", "#af7ac5"),
        font_family=_FONTS, label_font_family=_FONTS, major_label_font_family=_FONTS, value_font_family=_FONTS,
        value_label_font_family=_FONTS, title_font_family=_FONTS, legend_font_family=_FONTS,
        tooltip_font_family=_FONTS, label_font_size=20, major_label_font_size=20, value_font_size=18,
        value_label_font_size=20, title_font_size=26, legend_font_size=20,
    ),
}

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def _clean(svg: str) -> str:
    return _SCRIPT.sub("", svg)


def _config(theme: str, **extra) -> dict:
    return {
        "style": THEMES.get(theme, THEMES["light"]),
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": False,
        "truncate_label": -1,
        "print_values": True,
        "margin": 16,
        **extra,
    }


def _count_ticks(largest: int) -> list[int]:
    """Whole-number axis labels for counts of people (pygal would pick 0.5 steps)."""
    step = max(1, -(-largest // 6))
    return list(range(0, max(largest, 1) + step, step))


def _empty(chart, message: str) -> str:
    chart.no_data_text = message
    return _clean(chart.render(is_unicode=True))


def participation_chart(units: Sequence[UnitStanding], theme: str = "light") -> str:
    """Participation rate by unit (%), highest first; with many units, the best and the worst."""
    rows = sorted(units, key=lambda u: (-u.participation_rate, u.unit))
    title = "各单位参与率"
    if len(rows) > MAX_CHART_UNITS:
        half = MAX_CHART_UNITS // 2
        rows = rows[:half] + rows[-half:]
        title = f"各单位参与率（前 {half} 名与后 {half} 名）"
    height = max(240, 90 + 30 * len(rows)) if theme == "light" else max(900, 120 + 42 * len(rows))
    chart = pygal.HorizontalBar(**_config(
        theme, title=title, height=height, width=1000, range=(0, 100),
        value_formatter=lambda v: f"{v:.0f}%",
    ))
    rows = list(reversed(rows))  # pygal draws horizontal bars bottom-up
    # pygal under-estimates the width of CJK labels: leave room for the longest unit name.
    font_size = THEMES.get(theme, THEMES["light"]).label_font_size
    chart.config.margin_left = int(font_size * 0.55 * max((len(u.unit) for u in rows), default=0))
    chart.x_labels = [u.unit for u in rows]
    chart.add("参与率", [round(u.participation_rate * 100, 1) for u in rows])
    if not rows:
        return _empty(chart, "暂无单位")
    return _clean(chart.render(is_unicode=True))


def band_labels(max_score: float) -> list[str]:
    """Labels of the score bands in points of ``max_score``: 60分以下, 60–70分, ..., 90–100分, 满分.

    A band includes its lower bound and excludes its upper one; full marks are a band of their own.
    """
    def points(tenths: int) -> str:
        return f"{max_score * tenths / 10:g}"

    labels = [f"{points(SCORE_BANDS[0])}分以下"]
    for low, high in zip(SCORE_BANDS, SCORE_BANDS[1:]):
        labels.append(f"{points(low)}–{points(high)}分")
    labels.append("满分")
    return labels


def score_distribution_chart(summary: Summary, max_score: float, theme: str = "light") -> str:
    """How many participants' best results fall into each score band."""
    chart = pygal.Bar(**_config(
        theme, title="成绩分布（每人最好成绩）", height=420 if theme == "light" else 900,
        width=1000, value_formatter=lambda v: f"{v:.0f}人",
    ))
    chart.x_labels = band_labels(max_score)
    chart.config.y_labels = _count_ticks(max(summary.score_bands, default=0))
    chart.add("人数", list(summary.score_bands))
    if not summary.participants:
        return _empty(chart, "暂无成绩")
    return _clean(chart.render(is_unicode=True))


def daily_chart(trend: Sequence[TrendDay], theme: str = "light") -> str:
    """Daily participation: users who answered each day (bars) and the cumulative participation rate."""
    chart = pygal.Bar(**_config(
        theme, title="每日参与情况", height=420 if theme == "light" else 900,
        width=1000, show_legend=True, legend_at_bottom=True,
        x_label_rotation=-30 if len(trend) > 12 else 0, print_values=len(trend) <= 16,
        value_formatter=lambda v: f"{v:.0f}", secondary_range=(0, 100),
    ))
    chart.x_labels = [d.day.strftime("%m-%d") for d in trend]
    chart.config.y_labels = _count_ticks(max((d.active_users for d in trend), default=0))
    chart.add("当日答题人数", [d.active_users for d in trend])
    chart.add("累计参与率(%)", [round(d.cumulative_rate * 100, 1) for d in trend], secondary=True,
              formatter=lambda v: f"{v:.0f}%")
    if not any(d.attempts for d in trend):
        return _empty(chart, "暂无答题记录")
    return _clean(chart.render(is_unicode=True))
