"""Residents looking up their own bookings: ID number + phone + a one-time SMS code.

Codes are stored hashed, expire, allow a few tries, and are rate-limited per phone and per IP
(django-ratelimit's counters, kept in the shared cache). The answer to "send me a code" is the
same whether or not a booking exists, so the endpoint cannot be used to probe who booked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from fangkong.core.messaging import queue_sms
from fangkong.core.otp import CodeRefused, check_code, new_code, rate_limited

from .models import Booking, LookupCode


class LookupError_(Exception):
    def __init__(self, message: str, *, status: int = 422, field: str = "code") -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def _hash(code: str, id_number: str, phone: str) -> str:
    return salted_hmac("fangkong.booking.lookup", f"{code}|{id_number}|{phone}").hexdigest()


def lookup_code_request(*, request: HttpRequest, id_number: str, phone: str) -> None:
    """Send a code if a booking matches; raise 429-style errors when over the limits."""
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "lookup-ip", ip, "20/h"):
        raise LookupError_(_("请求过于频繁，请稍后再试。"), status=429, field="__all__")
    if rate_limited(request, "lookup-phone-min", phone, "1/m") or rate_limited(request, "lookup-phone", phone, "5/h"):
        raise LookupError_(_("验证码发送过于频繁，请1分钟后再试（每小时最多5次）。"), status=429, field="phone")
    if not Booking.objects.filter(id_number=id_number, phone=phone).exists():
        return
    code = new_code()
    now = timezone.now()
    with transaction.atomic():
        lookup = LookupCode.objects.create(
            phone=phone,
            id_number=id_number,
            code_hash=_hash(code, id_number, phone),
            ip=ip or None,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        queue_sms(
            phone=phone,
            template="lookup_code",
            variables={"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
            key=f"lookup_code:{lookup.pk}",
        )


def lookup_bookings(*, request: HttpRequest, id_number: str, phone: str, code: str) -> QuerySet[Booking]:
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "lookup-verify-ip", ip, "60/h"):
        raise LookupError_(_("请求过于频繁，请稍后再试。"), status=429, field="__all__")
    now = timezone.now()
    try:
        candidate = check_code(
            LookupCode.objects.filter(phone=phone, id_number=id_number), _hash(code.strip(), id_number, phone), now=now
        )
    except CodeRefused as exc:
        raise LookupError_(exc.message) from None
    LookupCode.objects.filter(pk=candidate.pk).update(used_at=now)
    return Booking.objects.filter(id_number=id_number, phone=phone).select_related("round", "committee", "town")
