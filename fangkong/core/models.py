"""Cross-cutting records: the audit log and the outbox of messages to send."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Written by services, never edited."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=48, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=48, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    # Where the object sits in the org tree, so audit pages can be scoped like everything else.
    district_id = models.BigIntegerField(null=True, blank=True)
    town_id = models.BigIntegerField(null=True, blank=True)
    committee_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SUPPRESSED = "suppressed", _("超出频率限制未发送")


class OutboundMessage(models.Model):
    """A message to a person, written in the same transaction as the event that causes it.

    The worker delivers it through the configured gateway with retries; ``idempotency_key`` is
    passed to the gateway so a retry after a crash cannot deliver it twice.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMS)
    recipient = models.CharField(_("接收人"), max_length=254)
    template = models.CharField(_("模板"), max_length=48)
    variables = models.JSONField(default=dict)
    rendered = models.TextField(_("内容"), blank=True)
    # Unique through a constraint (Meta), not ``unique=True``: that also built a LIKE index on
    # PostgreSQL, one more B-tree entry per message that no query reads.
    idempotency_key = models.CharField(max_length=96)
    status = models.CharField(max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("待发消息")
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="outbound_idempotency_key_unique")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.template}→{self.recipient}"


class DeliveredMessage(models.Model):
    """What the built-in "outbox" SMS gateway delivered: the demo's stand-in for a provider.

    Unique on the idempotency key, as a real provider's de-duplication would be; the page
    /dev/outbox/ lists these so a newcomer can read the SMS that "went out".
    """

    idempotency_key = models.CharField(max_length=96, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMS)
    recipient = models.CharField(max_length=254)
    body = models.TextField()
    delivered_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("已投递消息（演示网关）")
        ordering = ["-delivered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.body[:30]}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


class ExportJob(models.Model):
    """A large export run by the worker: what to export, for whom, how far it got, where the file is.

    Created in the same transaction as its task (``fangkong/booking/tasks.py``). Only ``owner``
    may see the progress page and download the file; the worker's maintenance loop deletes the
    file after ``EXPORT_KEEP_HOURS`` (``export_files_cleanup``).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("导出类型"), max_length=16)
    # Everything the task needs to rebuild the exporter: round, kind, committee/town, format.
    params = models.JSONField(default=dict)
    scope_label = models.CharField(_("范围"), max_length=64, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(max_length=12, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    progress = models.PositiveIntegerField(_("已导出行数"), default=0)
    file_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.progress * 100 // self.total) if self.total else 0
