"""The 个人培训档案 as a printable PDF (reportlab, A4, Chinese font) and as .xlsx (the one xlsx writer)."""

from __future__ import annotations

import io
from pathlib import Path

from question_bank.xlsx import XlsxWriter

from ..services.clock import to_campaign_tz
from .services import TrainingRecord

#: the CJK TrueType font embedded when CERTIFICATE_FONT_PATH is not set (Debian's fonts-wqy-zenhei):
#: an archived record then prints the same anywhere; without it, the CID font STSong-Light
WQY_ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

ENTRY_HEADERS = ["序号", "时间", "类型", "内容", "分类", "学时", "考核结果", "备注"]


def _date(value) -> str:
    local = to_campaign_tz(value)
    return "" if local is None else local.strftime("%Y-%m-%d")


def _hours(value: float) -> str:
    return f"{float(value or 0):g}"


def record_pdf(record: TrainingRecord, *, issuer: str, font_path: str | None = None) -> bytes:
    """A4 portrait: header (姓名、单位、岗位类别、年度), the entries (long titles wrap; the table continues
    across pages with its header repeated), totals against the requirements, and the signature lines."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    from ..training.certificate_pdf import register_font  # reportlab and Pillow: loaded by the first PDF, not every worker

    font = register_font(font_path or (str(WQY_ZENHEI) if WQY_ZENHEI.is_file() else None))
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"))
    struck = ParagraphStyle("struck", parent=body, textColor=colors.HexColor("#888888"))
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4)

    def p(text, style=body):
        return Paragraph(escape(str(text or "")), style)

    user = record.user
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=16 * mm, title=f"个人培训档案 - {user.display_name} - {record.year}",
                            author=issuer, subject=f"{record.year} 年度安全生产教育和培训档案")
    width = A4[0] - 30 * mm
    story = [Paragraph(f"个人安全生产教育和培训档案（{record.year} 年度）", title),
             p(issuer, ParagraphStyle("issuer", parent=small, alignment=TA_CENTER)), Spacer(1, 4 * mm)]
    info = Table([[p("姓名"), p(user.display_name), p("用户名"), p(user.username)],
                  [p("单位"), p(record.unit_name or "（未分配单位）"), p("岗位类别"), p(record.position)]],
                 colWidths=[20 * mm, width / 2 - 20 * mm, 20 * mm, width / 2 - 20 * mm])
    info.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                              ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f0f0"))]))
    story += [info, Paragraph("培训记录", heading)]

    rows = [[p(h) for h in ("序号", "时间", "类型", "培训内容", "学时", "考核结果", "备注")]]
    for number, entry in enumerate(record.entries, start=1):
        style = body if entry.counts else struck
        content = escape(entry.title) + (f"<br/><font size=8 color='#555555'>{escape(entry.category)}</font>" if entry.category else "")
        if not entry.counts:
            content = f"<strike>{content}</strike>"
        rows.append([p(number, style), p(_date(entry.date), style), p(entry.kind_label, style), Paragraph(content, style),
                     p(_hours(entry.hours) if entry.is_training or entry.hours else "—", style),
                     p(entry.result if entry.counts else f"{entry.result}（已作废）", style), p(entry.note, small)])
    if len(rows) == 1:
        rows.append([p("—"), p(""), p(""), p("本年度暂无培训记录"), p(""), p(""), p("")])
    columns = [12 * mm, 25 * mm, 19 * mm, None, 12 * mm, 30 * mm, 28 * mm]  # 时间 holds "2026-11-03" on one line
    columns[3] = width - sum(c for c in columns if c)
    entries = Table(rows, colWidths=columns, repeatRows=1)
    entries.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
    story.append(entries)

    summary = [[p("年度要求"), p("依据"), p("要求"), p("完成"), p("是否达标")]]
    for status in record.requirements:
        summary.append([p(status.requirement.name), p(status.requirement.basis, small),
                        p(f"{status.required:g} {status.unit_label}"), p(f"{status.done:g} {status.unit_label}"),
                        p("达标" if status.met else "未达标")])
    if len(summary) == 1:
        summary.append([p("（没有适用的年度要求）"), p(""), p(""), p(""), p("")])
    totals = Table(summary, colWidths=[width * 0.34, width * 0.30, width * 0.12, width * 0.12, width * 0.12], repeatRows=1)
    totals.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
    story += [Paragraph(f"年度合计：{_hours(record.total_hours)} 学时，"
                        f"培训 {sum(1 for e in record.entries if e.counts and e.is_training)} 次", heading), totals]

    signature = Table([[p("本人签字："), p(""), p("考核人签字："), p(""), p("日期："), p("")]],
                      colWidths=[24 * mm, 36 * mm, 27 * mm, 36 * mm, 16 * mm, width - 139 * mm], rowHeights=[14 * mm])
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                   ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
                                   ("LINEBELOW", (3, 0), (3, 0), 0.6, colors.black),
                                   ("LINEBELOW", (5, 0), (5, 0), 0.6, colors.black)]))
    generated = to_campaign_tz(record.generated_at).strftime("%Y-%m-%d %H:%M")
    story.append(KeepTogether([Spacer(1, 8 * mm), signature, Spacer(1, 3 * mm),
                               p(f"本档案由平台根据学习、培训签到与考试记录生成（{generated}）；更正记录见备注栏。", small)]))

    def page_number(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"{user.display_name} · {record.year} 年度 · 第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def record_xlsx(record: TrainingRecord) -> bytes:
    """Two sheets: 培训记录 (one row per entry, the person on every row) and 年度要求."""
    writer = XlsxWriter()
    user = record.user
    sheet = writer.table("培训记录", ["姓名", "用户名", "单位", "岗位类别", "年度", *ENTRY_HEADERS[1:], "是否作废"])
    for entry in record.entries:
        writer.row(sheet, [user.display_name, user.username, record.unit_name, record.position, record.year,
                           _date(entry.date), entry.kind_label, entry.title, entry.category, entry.hours,
                           entry.result, entry.note, "" if entry.counts else "已作废"])
    totals = writer.table("年度要求", ["姓名", "年度", "要求", "依据", "衡量", "要求值", "完成", "是否达标"])
    writer.row(totals, [user.display_name, record.year, "年度合计学时", "", "学时", "", record.total_hours, ""])
    for status in record.requirements:
        writer.row(totals, [user.display_name, record.year, status.requirement.name, status.requirement.basis,
                            status.unit_label, status.required, status.done, "达标" if status.met else "未达标"])
    return writer.to_bytes()
