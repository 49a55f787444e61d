"""Collaborative office: people beyond staff (cadres, volunteers), directives and their receipts.

``Person`` is everyone who can receive a directive: imported cadres and volunteers, and staff
accounts (linked through ``user``). Each person sits at one org unit (district, town or
committee); ``Receipt`` copies the unit's ids so roll-ups and scoping never join ``Person``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class Post(models.TextChoices):
    SECRETARY = "书记", _("书记")
    DIRECTOR = "主任", _("主任")
    SOCIAL_WORKER = "社工", _("社工")
    BUILDING_LEAD = "楼组长", _("楼组长")
    VOLUNTEER = "志愿者", _("志愿者")
    TOWN_STAFF = "街镇工作人员", _("街镇工作人员")
    DISTRICT_STAFF = "区级工作人员", _("区级工作人员")


# The head of a unit, to whom overdue receipts escalate (fangkong.office.escalation).
HEAD_POSTS = (Post.SECRETARY, Post.DIRECTOR)


class PersonQuerySet(ScopedQuerySet):
    """Town people have no committee: a committee-level viewer sees only their committee's."""


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("岗位"), max_length=16, choices=Post.choices)
    team = models.CharField(_("队伍/小组"), max_length=64, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="office_person"
    )
    is_staff_account = models.BooleanField(_("工作人员账号"), default=False)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("人员")
        ordering = ["town_id", "committee_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="office_person_unique_phone"),
        ]
        indexes = [models.Index(fields=["committee", "post"]), models.Index(fields=["town", "post"])]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        return "committee" if self.committee_id else "town" if self.town_id else "district"

    @property
    def unit_label(self) -> str:
        if self.committee_id:
            return f"{self.town} · {self.committee}"
        return str(self.town or self.district)


class ActivationCode(models.Model):
    """A one-time SMS code to activate a person's phone login; only its HMAC is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%H:%M}"


class Priority(models.TextChoices):
    NORMAL = "normal", _("普通")
    IMPORTANT = "important", _("重要")
    URGENT = "urgent", _("紧急")


class ReplyKind(models.TextChoices):
    NONE = "none", _("无需回复")
    ACK = "ack", _("确认收到")
    REPORT = "report", _("完成情况报告")


class DirectiveQuerySet(models.QuerySet):
    """Publishers' view of anything published like a directive (a district or town ``district``
    and ``town`` pair): forms and training courses subclass it."""

    def visible_to(self, user) -> DirectiveQuerySet:  # type: ignore[no-untyped-def]
        """The district sees its district's items; a town its own and the district's (whose
        receipts it then sees for its own units only)."""
        from fangkong.orgs.scoping import scope_of

        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(district_id=scope.district_id)
        if scope.level == "town":
            return self.filter(Q(town_id=scope.town_id) | Q(town__isnull=True, district_id=scope.district_id))
        return self.none()


class Directive(models.Model):
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    # The publishing town; empty for the district's own directives.
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    priority = models.CharField(_("紧急程度"), max_length=12, choices=Priority.choices, default=Priority.NORMAL)
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    reply = models.CharField(_("回复要求"), max_length=8, choices=ReplyKind.choices, default=ReplyKind.ACK)
    target = models.JSONField(_("发送范围"), default=dict)
    target_label = models.CharField(_("发送范围"), max_length=300, blank=True)
    recipients_count = models.PositiveIntegerField(_("接收人数"), default=0)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("通知")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.deadline is not None and self.deadline < timezone.now()


def attachment_path(instance: DirectiveAttachment, filename: str) -> str:
    return f"office/directives/{instance.directive_id}/{filename}"


class DirectiveAttachment(models.Model):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class ReceiptQuerySet(ScopedQuerySet):
    pass


class Receipt(models.Model):
    """One per directive and recipient, created by a single INSERT … SELECT (see fanout)."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="receipts")
    # Copied from the person at fan-out (the person's own columns hold the constraints): no
    # foreign-key checks here, which would be three trigger look-ups for each of 80,000 rows.
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False)
    town = models.ForeignKey(Town, null=True, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False)
    committee = models.ForeignKey(
        Committee, null=True, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    report_text = models.TextField(_("完成情况"), blank=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("回执")
        constraints = [models.UniqueConstraint(fields=["directive", "person"], name="office_receipt_once")]
        indexes = [
            models.Index(fields=["directive", "town", "committee"], name="office_rcpt_rollup"),
            models.Index(fields=["person", "directive"], name="office_rcpt_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.directive_id}→{self.person_id}"


class UnitTally(models.Model):
    """Counts of one directive's receipts at one unit (a committee, or a town's own level).

    Written at fan-out (one INSERT … SELECT … GROUP BY) and moved by one conditional UPDATE in
    the same transaction as each first read, acknowledgement or report, so the district's
    roll-up reads ~1,300 rows instead of counting 80,000 receipts on every refresh.
    """

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="tallies")
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    town = models.ForeignKey(Town, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    committee = models.ForeignKey(
        Committee, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    people = models.PositiveIntegerField(default=0)
    read = models.PositiveIntegerField(default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["directive", "town", "committee"], name="office_tally_unit")]

    def __str__(self) -> str:
        return f"{self.directive_id}@{self.town_id}/{self.committee_id}: {self.read}/{self.people}"


def photo_path(instance: ReportPhoto, filename: str) -> str:
    return f"office/reports/{instance.receipt.directive_id}/{instance.receipt_id}/{filename}"


class ReportPhoto(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class ReminderKind(models.TextChoices):
    REMIND = "remind", _("提醒未读")
    ESCALATE = "escalate", _("逾期上报负责人")


class Reminder(models.Model):
    """The log of reminders and escalations of a directive."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="reminder_log")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices, default=ReminderKind.REMIND)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    people = models.PositiveIntegerField(default=0)
    sms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.directive_id} {self.at:%m-%d %H:%M}"


# The direct line and the policy answers live in their own modules (this file stays small).
from .models_channel import (  # noqa: E402
    Side,
    Thread,
    ThreadAttachment,
    ThreadCategory,
    ThreadMessage,
    ThreadStatus,
)
from .models_forms import (  # noqa: E402
    FieldKind,
    FillMode,
    FormAssignment,
    FormCollection,
    FormField,
    FormFile,
    FormSubmission,
    Prefill,
)
from .models_policy import (  # noqa: E402
    PolicyCategory,
    PolicyEntry,
    PolicyNotice,
    PolicyProposal,
    PolicyRead,
    PolicyVersion,
    ProposalStatus,
)

__all__ = [
    "ActivationCode", "Directive", "DirectiveAttachment", "FieldKind", "FillMode", "FormAssignment", "FormCollection",
    "FormField", "FormFile", "FormSubmission", "HEAD_POSTS", "Prefill", "Person", "PolicyCategory", "PolicyEntry",
    "PolicyNotice", "PolicyProposal", "PolicyRead", "PolicyVersion", "Post", "Priority", "ProposalStatus", "Receipt",
    "Reminder", "ReminderKind", "ReplyKind", "ReportPhoto", "Side", "Thread", "ThreadAttachment", "ThreadCategory",
    "ThreadMessage", "ThreadStatus", "UnitTally",
]
