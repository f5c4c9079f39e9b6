"""The share card (分享图): a PNG of one result for the unit's chat group, drawn with Pillow.

It shows the campaign and its theme, the quiz, the taker's name (masked by default) and
unit, the score, pass or not, the rank in the unit and overall when the quiz has boards,
and a QR code that opens the platform.  Chinese text needs a CJK TrueType font on the
server: ``SHARE_CARD_FONT_PATH`` or the first of :data:`FONT_CANDIDATES` that exists
(``make test`` and the deployment guide install Debian's fonts-wqy-zenhei).  Without one,
:class:`ShareCardUnavailable` says so in plain Chinese instead of drawing empty boxes.

Pillow and qrcode are imported when the first card is drawn, not by every worker.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime

from ..errors import DomainError
from ..boards.links import mask_name
from .clock import to_campaign_tz

#: the card's size in pixels (portrait, the width chat apps show without scaling)
CARD_SIZE = (750, 1200)
#: CJK fonts tried in this order when SHARE_CARD_FONT_PATH is not set (Debian package paths)
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",       # fonts-wqy-zenhei (installed by make test)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",     # fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
)
NAME_STYLES = ("masked", "full", "hidden")
NAME_STYLE_LABELS = {"masked": "姓名脱敏（张*三）", "full": "显示全名", "hidden": "不显示姓名"}


class ShareCardUnavailable(DomainError):
    status, code = 503, "share_card_unavailable"
    message = ("服务器没有安装中文字体，暂时无法生成分享图。请联系管理员安装 fonts-wqy-zenhei 字体"
               "（或在配置项 SHARE_CARD_FONT_PATH 中指定一个中文字体文件）。成绩不受影响。")


def find_font(configured: str | None = None, candidates=FONT_CANDIDATES) -> str | None:
    """The CJK font file to draw with: the configured one if it exists, else the first candidate
    that exists; None when there is none (a configured path that is missing is not replaced)."""
    if configured:
        return configured if os.path.isfile(configured) else None
    return next((path for path in candidates if os.path.isfile(path)), None)


def display_name(name: str, style: str) -> str:
    if style == "full":
        return name
    if style == "hidden":
        return ""
    return mask_name(name)


@dataclass(frozen=True)
class ShareCard:
    """Everything the card shows (already in the words it shows them)."""

    campaign: str
    theme: str
    quiz_title: str
    name: str               # "" to leave it out
    unit: str
    score: float
    max_score: float
    passed: bool
    finished_at: datetime
    url: str                # the QR code's target
    rank: int | None = None
    total: int | None = None
    unit_rank: int | None = None
    unit_total: int | None = None


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Break Chinese text into lines no wider than ``width`` (character by character)."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) <= width:
            line += char
            continue
        lines.append(line)
        line = char
        if len(lines) == max_lines:
            break
    if len(lines) < max_lines and line:
        lines.append(line)
    if len(lines) == max_lines and "".join(lines) != text:
        while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def render_share_card(card: ShareCard, font_path: str) -> bytes:
    """The card as PNG bytes, CARD_SIZE pixels."""
    import qrcode  # noqa: PLC0415 - deliberately lazy (see the module docstring)
    import qrcode.constants  # noqa: PLC0415
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415

    width, height = CARD_SIZE

    def font(size: int):
        return ImageFont.truetype(font_path, size)

    image = Image.new("RGB", CARD_SIZE, "#fdf6f0")
    draw = ImageDraw.Draw(image)
    red, dark_red, ink, grey, green = "#c0392b", "#962d22", "#1f2328", "#5c636a", "#146c43"

    # header band: campaign, theme, quiz
    draw.rectangle([0, 0, width, 360], fill=red)
    draw.rectangle([0, 330, width, 360], fill=dark_red)
    centre = width // 2
    draw.text((centre, 70), card.campaign, font=font(56), fill="#ffffff", anchor="mm", stroke_width=1, stroke_fill="#ffffff")
    draw.text((centre, 140), card.theme, font=font(30), fill="#ffe8c2", anchor="mm")
    title_font = font(34)
    y = 205
    for line in _wrap(draw, card.quiz_title, title_font, width - 120, 2):
        draw.text((centre, y), line, font=title_font, fill="#ffffff", anchor="mm")
        y += 48

    # the result panel
    panel = [40, 300, width - 40, 900]
    draw.rounded_rectangle(panel, radius=28, fill="#ffffff", outline="#f0d9d0", width=2)
    y = 370
    if card.name:
        draw.text((centre, y), card.name, font=font(44), fill=ink, anchor="mm", stroke_width=1, stroke_fill=ink)
        y += 58
    if card.unit:
        for line in _wrap(draw, card.unit, font(30), width - 160, 1):
            draw.text((centre, y), line, font=font(30), fill=grey, anchor="mm")
        y += 50
    score_text = f"{card.score:g}"
    score_font, unit_font = font(150), font(40)
    score_w = draw.textlength(score_text, font=score_font)
    suffix = f" / {card.max_score:g} 分"
    suffix_w = draw.textlength(suffix, font=unit_font)
    x = centre - (score_w + suffix_w) / 2
    draw.text((x, y + 95), score_text, font=score_font, fill=red, anchor="ls", stroke_width=2, stroke_fill=red)
    draw.text((x + score_w, y + 95), suffix, font=unit_font, fill=grey, anchor="ls")
    y += 150
    verdict, colour = ("成绩合格", green) if card.passed else ("继续加油", "#a34f00")
    verdict_font = font(36)
    verdict_w = draw.textlength(verdict, font=verdict_font) + 60
    draw.rounded_rectangle([centre - verdict_w / 2, y - 34, centre + verdict_w / 2, y + 34], radius=34, fill=colour)
    draw.text((centre, y), verdict, font=verdict_font, fill="#ffffff", anchor="mm")
    y += 90
    rank_font = font(34)
    if card.unit_rank:
        text = f"本单位第 {card.unit_rank} 名" + (f"（共 {card.unit_total} 人）" if card.unit_total else "")
        draw.text((centre, y), text, font=rank_font, fill=ink, anchor="mm")
        y += 56
    if card.rank:
        text = f"全部第 {card.rank} 名" + (f"（共 {card.total} 人）" if card.total else "")
        draw.text((centre, y), text, font=rank_font, fill=ink, anchor="mm")
        y += 56
    local = to_campaign_tz(card.finished_at)
    draw.text((centre, 860), f"{local.year}年{local.month}月{local.day}日", font=font(28), fill=grey, anchor="mm")

    # the QR code to the platform
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(card.url)
    code.make(fit=True)
    qr = code.make_image(fill_color="#000000", back_color="#ffffff").get_image().convert("RGB")
    side = 220
    qr = qr.resize((side, side), Image.NEAREST)
    qr_x, qr_y = 60, 940
    image.paste(qr, (qr_x, qr_y))
    text_x = qr_x + side + 36
    draw.text((text_x, 990), "扫码参加答题", font=font(40), fill=ink, anchor="ls", stroke_width=1, stroke_fill=ink)
    draw.text((text_x, 1045), "一起学安全、懂应急", font=font(30), fill=grey, anchor="ls")
    url_font = font(22)
    y = 1095
    for line in _wrap(draw, card.url, url_font, width - text_x - 40, 3):
        draw.text((text_x, y), line, font=url_font, fill=grey, anchor="ls")
        y += 30

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
