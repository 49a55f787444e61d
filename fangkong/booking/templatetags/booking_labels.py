"""Labels for status and reason codes stored in audit rows (``detail["from"]`` and so on)."""

from __future__ import annotations

from django import template

from fangkong.booking.models import BookingStatus, DecisionReason

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    return str(BookingStatus(value).label) if value in BookingStatus.values else value or ""


@register.filter
def reason_label(value: str) -> str:
    return str(DecisionReason(value).label) if value in DecisionReason.values else value or ""
