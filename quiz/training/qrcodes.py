"""QR codes as SVG (the `qrcode` package's SVG factory: no Pillow, nothing external)."""

from __future__ import annotations


def qr_svg(url: str) -> str:
    """An SVG document (white background) that encodes ``url``; error correction M survives a
    bit of dirt on a printed poster."""
    # qrcode is imported on first use: workers that never draw a poster need not carry it.
    import qrcode  # noqa: PLC0415 - deliberately lazy
    import qrcode.constants  # noqa: PLC0415
    import qrcode.image.svg  # noqa: PLC0415

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
