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
#: Widths (px) the light charts are drawn at: one per page width band (phone, small tablet,
#: tablet, desktop), so that a chart is shown at nearly its own size and its text, drawn at
#: 13-15 px, is never scaled below 12 px.  The big screen's dark charts are drawn 1000 wide.
CHART_WIDTHS = (360, 520, 700, 940)
DEFAULT_WIDTH = 940
DARK_WIDTH = 1000

_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif'


def chart_style(theme: str, width: int) -> Style:
    """The theme at a width: text sizes are in the chart's own pixels."""
    if theme == "dark":
        # Light text on the big screen's navy (values included: pygal would pick black for
        # light bars, which is invisible beside them).
        return Style(
            background="transparent", plot_background="transparent", foreground="#e8edf3",
            foreground_strong="#ffffff", foreground_subtle="#3d5a78",
            colors=("#f5b041", "#5dade2", "#ec7063", "#58d68d", "#af7ac5"),
            value_colors=("#ffffff",) * 5,
            font_family=_FONTS, label_font_family=_FONTS, major_label_font_family=_FONTS, value_font_family=_FONTS,
            value_label_font_family=_FONTS, title_font_family=_FONTS, legend_font_family=_FONTS,
            tooltip_font_family=_FONTS, label_font_size=22, major_label_font_size=22, value_font_size=22,
            value_label_font_size=22, title_font_size=28, legend_font_size=22, no_data_font_size=30,
        )
    base = 15 if width < 500 else 14
    return Style(
        background="#ffffff", plot_background="#ffffff", foreground="#333333", foreground_strong="#111111",
        foreground_subtle="#dddddd", colors=("#c0392b", "#1f6fa8", "#e67e22", "#27ae60", "#8e44ad"),
        value_colors=("#1f2328",) * 5,
        font_family=_FONTS, label_font_family=_FONTS, major_label_font_family=_FONTS, value_font_family=_FONTS,
        value_label_font_family=_FONTS, title_font_family=_FONTS, legend_font_family=_FONTS,
        tooltip_font_family=_FONTS, label_font_size=base, major_label_font_size=base, value_font_size=base,
        value_label_font_size=base, title_font_size=base + 3, legend_font_size=base, tooltip_font_size=base,
        no_data_font_size=base + 5,
    )


#: The themes at their default widths (kept for callers that only need the colours).
THEMES = {"light": chart_style("light", DEFAULT_WIDTH), "dark": chart_style("dark", DARK_WIDTH)}

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def chart_width(theme: str, requested) -> int:
    """The width to draw at: one of CHART_WIDTHS for the light theme (the default when the
    request names none or another one), DARK_WIDTH for the big screen."""
    if theme == "dark":
        return DARK_WIDTH
    try:
        width = int(requested)
    except (TypeError, ValueError):
        return DEFAULT_WIDTH
    return width if width in CHART_WIDTHS else DEFAULT_WIDTH


def clean_svg(svg: str) -> str:
    """The SVG without pygal's inline script (the pages' CSP and <img> need none)."""
    return _SCRIPT.sub("", svg)


def chart_config(theme: str, width: int, **extra) -> dict:
    """pygal options every board chart shares (no script, explicit size, values printed), plus ``extra``."""
    return {
        "style": chart_style(theme, width),
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": True,
        "show_legend": False,
        "truncate_label": -1,
        "truncate_legend": -1,
        "print_values": True,
        "print_values_position": "top",
        "margin": 12 if width < 500 else 16,
        "width": width,
        **extra,
    }


def count_ticks(largest: int) -> list[int]:
    """Whole-number axis labels for counts of people (pygal would pick 0.5 steps)."""
    step = max(1, -(-largest // 6))
    return list(range(0, max(largest, 1) + step, step))


def empty_chart(chart, message: str) -> str:
    """The chart drawn with ``message`` instead of data."""
    chart.no_data_text = message
    return clean_svg(chart.render(is_unicode=True))


def participation_chart(units: Sequence[UnitStanding], theme: str = "light", width: int | None = None) -> str:
    """Participation rate by unit (%), highest first; with many units, the best and the worst."""
    width = width or (DARK_WIDTH if theme == "dark" else DEFAULT_WIDTH)
    style = chart_style(theme, width)
    rows = sorted(units, key=lambda u: (-u.participation_rate, u.unit))
    title = "各单位参与率"
    if len(rows) > MAX_CHART_UNITS:
        half = MAX_CHART_UNITS // 2
        rows = rows[:half] + rows[-half:]
        title = f"各单位参与率（前 {half} 名与后 {half} 名）"
    row_height = style.label_font_size * 2.2
    height = max(240, int(90 + row_height * len(rows))) if theme == "light" else max(900, 120 + 46 * len(rows))
    chart = pygal.HorizontalBar(**chart_config(
        theme, width, title=title, height=height, range=(0, 100), show_x_labels=width >= 500,
        value_formatter=lambda v: f"{v:.0f}%",
    ))
    rows = list(reversed(rows))  # pygal draws horizontal bars bottom-up
    # pygal under-estimates the width of CJK labels: leave room for the longest unit name
    # (at most 40 % of a narrow chart; longer names wrap onto the bar area's left).
    longest = max((len(u.unit) for u in rows), default=0)
    chart.config.margin_left = min(int(style.label_font_size * 0.55 * longest), int(width * 0.4))
    chart.x_labels = [u.unit for u in rows]
    chart.add("参与率", [round(u.participation_rate * 100, 1) for u in rows])
    if not rows:
        return empty_chart(chart, "暂无单位")
    return clean_svg(chart.render(is_unicode=True))


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


def score_distribution_chart(summary: Summary, max_score: float, theme: str = "light", width: int | None = None) -> str:
    """How many participants' best results fall into each score band."""
    width = width or (DARK_WIDTH if theme == "dark" else DEFAULT_WIDTH)
    narrow = width < 500
    chart = pygal.Bar(**chart_config(
        theme, width, title="成绩分布（每人最好成绩）", height=(min(420, max(300, int(width * 0.55))) if theme == "light" else 900),
        x_label_rotation=-40 if narrow else 0, value_formatter=lambda v: f"{v:.0f}人",
    ))
    chart.x_labels = band_labels(max_score)
    chart.config.y_labels = count_ticks(max(summary.score_bands, default=0))
    chart.add("人数", list(summary.score_bands))
    if not summary.participants:
        return empty_chart(chart, "暂无成绩")
    return clean_svg(chart.render(is_unicode=True))


def daily_chart(trend: Sequence[TrendDay], theme: str = "light", width: int | None = None) -> str:
    """Daily participation: users who answered each day, and the cumulative participation rate
    as a line on the right-hand axis (0-100 %)."""
    width = width or (DARK_WIDTH if theme == "dark" else DEFAULT_WIDTH)
    narrow = width < 500
    # A label every few days on narrow charts, so the dates never overlap.
    every = max(1, -(-len(trend) // (5 if narrow else 12)))
    chart = pygal.Line(**chart_config(
        theme, width, title="每日参与情况", height=(min(440, max(320, int(width * 0.6))) if theme == "light" else 900),
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=1 if narrow else 2,
        x_label_rotation=-40 if len(trend) > (5 if narrow else 12) else 0,
        x_labels_major_every=every, show_minor_x_labels=every == 1,
        print_values=not narrow and len(trend) <= 10,
        value_formatter=lambda v: f"{v:.0f}", secondary_range=(0, 100), range=None,
        dots_size=4 if theme == "light" else 7, stroke_style={"width": 3},
    ))
    chart.x_labels = [d.day.strftime("%m-%d") for d in trend]
    chart.config.y_labels = count_ticks(max((d.active_users for d in trend), default=0))
    chart.add("当日答题人数", [d.active_users for d in trend])
    chart.add("累计参与率（%，右轴）", [round(d.cumulative_rate * 100, 1) for d in trend], secondary=True,
              formatter=lambda v: f"{v:.0f}%", stroke_style={"width": 4})
    if not any(d.attempts for d in trend):
        return empty_chart(chart, "暂无答题记录")
    return clean_svg(chart.render(is_unicode=True))
