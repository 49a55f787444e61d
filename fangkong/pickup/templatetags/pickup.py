"""``{% voucher_card booking %}``: the voucher as the resident sees it (QR, code, point, window)."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.booking.models import Booking

from ..codes import token_for
from ..models import Voucher
from ..windows import window_display

register = template.Library()


def qr_data_uri(text: str) -> str:
    """A PNG data URI: an <img> that a long-press saves to the phone's photos."""
    import segno

    return segno.make(text, error="m").png_data_uri(scale=8, border=2)


def voucher_context(voucher: Voucher) -> dict[str, Any]:
    from django.urls import reverse

    token = token_for(voucher.code)
    path = reverse("pickup:voucher", args=[token])
    from django.conf import settings

    return {
        "voucher": voucher,
        "point": voucher.point,
        "token": token,
        "qr": qr_data_uri(settings.SITE_URL.rstrip("/") + path),
        "window": window_display(voucher.window_start, voucher.window_end),
        "pdf_url": reverse("pickup:voucher_pdf", args=[token]),
    }


@register.inclusion_tag("pickup/_voucher_card.html")
def voucher_card(booking: Booking) -> dict[str, Any]:
    voucher = Voucher.objects.select_related("point", "redeemed_point").filter(booking_id=booking.pk).first()
    if voucher is None:
        return {"voucher": None, "booking": booking}
    return {**voucher_context(voucher), "booking": booking}


@register.inclusion_tag("pickup/_desk_voucher_panel.html")
def desk_voucher_panel(booking: Booking) -> dict[str, Any]:
    """The voucher on the desk's booking page (code, point, window, redemption, PDF to print)."""
    voucher = Voucher.objects.select_related("point", "redeemed_point", "redeemed_by").filter(booking_id=booking.pk).first()
    if voucher is None:
        return {"voucher": None, "booking": booking}
    return {"voucher": voucher, "booking": booking, "window": window_display(voucher.window_start, voucher.window_end)}
