"""The boards and the campaign summary as .xlsx (every text cell through safe_cell: no formula injection)."""

from __future__ import annotations

from datetime import datetime

from question_bank.xlsx import PERCENT, XlsxWriter

from .charts import band_labels
from ..services.clock import to_campaign_tz
from .rankings import Standings, TrendDay, UnitStanding
from .presenters import ranking_rules

#: the header colour of the board workbooks (the campaign red)
HEADER_FILL = "C0392B"


def _local(value: datetime | None) -> str:
    local = to_campaign_tz(value)
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M:%S")


def _unit_sheet(book: XlsxWriter, units: Standings, metric_label: str, rows: list[UnitStanding] | None = None) -> None:
    sheet = book.table("单位排名",
                   ["排名", "单位", "类型", "应参与人数", "人数来源", "参与人数", "参与率", "平均分", "及格率",
                    "满分人数", f"排名指标（{metric_label}）"],
                   [8, 30, 10, 12, 12, 10, 10, 10, 10, 10, 22], header_fill=HEADER_FILL)
    for row in units.units if rows is None else rows:
        book.row(sheet, [
            row.rank if row.rank is not None else "未参与", row.unit, row.kind, row.headcount,
            "编制人数" if row.headcount_is_set else "注册人数", row.participants, row.participation_rate,
            row.average_score, row.pass_rate, row.full_marks, row.metric_value,
        ], {6: PERCENT, 8: PERCENT})


def _user_sheet(book: XlsxWriter, users: Standings) -> None:
    sheet = book.table("个人排名", ["排名", "单位内排名", "姓名", "单位", "最好成绩", "满分", "用时（秒）", "交卷时间", "是否及格"],
                   [8, 12, 16, 30, 10, 8, 12, 20, 10], header_fill=HEADER_FILL)
    for row in users.users or []:
        book.row(sheet, [row.rank, row.unit_rank, row.display_name, row.unit or "", row.best_score, row.max_score,
                     row.duration_seconds, _local(row.submitted_at), "是" if row.passed else "否"])


def _rules_sheet(book: XlsxWriter, quiz_title: str, updated_at: datetime, metric_label: str,
                 level_line: str | None = None) -> None:
    head = [quiz_title, f"统计时间：{_local(updated_at)}（北京时间）"] + ([level_line] if level_line else [])
    book.text("排名规则", head + [""] + ranking_rules(metric_label))


def level_title(level) -> str:
    """The level a board shows, in words (e.g. 文旅局 / 图书馆 的下级单位)."""
    if level.parent is None:
        return "顶层单位（含下级单位合计）"
    return " / ".join(row.unit for row in level.path) + " 的下级单位（含下级单位合计）"


def boards_workbook(quiz_title: str, units: Standings, users: Standings, metric_label: str, level=None) -> bytes:
    """Both boards: 单位排名, 个人排名 and the rules they follow; with a ``level`` (pages.BoardLevel),
    单位排名 lists that level's units with their subtree figures."""
    book = XlsxWriter()
    _unit_sheet(book, units, metric_label, None if level is None else level.units)
    _user_sheet(book, users)
    _rules_sheet(book, quiz_title, units.updated_at, metric_label,
                 None if level is None else f"单位层级：{level_title(level)}")
    return book.to_bytes()


def summary_workbook(quiz_title: str, units: Standings, trend: list[TrendDay], metric_label: str) -> bytes:
    """活动总结: overall figures, per-unit participation and ranking, score distribution, daily participation."""
    summary = units.summary
    book = XlsxWriter()
    overview = book.table("总体情况", ["项目", "数值"], [24, 40], header_fill=HEADER_FILL)
    for label, value, fmt in [
        ("竞赛名称", quiz_title, None),
        ("统计时间（北京时间）", _local(units.updated_at), None),
        ("参与单位数", sum(1 for u in units.units if u.participants), None),
        ("单位总数", summary.units, None),
        ("应参与人数", summary.headcount, None),
        ("参与人数", summary.participants, None),
        ("参与率", summary.participation_rate, PERCENT),
        ("答题总次数", summary.attempts, None),
        ("平均分", summary.average_score, None),
        ("及格率", summary.pass_rate, PERCENT),
        ("满分人数", summary.full_marks, None),
        ("满分", units.max_score, None),
        ("及格分", units.pass_score, None),
        ("单位排名依据", metric_label, None),
    ]:
        book.row(overview, [label, value], {1: fmt} if fmt else None)
    _unit_sheet(book, units, metric_label)
    bands = book.table("成绩分布", ["分数段", "人数", "占参与人数"], [20, 10, 14], header_fill=HEADER_FILL)
    for label, count in zip(band_labels(units.max_score), summary.score_bands):
        book.row(bands, [label, count, count / summary.participants if summary.participants else 0], {2: PERCENT})
    daily = book.table("每日参与", ["日期", "答题次数", "当日答题人数", "新增参与人数", "累计参与人数", "累计参与率"],
                   [14, 12, 14, 14, 14, 12], header_fill=HEADER_FILL)
    for day in trend:
        book.row(daily, [day.day.isoformat(), day.attempts, day.active_users, day.new_participants,
                     day.cumulative_participants, day.cumulative_rate], {5: PERCENT})
    _rules_sheet(book, quiz_title, units.updated_at, metric_label)
    return book.to_bytes()
