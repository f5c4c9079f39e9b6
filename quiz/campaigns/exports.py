"""活动总结 as .xlsx, written by the project's one xlsx writer (question_bank.xlsx: every text cell safe)."""

from __future__ import annotations

from question_bank.xlsx import PERCENT, XlsxWriter

from ..boards.exports import HEADER_FILL
from ..services.clock import to_campaign_tz
from .board import CampaignSummary

#: change columns: one decimal with a sign (percentage points)
POINTS = '+0.0;-0.0;0.0'


def summary_workbook(summary: CampaignSummary) -> bytes:
    """总体对比 and 各单位对比 (participation and average with the change in percentage points), and the rules."""
    campaign, previous, board = summary.campaign, summary.previous, summary.board
    old = summary.previous_board.totals if summary.previous_board else None
    this_year, last_year = f"{campaign.year}年", f"{previous.year}年" if previous else "上一届"
    book = XlsxWriter()
    overview = book.table("总体对比", ["项目", this_year, last_year, "变化（百分点）"], [22, 16, 16, 16], header_fill=HEADER_FILL)
    book.row(overview, ["活动名称", campaign.title, previous.title if previous else "无"])
    book.row(overview, ["主题", campaign.theme, previous.theme if previous else ""])
    book.row(overview, ["活动日期", f"{campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}",
                        f"{previous.starts_on:%Y-%m-%d} 至 {previous.ends_on:%Y-%m-%d}" if previous else ""])
    book.row(overview, ["应参与人数", board.totals.headcount, old.headcount if old else None])
    book.row(overview, ["参与人数", board.totals.participants, old.participants if old else None])
    book.row(overview, ["参与率", board.totals.participation_rate, old.participation_rate if old else None,
                        summary.rate_change], {1: PERCENT, 2: PERCENT, 3: POINTS})
    book.row(overview, ["平均得分率（%）", board.totals.average_score, old.average_score if old else None,
                        summary.average_change], {3: POINTS})
    units = book.table("各单位对比", [
        "排名", "单位", "应参与人数", f"{this_year}参与人数", f"{this_year}参与率", f"{last_year}参与率", "参与率变化（百分点）",
        f"{this_year}平均得分率（%）", f"{last_year}平均得分率（%）", "平均变化（百分点）", "备注",
    ], [8, 30, 12, 14, 12, 12, 18, 18, 18, 18, 14], header_fill=HEADER_FILL)
    for row in summary.units:
        book.row(units, [
            row.rank if row.rank is not None else "未参与", row.unit, row.headcount, row.participants,
            row.participation_rate, row.previous_rate, row.rate_change, row.average_score, row.previous_average,
            row.average_change, "今年新增单位" if row.is_new else "",
        ], {4: PERCENT, 5: PERCENT, 6: POINTS, 9: POINTS})
    local = to_campaign_tz(board.updated_at)
    book.text("说明", [
        f"{campaign.title} 活动总结", f"统计时间：{local:%Y-%m-%d %H:%M}（北京时间）", "",
        "参与人数：完成本活动至少一个测验的人数（每人只计一次）；参与率 = 参与人数 ÷ 应参与人数（最高 100%）。",
        "平均得分率：每人在每个测验中的最好成绩折算为得分率（得分 ÷ 满分），取其完成的各测验的平均，再对单位内参与者取平均。",
        "变化：今年减去上一届，单位为百分点；今年新增的单位没有上一届数据。",
        "单位排名依据平均得分率；相同时依次比较参与率、单位名称；尚无人参与的单位列在最后，不排名次。",
        "两届的应参与人数均按当前的编制人数计算。",
    ])
    return book.to_bytes()
