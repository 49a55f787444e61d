"""The printable voucher (A5 portrait PDF) for desks that print and for residents who want one.

reportlab with its built-in CID font ``STSong-Light``: the PDF names Adobe's Chinese font and
every PDF reader supplies it, so the file stays small (no font embedded) and Chinese renders
without a font on the server. The QR is drawn as vector squares from segno's matrix.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fangkong.core.masking import mask_name

from .codes import token_for
from .models import Voucher
from .windows import window_label

FONT = "STSong-Light"
# STSong-Light's CMap has no U+00B7 (the "·" in round names); U+30FB is the same dot in GB 2312.
_DOT = str.maketrans({"·": "・"})


def _t(text: str) -> str:
    return text.translate(_DOT)


def voucher_pdf(voucher: Voucher) -> bytes:
    import segno
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    booking, point = voucher.booking, voucher.point
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5, invariant=True)
    pdf.setTitle(f"领取凭证 {voucher.code_display}")
    pdf.setAuthor(settings.SMS_SIGN_NAME)
    width, height = A5
    y = height - 20 * mm
    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, y, _t(f"{settings.SMS_SIGN_NAME} · {booking.round.goods.name}购买凭证"))
    y -= 9 * mm
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(width / 2, y, _t(booking.round.name))

    url = settings.SITE_URL.rstrip("/") + reverse("pickup:voucher", args=[token_for(voucher.code)])
    qr = segno.make(url, error="m")
    size = 60 * mm
    cells = list(qr.matrix)
    cell = size / (len(cells) + 4)
    left, top = (width - size) / 2, y - 6 * mm
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(cells):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(left + (c + 2) * cell, top - (r + 3) * cell, cell, cell, stroke=0, fill=1)
    y = top - size - 8 * mm
    pdf.setFont(FONT, 26)
    pdf.drawCentredString(width / 2, y, voucher.code_display)
    y -= 6 * mm
    pdf.setFont(FONT, 9)
    pdf.drawCentredString(width / 2, y, "领取码（扫码失败时请店员手工输入）")
    y -= 10 * mm
    facts = [
        ("姓名", mask_name(booking.name)),
        ("预约编号", booking.booking_no),
        ("物资数量", f"{booking.round.goods.name} × {voucher.quantity}{booking.round.goods.unit}"),
        ("领取点", point.name),
        ("地址", point.address),
        ("营业时间", point.opening_hours or "—"),
        ("领取时间", window_label(voucher.window_start, voucher.window_end)),
    ]
    for label, value in facts:
        pdf.setFont(FONT, 11)
        pdf.drawString(18 * mm, y, label)
        pdf.drawString(42 * mm, y, _t(value)[:34])
        y -= 7 * mm
    pdf.setFont(FONT, 8)
    issued = timezone.localtime(voucher.issued_at)
    pdf.drawString(18 * mm, 12 * mm, f"签发于 {issued:%Y-%m-%d %H:%M}。请在领取时间内凭此凭证领取，逾期作废，一码仅可领取一次。")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
