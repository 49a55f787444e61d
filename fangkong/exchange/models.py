"""File exchange (文件交换) and internal mail (内部邮件).

A ``FileShare`` is announced by an office directive (``directive``, reply "无需回复"), so its
targeting, fan-out, inbox entry and read roll-up are the directive's; the receipts are the
recipient list. Each upload is a ``FileVersion`` (older ones stay downloadable, marked
superseded); each download by a recipient is a ``Download`` row copying the receipt's unit ids,
which is what the sender's per-person and per-unit "已下载/未下载" view counts.

Mail: a ``MailThread`` has ``MailParty`` rows — a person, or a unit mailbox (a committee, a
town's own level, or the district office) read by that unit's staff accounts and heads — and
``MailMessage`` rows with ``MailAttachment`` files. Each party keeps ``last_read_at`` (a unit
mailbox is shared: one read marks it read for the unit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.office.models import Directive, Person, Receipt
from fangkong.orgs.models import Committee, District, Town


class FileShare(models.Model):
    directive = models.OneToOneField(Directive, on_delete=models.CASCADE, related_name="file_share")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("文件标题"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    current_version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("文件交换")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


def version_path(instance: FileVersion, filename: str) -> str:
    return f"exchange/files/{instance.share_id}/v{instance.number}/{filename}"


class FileVersion(models.Model):
    share = models.ForeignKey(FileShare, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=version_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    note = models.CharField(_("版本说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["share", "number"], name="exchange_version_once")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class Download(models.Model):
    """One download of one version by one recipient (every download is kept: who, which, when)."""

    share = models.ForeignKey(FileShare, on_delete=models.CASCADE, related_name="downloads")
    version = models.ForeignKey(FileVersion, on_delete=models.CASCADE, related_name="downloads")
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey(Town, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    committee = models.ForeignKey(Committee, null=True, on_delete=models.DO_NOTHING, related_name="+",
                                  db_constraint=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["share", "receipt"], name="exchange_dl_receipt")]

    def __str__(self) -> str:
        return f"{self.person_id}↓{self.version_id}"


class MailThread(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("主题"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)
    messages_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class MailParty(models.Model):
    """A participant: a person (``person`` set) or a unit mailbox (committee / town / district)."""

    thread = models.ForeignKey(MailThread, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "thread"], name="exchange_party_person"),
            models.Index(fields=["committee", "town", "thread"], name="exchange_party_unit"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_unit(self) -> bool:
        return self.person_id is None

    @property
    def label(self) -> str:
        if self.person_id is not None:
            return self.person.name if self.person else ""
        if self.committee_id is not None:
            return str(_("%(unit)s（单位信箱）") % {"unit": self.committee})
        if self.town_id is not None:
            return str(_("%(unit)s（单位信箱）") % {"unit": self.town})
        return str(_("区防控办（单位信箱）"))


class MailMessage(models.Model):
    thread = models.ForeignKey(MailThread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_name = models.CharField(max_length=64)
    body = models.TextField(_("正文"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


def mail_file_path(instance: MailAttachment, filename: str) -> str:
    return f"exchange/mail/{instance.message.thread_id}/{instance.message_id}/{filename}"


class MailAttachment(models.Model):
    message = models.ForeignKey(MailMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=mail_file_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
