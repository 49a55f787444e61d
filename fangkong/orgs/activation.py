"""Staff accounts set their own password by SMS code: first activation (a clerk added on the
desk gets an account without a usable password) and "forgot my password", one flow.

The same shape as the cadres' activation (fangkong/office/activation.py) and on the same
helpers (fangkong/core/otp.py): the code is stored as an HMAC with this flow's own salt, expires
after ``OTP_TTL_SECONDS``, allows ``OTP_MAX_TRIES`` wrong guesses, and requests are rate-limited
per phone and per IP. "Send me a code" answers the same whether or not the phone opens an
account, so the page cannot be used to find out who works where.

Which accounts: active staff accounts whose ``phone`` is the number, in the roles that work on
the desk or at a pickup point (``SELF_SERVICE_ROLES``). Not ``office_member`` (cadres and
volunteers have /office/activate/, keyed on the imported person), and not system
administrators or any account with Django admin access (``is_staff``/``is_superuser``): they
can change every other account and the role groups, so a stolen or re-issued SIM must not be
enough to take one over; their passwords are reset by another administrator or with
``manage.py changepassword``. A phone shared by several such accounts gets no code (the owner is
told by SMS to ask the town): the code must open exactly one account.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms
from fangkong.core.otp import CodeRefused, check_code, new_code, rate_limited

from .models import Role, StaffActivationCode, User

SELF_SERVICE_ROLES = (Role.DISTRICT_OFFICER, Role.TOWN_OFFICER, Role.COMMITTEE_WORKER, Role.PICKUP_CLERK)


class RateLimited(UserError):
    code = "rate_limited"


# Django's validators, with our own words: Django's zh_Hans catalogue misses the plural message
# for a short password (it reaches the page in English), and the others read better this way.
_PASSWORD_MESSAGES = {
    "password_too_short": gettext_lazy("密码太短，至少需要 {n} 个字符。"),
    "password_too_common": gettext_lazy("这个密码太常见，容易被猜中，请换一个。"),
    "password_entirely_numeric": gettext_lazy("密码不能全都是数字。"),
    "password_too_similar": gettext_lazy("密码与您的用户名或姓名太相似，请换一个。"),
}


def password_problems(password: str, user: User) -> list[str]:
    """What Django's password validators (``AUTH_PASSWORD_VALIDATORS``) find, in Chinese."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems = []
        for error in exc.error_list:
            template = _PASSWORD_MESSAGES.get(error.code or "")
            params = error.params if isinstance(error.params, dict) else {}
            problems.append(str(template).format(n=params.get("min_length", "")) if template else " ".join(error.messages))
        return problems
    return []


def _hash(code: str, phone: str) -> str:
    return salted_hmac("fangkong.orgs.activation", f"{code}|{phone}").hexdigest()


def eligible_accounts(phone: str) -> QuerySet[User]:
    """The accounts a code sent to ``phone`` may open (see the module docstring)."""
    return User.objects.filter(phone=phone, is_active=True, is_staff=False, is_superuser=False,
                               role__in=SELF_SERVICE_ROLES)


def staff_code_request(*, request: HttpRequest, phone: str) -> None:
    """Send a code if ``phone`` opens exactly one account; say nothing either way."""
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "staff-activate-ip", ip, "20/h"):
        raise RateLimited(_("请求过于频繁，请稍后再试。"))
    if rate_limited(request, "staff-activate-min", phone, "1/m") or rate_limited(request, "staff-activate", phone, "5/h"):
        raise RateLimited(_("验证码发送过于频繁，请1分钟后再试（每小时最多5次）。"), field="phone")
    accounts = list(eligible_accounts(phone)[:2])
    if not accounts:
        return
    now = timezone.now()
    with transaction.atomic():
        if len(accounts) > 1:
            queue_sms(phone=phone, template="staff_activation_ambiguous", variables={},
                      key=f"staff_activation_ambiguous:{phone}:{now.timestamp()}")
            return
        code = new_code()
        row = StaffActivationCode.objects.create(
            phone=phone, user=accounts[0], code_hash=_hash(code, phone), ip=ip or None, created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        queue_sms(
            phone=phone,
            template="staff_activation_code",
            variables={"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
            key=f"staff_activation:{row.pk}",
            new_event=True,
        )


def staff_password_set(*, request: HttpRequest, phone: str, code: str, password: str) -> User:
    """Check the code and set the password of the account it was sent for; returns that account.

    The account must still be eligible (deactivated or moved to another role since the code was
    sent: refused like an unknown code). The audit row says whether it was a first activation
    (no usable password before) or a reset."""
    ip = request.META.get("REMOTE_ADDR", "")
    if rate_limited(request, "staff-activate-verify-ip", ip, "60/h"):
        raise RateLimited(_("请求过于频繁，请稍后再试。"))
    now = timezone.now()
    candidate = check_code(StaffActivationCode.objects.filter(phone=phone), _hash(code.strip(), phone), now=now)
    user = eligible_accounts(phone).filter(pk=candidate.user_id).first()
    if user is None:
        raise CodeRefused(_("验证码已过期或未发送，请重新获取。"), field="code")
    problems = password_problems(password, user)
    if problems:
        raise UserError(" ".join(problems), field="password")
    first = not user.has_usable_password()
    with transaction.atomic():
        if not StaffActivationCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=now):
            raise CodeRefused(_("验证码已过期或未发送，请重新获取。"), field="code")
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(
            actor=user, action="orgs.staff_activate" if first else "orgs.password_reset", object_type="user",
            object_id=user.pk, district_id=user.district_id, town_id=user.town_id, committee_id=user.committee_id,
            request=request, detail={"via": "sms"},
        )
    return user
