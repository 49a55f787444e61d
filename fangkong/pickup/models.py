"""Pickup points, their stock per round, and the vouchers residents redeem there.

Stock is counted in units of the round's goods (口罩: 只). ``issued`` is what vouchers have
reserved, ``redeemed`` what clerks have handed out; the database keeps
``redeemed <= issued <= quantity`` (CHECK constraints), so no point can be overbooked or
oversold whatever the application does. A voucher is redeemed at most once: the conditional
UPDATE in ``voucher_redeem`` touches one row or none, and ``Redemption`` (one row per voucher,
a unique key) makes a second redemption fail in the database even if that were bypassed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.booking.models import Booking, Round
from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class PointKind(models.TextChoices):
    PHARMACY = "pharmacy", _("药店")
    COMMITTEE_OFFICE = "office", _("居委会办公室")
    OTHER = "other", _("其他")


class PickupPointQuerySet(ScopedQuerySet):
    def for_clerk(self, user: object) -> PickupPointQuerySet:
        """The points a staff account hands goods out at (bound via ``clerks``)."""
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(clerks=user, active=True)


class PickupPoint(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(
        Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("填写后，该居委会的居民优先分配到此领取点"),
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=12, choices=PointKind.choices, default=PointKind.PHARMACY)
    address = models.CharField(_("地址"), max_length=200)
    opening_hours = models.CharField(_("营业时间"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    clerks = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="pickup_points",
                                    verbose_name=_("店员"))

    objects = PickupPointQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("领取点")
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="pickuppoint_unique_name_in_town")]

    def __str__(self) -> str:
        return self.name


class PickupStock(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(PickupPoint, on_delete=models.CASCADE, related_name="stocks")
    quantity = models.PositiveIntegerField(_("库存总量"), default=0)
    issued = models.PositiveIntegerField(_("已发凭证"), default=0)
    redeemed = models.PositiveIntegerField(_("已领取"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("领取点库存")
        constraints = [
            models.UniqueConstraint(fields=["round", "point"], name="pickupstock_unique_round_point"),
            models.CheckConstraint(condition=models.Q(redeemed__lte=models.F("quantity")), name="pickupstock_not_oversold"),
            models.CheckConstraint(condition=models.Q(issued__lte=models.F("quantity")), name="pickupstock_not_overbooked"),
            models.CheckConstraint(condition=models.Q(redeemed__lte=models.F("issued")), name="pickupstock_redeemed_issued"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}@{self.round_id}: {self.quantity}"

    @property
    def remaining(self) -> int:
        """On the shelf: not yet handed out."""
        return self.quantity - self.redeemed

    @property
    def available(self) -> int:
        """Not yet promised to a voucher."""
        return self.quantity - self.issued


class RoundPickupSetting(models.Model):
    """Per-round pickup rules (absent: the defaults)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="pickup_setting")
    window_days = models.PositiveSmallIntegerField(_("领取期（工作日）"), default=3)

    class Meta:
        verbose_name = verbose_name_plural = _("轮次领取设置")

    def __str__(self) -> str:
        return f"{self.round_id}: {self.window_days}"


class VoucherQuerySet(ScopedQuerySet):
    district_field = "booking__district_id"
    town_field = "booking__town_id"
    committee_field = "booking__committee_id"


class Voucher(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="voucher")
    code = models.CharField(_("领取码"), max_length=8, unique=True)
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("领取点"))
    quantity = models.PositiveSmallIntegerField(_("数量"))
    window_start = models.DateTimeField(_("领取开始"))
    window_end = models.DateTimeField(_("领取截止"))
    issued_at = models.DateTimeField(_("发放时间"), default=timezone.now)
    redeemed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("核销人"))
    redeemed_point = models.ForeignKey(PickupPoint, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("领取地点"))
    released_at = models.DateTimeField(_("库存释放时间"), null=True, blank=True)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("领取凭证")
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")), name="voucher_window_valid"),
        ]
        indexes = [models.Index(fields=["window_end"], condition=models.Q(redeemed_at__isnull=True),
                                name="voucher_open_window_end")]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        return f"{self.code[:4]} {self.code[4:]}"


class Redemption(models.Model):
    """One row per redeemed voucher: the database's own guarantee of exactly-once."""

    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="redemption")
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("核销记录")

    def __str__(self) -> str:
        return f"{self.voucher_id}@{self.point_id}"
