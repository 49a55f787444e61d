"""One-time SMS codes, shared by the residents' look-up (fangkong/booking/lookup.py) and the
office's phone activation (fangkong/office/activation.py).

Each caller keeps its own model of code rows (fields ``code_hash``, ``created_at``,
``expires_at``, ``tries``, ``used_at``), its own HMAC salt and its own rate-limit groups; this
module holds what is the same: the code, the per-key rate limit on the shared cache, and the
check of a submitted code against the newest live row (expiry, ``OTP_MAX_TRIES``, a wrong guess
counted).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from .errors import UserError


class CodeRefused(UserError):
    """The submitted code does not open anything; ``message`` says why, for the code field."""

    code = "code_refused"


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def rate_limited(request: HttpRequest, group: str, key: str, rate: str) -> bool:
    """Count one hit of ``key`` in ``group`` (django-ratelimit, shared cache); True when over ``rate``."""
    return is_ratelimited(request, group=group, key=lambda _g, _r: key, rate=rate, increment=True)


def check_code(codes: QuerySet[Any], code_hash: str, *, now: datetime) -> Any:
    """The newest unused, unexpired row of ``codes`` if ``code_hash`` matches it; otherwise raise
    ``CodeRefused`` (a wrong guess counts against the row's tries). Marking it used is the
    caller's, in the transaction that acts on it."""
    candidate = codes.filter(used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first()
    if candidate is None:
        raise CodeRefused(_("验证码已过期或未发送，请重新获取。"), field="code")
    if candidate.tries >= settings.OTP_MAX_TRIES:
        raise CodeRefused(_("验证码错误次数过多，请重新获取。"), field="code")
    if not constant_time_compare(code_hash, candidate.code_hash):
        codes.model.objects.filter(pk=candidate.pk).update(tries=candidate.tries + 1)
        raise CodeRefused(_("验证码不正确，请核对短信中的6位数字。"), field="code")
    return candidate
