"""The certificate as a PDF (reportlab), imported only when a certificate is drawn."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..models import Certificate
from ..services.clock import to_campaign_tz

CID_FONT = "STSong-Light"


def register_font(font_path: str | None) -> str:
    if font_path:
        name = "CertificateCJK"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, font_path))
        return name
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def _fit(c: canvas.Canvas, text: str, font: str, size: float, max_width: float) -> float:
    while size > 10 and pdfmetrics.stringWidth(text, font, size) > max_width:
        size -= 1
    return size


def render(cert: Certificate, *, verify_url: str, issuer: str, campaign: str,
                           font_path: str | None = None) -> bytes:
    """A one-page landscape A4 certificate with a QR code that opens the verify page."""
    font = register_font(font_path)
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=0)
    c.setTitle(f"合格证书 - {cert.display_name} - {cert.quiz_title}")
    c.setAuthor(issuer)
    c.setSubject(f"验证码 {cert.code}")

    red = colors.HexColor("#c0392b")
    gold = colors.HexColor("#b8860b")
    c.setStrokeColor(red)
    c.setLineWidth(6)
    c.rect(24, 24, width - 48, height - 48)
    c.setStrokeColor(gold)
    c.setLineWidth(1.5)
    c.rect(36, 36, width - 72, height - 72)

    center = width / 2
    c.setFillColor(red)
    c.setFont(font, 44)
    c.drawCentredString(center, height - 120, "合 格 证 书")
    c.setFillColor(colors.HexColor("#555555"))
    c.setFont(font, 14)
    c.drawCentredString(center, height - 148, campaign)

    c.setFillColor(colors.black)
    name_line = cert.display_name + (f"（{cert.unit_name}）" if cert.unit_name else "")
    size = _fit(c, name_line, font, 26, width - 160)
    c.setFont(font, size)
    c.drawCentredString(center, height - 215, name_line)

    c.setFont(font, 16)
    passed_on = to_campaign_tz(cert.passed_at)
    date_text = f"{passed_on.year}年{passed_on.month}月{passed_on.day}日"
    lines = [
        f"于 {date_text} 参加",
        cert.quiz_title if "“" in cert.quiz_title else f"“{cert.quiz_title}”",
        f"成绩 {cert.score:g} 分（满分 {cert.max_score:g} 分），成绩合格，特发此证。",
    ]
    y = height - 260
    for line in lines:
        c.setFont(font, _fit(c, line, font, 18, width - 160))
        c.drawCentredString(center, y, line)
        y -= 34

    c.setFont(font, 16)
    c.drawRightString(width - 90, 120, issuer)
    c.drawRightString(width - 90, 96, date_text)

    qr = QrCodeWidget(verify_url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 96
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, 70, 70)
    c.setFont(font, 11)
    c.setFillColor(colors.HexColor("#333333"))
    label = "证书验证码："
    c.drawString(176, 128, label)
    # ASCII in a Latin font: the CID font's half-width hyphen is missing in some viewers
    c.setFont("Courier-Bold", 12)
    c.drawString(176 + pdfmetrics.stringWidth(label, font, 11), 128, cert.code)
    c.setFont(font, 11)
    c.drawString(176, 110, "扫描二维码或访问以下网址验证真伪：")
    c.setFont("Helvetica", 9)
    c.drawString(176, 94, verify_url)

    c.showPage()
    c.save()
    return buffer.getvalue()
