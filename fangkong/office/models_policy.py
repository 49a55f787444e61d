"""Unified policy answers (统一口径): entries with versions, readers, notices and proposals.

``PolicyEntry`` carries the current version's text (copied, so search reads one table);
``PolicyVersion`` keeps every published version. ``PolicyRead`` remembers the version each user
last read, so publishing a new version can notify exactly the readers of older ones
(``PolicyNotice``, unique per user, entry and version: notifying twice creates nothing).
Imported by fangkong/office/models.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town


class PolicyCategory(models.TextChoices):
    PREVENTION = "prevention", _("防控措施")
    SUPPLIES = "supplies", _("物资保障")
    PEOPLE = "people", _("人员管理")
    SERVICE = "service", _("居民服务")
    OTHER = "other", _("其他")


class PolicyEntry(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=12, choices=PolicyCategory.choices, default=PolicyCategory.OTHER)
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("统一答复"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    effective_date = models.DateField(_("生效日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_retired = models.BooleanField(_("已停用"), default=False, db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    retire_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("统一口径")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.question


class PolicyVersion(models.Model):
    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    category = models.CharField(max_length=12, choices=PolicyCategory.choices)
    question = models.CharField(max_length=200)
    answer = models.TextField()
    keywords = models.CharField(max_length=200, blank=True)
    effective_date = models.DateField()
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="office_policy_version_once")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"


class PolicyRead(models.Model):
    entry = models.ForeignKey(PolicyEntry, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="office_policy_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.entry_id} v{self.version}"


class PolicyNotice(models.Model):
    """In-app notice: a new version of an answer you read, or the outcome of your proposal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(PolicyEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=0)
    proposal = models.ForeignKey("office.PolicyProposal", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entry", "version"], condition=models.Q(entry__isnull=False),
                                    name="office_policy_notice_once"),
            models.UniqueConstraint(fields=["user", "proposal"], condition=models.Q(proposal__isnull=False),
                                    name="office_policy_proposal_notice_once"),
        ]

    def __str__(self) -> str:
        return self.text


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ACCEPTED = "accepted", _("已采纳")
    DECLINED = "declined", _("未采纳")


class PolicyProposal(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("问题"), max_length=200)
    detail = models.TextField(_("补充说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("未采纳原因"), max_length=200, blank=True)
    entry = models.ForeignKey(PolicyEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("口径提问")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question
