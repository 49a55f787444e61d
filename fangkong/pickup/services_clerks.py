"""Writes of the desk's clerk management: binding pickup-point clerks to points and removing them.

Who: whoever manages the point (``_managed_points``: a town officer her town's points, the
district any point of the district). A clerk is identified by phone, the one thing a pharmacy
can tell the town over the phone:

- an active ``pickup_clerk`` account with that phone in the officer's scope (a town officer:
  clerks of her town; the district: any of its clerks) is bound as it is (its name is kept);
- a phone (or username) already used by any other account is refused: a committee worker or an
  officer must not become a clerk by mistake, and a clerk of another town is that town's to bind;
- otherwise a clerk account is created (username = phone, no usable password, the point's town)
  and told by SMS to set a password at /accounts/activate/ (fangkong/orgs/activation.py).

Removing only unbinds: the account stays (it may serve other points, and vouchers it redeemed
keep naming it); a clerk bound to no point sees "没有绑定领取点" on /pickup/.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.masking import mask_phone
from fangkong.core.messaging import queue_sms, shared_language
from fangkong.core.models import AuditEvent
from fangkong.orgs.models import Role, User
from fangkong.orgs.scoping import scope_of
from fangkong.orgs.services import staff_create

from .models import PickupPoint
from .services import _managed_points


class ClerkError(UserError):
    code = "clerk"


def _point_or_refuse(actor: Any, point_id: int) -> PickupPoint:
    point = _managed_points(actor).select_for_update().filter(pk=point_id).first()
    if point is None:
        raise ClerkError(_("没有找到该领取点"))
    return point


def _in_scope(actor: Any, user: User) -> bool:
    scope = scope_of(actor)
    if scope.level == "district":
        return user.district_id == scope.district_id
    if scope.level == "town":
        return user.town_id == scope.town_id
    return False


def _audit(actor: Any, action: str, point: PickupPoint, clerk: User, request: HttpRequest | None,
           **detail: Any) -> AuditEvent:
    return audit_log(actor=actor, action=action, object_type="pickup_point", object_id=point.pk,
              district_id=point.district_id, town_id=point.town_id, committee_id=point.committee_id,
              request=request, detail={"clerk": clerk.pk, "phone": mask_phone(clerk.phone), **detail})


@transaction.atomic
def point_clerk_add(*, actor: Any, point_id: int, name: str, phone: str,
                    request: HttpRequest | None = None) -> tuple[User, bool]:
    """Bind the clerk with ``phone`` to the point, creating the account if there is none.
    ``phone`` is already normalised (``validate_mobile``). Returns the clerk and whether the
    account was created."""
    point = _point_or_refuse(actor, point_id)
    accounts = list(User.objects.filter(Q(phone=phone) | Q(username=phone)).order_by("pk")[:3])
    clerks = [u for u in accounts if u.role == Role.PICKUP_CLERK]
    if len(accounts) > len(clerks) or len(clerks) > 1:
        raise ClerkError(_("手机号 {phone} 已用于其他工作人员或协同办公账号，不能作为店员添加。如确需调整，请联系系统管理员。")
                         .format(phone=mask_phone(phone)), field="phone")
    created = not clerks
    if clerks:
        clerk = clerks[0]
        if not _in_scope(actor, clerk):
            raise ClerkError(_("手机号 {phone} 是其他街镇的店员账号，请联系该街镇添加。").format(phone=mask_phone(phone)),
                             field="phone")
        if not clerk.is_active:
            raise ClerkError(_("该店员账号已停用，请联系系统管理员。"), field="phone")
        if point.clerks.filter(pk=clerk.pk).exists():
            raise ClerkError(_("{name}已是“{point}”的店员。").format(name=clerk.display_name or clerk.username,
                                                                  point=point.name), field="phone")
    else:
        try:
            with transaction.atomic():  # the username is unique: two desks adding one phone at once
                clerk = staff_create(username=phone, password="", role=Role.PICKUP_CLERK, display_name=name.strip(),
                                     phone=phone, town=point.town)
        except IntegrityError:
            raise ClerkError(_("该手机号刚被其他账号使用，请刷新页面后重试。"), field="phone") from None
        clerk.set_unusable_password()
        clerk.save(update_fields=["password"])
    point.clerks.add(clerk)
    # The audit row names the binding: a clerk removed and added again is told again.
    event = _audit(actor, "pickup.clerk_add", point, clerk, request, created=created)
    activate = not clerk.has_usable_password()
    with shared_language():
        greeting = clerk.display_name or _("您好")
    queue_sms(
        phone=phone,
        template="pickup_clerk_invited" if activate else "pickup_clerk_added",
        variables={"name": greeting, "point": point.name, "address": point.address,
                   "url": settings.SITE_URL.rstrip("/") + reverse("staff_activate" if activate else "pickup:clerk")},
        key=f"pickup_clerk_added:{event.pk}",
        new_event=True,
    )
    return clerk, created


@transaction.atomic
def point_clerk_remove(*, actor: Any, point_id: int, clerk_id: int, request: HttpRequest | None = None) -> User:
    point = _point_or_refuse(actor, point_id)
    clerk = point.clerks.filter(pk=clerk_id).first()
    if clerk is None:
        raise ClerkError(_("该店员不在此领取点。"))
    point.clerks.remove(clerk)
    _audit(actor, "pickup.clerk_remove", point, clerk, request)
    return clerk
