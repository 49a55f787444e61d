"""Screening runs and the work orders they produce, with every transition and the home
observations that follow a 在家观察 result.

``WorkOrder`` copies ``district_id``/``town_id``/``committee_id`` so scoping never joins: an order
waiting at the district has no town, one waiting at a town (待派单) no committee.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class RunStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def run_dir(run_id: int) -> str:
    return f"screening/runs/{run_id}"


class ScreeningRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> ScreeningRunQuerySet:  # type: ignore[no-untyped-def]
        """Runs are the district data centre's: only district-level staff see them."""
        from fangkong.orgs.scoping import scope_of

        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(district_id=scope.district_id)
        return self.none()


class ScreeningRun(models.Model):
    """One day's screening: the uploaded files (under ``MEDIA_ROOT/screening/runs/<id>/``), the
    pipeline's progress, its quality report and funnel, and what the import did."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("筛查日期"))
    status = models.CharField(_("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.PENDING)
    progress = models.FloatField(_("进度"), default=0.0)
    stage = models.CharField(_("当前步骤"), max_length=64, blank=True)
    # {"sources": [names], "population": path, "standard": path, "key_areas": path, "managed": path}
    files = models.JSONField(_("输入文件"), default=dict)
    summary = models.JSONField(_("漏斗"), default=dict)
    quality = models.JSONField(_("数据质量报告"), default=dict)
    imported = models.JSONField(_("导入结果"), default=dict)
    orders_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScreeningRunQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("筛查批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} #{self.pk}"

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @property
    def stage_label(self) -> str | Promise:
        """``stage`` (stored as the pipeline's Chinese name) in the active language."""
        from .stages import stage_label

        return stage_label(self.stage)


class OrderType(models.TextChoices):
    HOME_CHECK = "home_check", _("居家核查")
    SYMPTOM_CHECK = "symptom_check", _("症状核查")
    HOTLINE_CHECK = "hotline_check", _("热线核查")


class OrderPriority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("普通")


class OrderStatus(models.TextChoices):
    PENDING_DISPATCH = "dispatch", _("待派单")
    PENDING_ACCEPT = "accept", _("待签收")
    IN_PROGRESS = "checking", _("核查中")
    REPORTED = "reported", _("已反馈")
    CLOSED = "closed", _("已办结")


OPEN_STATUSES = (OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT, OrderStatus.IN_PROGRESS)


class ReturnReason(models.TextChoices):
    WRONG_ADDRESS = "wrong_address", _("地址不符")
    NOT_OUR_AREA = "not_our_area", _("不属本辖区")
    WRONG_PERSON = "wrong_person", _("人员信息有误")
    OTHER = "other", _("其他")


class Outcome(models.TextChoices):
    HOME_OBSERVATION = "home_observation", _("在家观察")
    NOT_HOME = "not_home", _("不在家")
    LEFT_SHANGHAI = "left_shanghai", _("已离沪")
    ALREADY_OBSERVED = "already_observed", _("已在观察")
    WRONG_ADDRESS = "wrong_address", _("地址不符")


class WorkOrderQuerySet(ScopedQuerySet):
    pass


class WorkOrder(models.Model):
    order_id = models.CharField(_("工单号"), max_length=64, unique=True)
    run = models.ForeignKey(ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    as_of = models.DateField(_("筛查日期"))
    order_type = models.CharField(_("类型"), max_length=16, choices=OrderType.choices)
    priority = models.CharField(_("优先级"), max_length=8, choices=OrderPriority.choices, default=OrderPriority.NORMAL)
    status = models.CharField(_("状态"), max_length=12, choices=OrderStatus.choices)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address_id = models.CharField(_("地址编码"), max_length=32, blank=True)
    address_label = models.CharField(_("地址"), max_length=300, blank=True)
    match_status = models.CharField(_("地址匹配"), max_length=16, blank=True)
    rules = models.CharField(_("命中规则"), max_length=64, blank=True)
    source_record_ids = models.TextField(_("来源记录"), blank=True)
    explanation = models.JSONField(_("命中说明"), default=dict)
    candidates = models.JSONField(_("候选地址"), default=list)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    routed_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accept_due = models.DateTimeField(_("签收时限"))
    result_due = models.DateTimeField(_("反馈时限"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Seconds from the order's creation; written at the transition, summed per town/committee.
    accept_seconds = models.PositiveIntegerField(null=True, blank=True)
    door_seconds = models.PositiveIntegerField(null=True, blank=True)
    close_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Set once by the escalation job (the town is told once per order and clock).
    accept_overdue_at = models.DateTimeField(null=True, blank=True)
    result_overdue_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("核查结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("情况说明"), blank=True)
    photo = models.FileField(_("现场照片"), upload_to="screening/photos/%Y%m%d", blank=True)
    false_positive = models.BooleanField(_("误报"), default=False)
    false_positive_note = models.CharField(max_length=200, blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    extension_hours = models.PositiveSmallIntegerField(_("申请延期（小时）"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=200, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("核查工单")
        ordering = ["-priority", "accept_due", "id"]  # "urgent" > "normal": urgent orders first
        indexes = [
            models.Index(fields=["town", "status"]),
            models.Index(fields=["committee", "status"]),
            models.Index(fields=["status", "accept_due"]),
            models.Index(fields=["status", "result_due"]),
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        if self.status in (OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT) and now > self.accept_due:
            return True
        return self.status in OPEN_STATUSES and now > self.result_due

    @property
    def rule_list(self) -> list[str]:
        return [r for r in self.rules.split(";") if r]


class EventKind(models.TextChoices):
    IMPORT = "import", _("生成")
    ROUTE = "route", _("派单")
    ACCEPT = "accept", _("签收")
    REPORT = "report", _("反馈")
    RETURN = "return", _("退单")
    CLOSE = "close", _("办结")
    EXTEND_REQUEST = "extend_request", _("申请延期")
    EXTEND_APPROVE = "extend_approve", _("批准延期")
    EXTEND_REJECT = "extend_reject", _("驳回延期")
    OVERDUE = "overdue", _("超时")
    FALSE_POSITIVE = "false_positive", _("标记误报")


class OrderEvent(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("动作"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=OrderStatus.choices, blank=True)
    reason = models.CharField(_("原因"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

    @property
    def reason_label(self) -> str:
        if self.reason in ReturnReason.values:
            return str(ReturnReason(self.reason).label)
        return self.reason


class ObservationStatus(models.TextChoices):
    ACTIVE = "active", _("观察中")
    ENDED = "ended", _("已解除")


class HomeObservationQuerySet(ScopedQuerySet):
    pass


class HomeObservation(models.Model):
    """14 days of home observation opened by a home_check's 在家观察 result."""

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="observation")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    status = models.CharField(max_length=8, choices=ObservationStatus.choices, default=ObservationStatus.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = HomeObservationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("居家观察")
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.start_date}–{self.end_date}"


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("待检查")
    DONE = "done", _("已检查")
    MISSED = "missed", _("未检查")


class ObservationCheckQuerySet(ScopedQuerySet):
    district_field = "observation__district_id"
    town_field = "observation__town_id"
    committee_field = "observation__committee_id"


class ObservationCheck(models.Model):
    """The daily check of an observed person (temperature, symptoms), one per day."""

    observation = models.ForeignKey(HomeObservation, on_delete=models.CASCADE, related_name="checks")
    day = models.DateField(_("日期"))
    status = models.CharField(max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.BooleanField(_("有症状"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ObservationCheckQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["observation", "day"], name="screening_check_one_per_day")]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.day}"
