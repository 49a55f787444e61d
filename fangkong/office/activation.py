"""Activating a cadre's or volunteer's phone: a one-time SMS code, then a password.

Like the residents' look-up (fangkong/booking/lookup.py): the code is stored as an HMAC,
expires after ``OTP_TTL_SECONDS``, allows ``OTP_MAX_TRIES`` wrong guesses, and requests are
rate-limited per phone and per IP. "Send me a code" answers the same whether or not the phone
is registered, so the page cannot be used to find out who is.

Activation creates an ``orgs.User`` with role ``office_member`` (username = the phone) linked
to the person. We chose a real account over a separate session login so that sign-in, logout,
CSRF, password rules and the audit log's actor are the same as for staff; ``scope_of`` gives
this role no scope, so such an account sees no residents' data anywhere — in the office it
sees only its own inbox (fangkong/office/queries.py keys everything on the person).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms
from fangkong.core.otp import check_code, new_code, rate_limited
from fangkong.orgs.models import Role, User

from .models import ActivationCode, Person


class RateLimited(UserError):
    code = "rate_limited"


def _hash(code: str, phone: str) -> str:
    return salted_hmac("fangkong.office.activation", f"{code}|{phone}").hexdigest()


def activation_code_request(*, request: HttpRequest, phone: str) -> None:
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "office-activate-ip", ip, "20/h"):
        raise RateLimited(_("请求过于频繁，请稍后再试。"))
    if rate_limited(request, "office-activate-min", phone, "1/m") or rate_limited(request, "office-activate", phone, "5/h"):
        raise RateLimited(_("验证码发送过于频繁，请1分钟后再试（每小时最多5次）。"), field="phone")
    person = Person.objects.filter(phone=phone, is_staff_account=False).first()
    if person is None:
        return
    code = new_code()
    now = timezone.now()
    with transaction.atomic():
        row = ActivationCode.objects.create(
            phone=phone, code_hash=_hash(code, phone), ip=ip or None, created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        queue_sms(
            phone=phone,
            template="office_activation_code",
            variables={"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
            key=f"office_activation:{row.pk}",
            new_event=True,
        )


def person_activate(*, request: HttpRequest, phone: str, code: str, password: str) -> User:
    """Check the code and set the password; creates the account on first activation."""
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "office-activate-verify-ip", ip, "60/h"):
        raise RateLimited(_("请求过于频繁，请稍后再试。"))
    now = timezone.now()
    candidate = check_code(ActivationCode.objects.filter(phone=phone), _hash(code.strip(), phone), now=now)
    person = Person.objects.select_related("user").get(phone=phone, is_staff_account=False)
    user = person.user or User(
        username=phone, display_name=person.name, phone=phone, role=Role.OFFICE_MEMBER,
        district_id=person.district_id, town_id=person.town_id, committee_id=person.committee_id,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError(" ".join(exc.messages), field="password") from None
    with transaction.atomic():
        ActivationCode.objects.filter(pk=candidate.pk).update(used_at=now)
        if user.pk is None and User.objects.filter(username=phone).exists():
            raise UserError(_("该手机号已被其他账号使用，请联系所在街镇。"), field="phone")
        user.set_password(password)
        user.save()
        Person.objects.filter(pk=person.pk).update(user=user, activated_at=person.activated_at or now, updated_at=now)
        audit_log(
            actor=user, action="office.person_activate", object_type="person", object_id=person.pk,
            district_id=person.district_id, town_id=person.town_id, committee_id=person.committee_id, request=request,
        )
    return user
