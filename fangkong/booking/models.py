"""Rationed goods, booking rounds with quotas, and residents' bookings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.addresses.models import StandardAddress
from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class Goods(models.Model):
    name = models.CharField(_("物资名称"), max_length=64, unique=True)
    unit = models.CharField(_("单位"), max_length=8, default="个")
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("物资")

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("预约中")
    CLOSED = "closed", _("已截止")
    ALLOCATED = "allocated", _("已分配")


class Allocation(models.TextChoices):
    REGISTRATION_ORDER = "order", _("按登记顺序")
    LOTTERY = "lottery", _("超额时摇号")


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> RoundQuerySet:
        """Staff see their district's district-wide rounds and the rounds of their own town."""
        from fangkong.orgs.scoping import scope_of

        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(district_id=scope.district_id)
        if scope.level in ("town", "committee"):
            return self.filter(district_id=scope.district_id).filter(
                models.Q(town__isnull=True) | models.Q(town_id=scope.town_id)
            )
        return self.none()

    def open_first(self) -> RoundQuerySet:
        return self.order_by(
            models.Case(models.When(status=RoundStatus.OPEN, then=0), default=1), "-opens_at", "-id"
        )


class Round(models.Model):
    """A booking round (第N轮) of one item, for a whole district."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(
        Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text=_("空：全区；否则仅限该街镇居民")
    )
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=64)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(_("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    per_person_limit = models.PositiveSmallIntegerField(_("每人限购数量"), default=5)
    per_household_limit = models.PositiveSmallIntegerField(_("每户限约人数"), default=5)
    total_quota = models.PositiveIntegerField(_("总额度（人份）"), null=True, blank=True)
    total_booked = models.PositiveIntegerField(_("已预约（人份）"), default=0)
    allocation = models.CharField(
        _("分配方式"), max_length=8, choices=Allocation.choices, default=Allocation.REGISTRATION_ORDER
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Lottery rounds: the seed is drawn and published when the round closes, before anyone
    # knows the winners (see booking/allocation.py); cleared if the round is reopened.
    lottery_seed = models.CharField(_("摇号种子"), max_length=64, blank=True)
    lottery_seed_at = models.DateTimeField(_("种子公布时间"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("分配时间"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("预约轮次")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "goods", "number"], condition=models.Q(town__isnull=True), name="round_unique_number"
            ),
            models.UniqueConstraint(
                fields=["town", "goods", "number"], condition=models.Q(town__isnull=False), name="round_unique_town_number"
            ),
            models.CheckConstraint(
                condition=models.Q(total_quota__isnull=True) | models.Q(total_booked__lte=models.F("total_quota")),
                name="round_total_not_oversold",
            ),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="round_window_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_at(self, when: object = None) -> bool:
        now = when or timezone.now()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at  # type: ignore[operator]


class RoundUnit(models.Model):
    """One desk's queue in a round: a committee's, or a town's "address unresolved" queue.

    ``booked`` is the registration counter (a booking's queue number is the value it took);
    ``quota`` caps it for registration-order rounds. Updated with a conditional UPDATE so two
    concurrent bookings can never take the last place twice. Lottery rounds take registrations
    beyond the quota (``lottery``, copied from the round, lifts the CHECK); the draw at close
    keeps ``quota`` of them.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="units")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("额度（人份）"), null=True, blank=True)
    booked = models.PositiveIntegerField(_("已预约"), default=0)
    lottery = models.BooleanField(_("超额时摇号"), default=False)
    # Recorded by round_allocate: bookings kept, and how many places the lottery drew (None: no draw).
    allocated = models.PositiveIntegerField(_("已分配"), null=True, blank=True)
    lottery_places = models.PositiveIntegerField(_("摇号名额"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("轮次额度")
        constraints = [
            models.UniqueConstraint(fields=["round", "committee"], name="roundunit_unique_committee"),
            models.UniqueConstraint(
                fields=["round", "town"], condition=models.Q(committee__isnull=True), name="roundunit_unique_town_queue"
            ),
            models.CheckConstraint(
                condition=models.Q(quota__isnull=True)
                | models.Q(booked__lte=models.F("quota"))
                | models.Q(lottery=True),
                name="roundunit_not_oversold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.committee_id or 'town-' + str(self.town_id)}"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MO_PERMIT = "hkmo_permit", _("港澳居民来往内地通行证")
    TW_PERMIT = "tw_permit", _("台湾居民来往大陆通行证")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("不通过")
    ON_HOLD = "on_hold", _("待定")
    NOTIFIED = "notified", _("已通知")
    REDEEMED = "redeemed", _("已领取")
    EXPIRED = "expired", _("逾期未领")
    VOIDED = "voided", _("已作废")
    NOT_ALLOCATED = "not_allocated", _("未中签")


class DecisionReason(models.TextChoices):
    """Why a booking was rejected or put on hold (``OTHER`` needs a note)."""

    NOT_RESIDENT = "not_resident", _("非本辖区居民")
    ID_MISMATCH = "id_mismatch", _("证件信息有误")
    DUPLICATE = "duplicate", _("重复预约")
    OVER_LIMIT = "over_limit", _("超出限购")
    OTHER = "other", _("其他")


class BookingSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    DESK = "desk", _("窗口代录")


class BookingQuerySet(ScopedQuerySet):
    pass


class Booking(models.Model):
    # Indexes: every index is one more B-tree insert on the booking hot path, so the foreign
    # keys that composite indexes already lead (round, committee, town) or that are only ever
    # looked up when a district or a staff account is deleted (district, reviewed_by) have no
    # index of their own; booking_no is unique through a constraint (no LIKE index).
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="bookings", db_index=False)
    booking_no = models.CharField(_("预约编号"), max_length=32)
    seq = models.PositiveIntegerField(_("排队序号"))
    unit = models.ForeignKey(RoundUnit, on_delete=models.PROTECT, related_name="bookings")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", db_index=False)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", db_index=False)
    committee = models.ForeignKey(
        Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("姓名"), max_length=32)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("证件号码"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.ForeignKey(StandardAddress, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address_text = models.CharField(_("地址"), max_length=200)
    compound = models.CharField(_("小区"), max_length=64, blank=True)
    household_size = models.PositiveSmallIntegerField(_("家庭人数"), default=1)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    # Indexed only where set (Meta): most bookings are nobody's member, and a full index took a
    # NULL entry per booking on the hot path.
    proxy_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("代约人"),
        db_index=False,
    )
    status = models.CharField(_("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    source = models.CharField(_("来源"), max_length=8, choices=BookingSource.choices, default=BookingSource.WEB)
    consent_at = models.DateTimeField(_("同意隐私声明时间"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # The latest review decision (the full history is in the audit log); see booking/workflow.py.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("审核人"), db_index=False,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason_code = models.CharField(
        _("审核原因"), max_length=16, choices=DecisionReason.choices, blank=True
    )
    decision_note = models.CharField(_("审核说明"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("跟进日期"), null=True, blank=True)
    # Place in its committee's lottery draw (1 = first drawn); None: no draw took place for it.
    lottery_rank = models.PositiveIntegerField(_("摇号名次"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("预约")
        constraints = [
            models.UniqueConstraint(fields=["round", "id_type", "id_number"], name="booking_one_per_person_per_round"),
            models.UniqueConstraint(fields=["booking_no"], name="booking_no_unique"),
        ]
        indexes = [
            models.Index(fields=["committee", "round", "seq"]),
            models.Index(fields=["town", "round", "status"]),
            models.Index(fields=["id_number", "phone"]),
            models.Index(fields=["round", "address"]),
            # Dashboards: bookings of the last (still open) hour, and closing hours once (dashboard_counters.py).
            models.Index(fields=["round", "created_at"], name="booking_round_created"),
            models.Index(fields=["proxy_of"], name="booking_proxy_of", condition=models.Q(proxy_of__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.booking_no


class UnitStatusCount(models.Model):
    """Dashboard counter: a queue's bookings in one status (never 待审核), by registration day.

    Maintained by ``workflow._move`` in the same transaction as each status move (see
    booking/dashboard_counters.py); pending is ``RoundUnit.booked`` minus these, so registering
    a booking touches no counter. ``created_on`` is the Asia/Shanghai date of ``created_at``,
    which makes the overdue count (pending registered before a local midnight) derivable.
    """

    unit = models.ForeignKey(RoundUnit, on_delete=models.CASCADE, related_name="status_counts")
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    created_on = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "status", "created_on"], name="unitstatuscount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.status}:{self.created_on}={self.n}"


class UnitHourCount(models.Model):
    """Dashboard counter: bookings a queue registered in one closed hour (``hour`` = its start).

    Closed hours never change (``created_at`` is set once), so each is counted once from the
    bookings; ``RoundHoursMark`` records up to where.
    """

    unit = models.ForeignKey(RoundUnit, on_delete=models.CASCADE, related_name="hour_counts")
    hour = models.DateTimeField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "hour"], name="unithourcount_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.hour:%Y-%m-%d %H}={self.n}"


class TownHourCount(models.Model):
    """``UnitHourCount`` summed per town, written with it: the district's chart and overdue
    figures read 36 rows an hour instead of 1,301."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    hour = models.DateTimeField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "town", "hour"], name="townhourcount_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.town_id}:{self.hour:%Y-%m-%d %H}={self.n}"


class RoundHoursMark(models.Model):
    """Hours of a round before ``until`` are counted in ``UnitHourCount``."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, primary_key=True, related_name="+")
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.round_id}<{self.until:%Y-%m-%d %H:%M}"


class LookupCode(models.Model):
    """A one-time code sent by SMS so a resident can look up their bookings (ID + phone + code)."""

    phone = models.CharField(max_length=20, db_index=True)
    id_number = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("查询验证码")

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"
