"""The town direct line (城镇直通车): one channel per town with the district office.

A town's staff open a ``Thread`` (question or request); the district assigns a district
officer; both sides post ``ThreadMessage`` replies. A district answer can be marked shared
practice (经验做法), which every town (and committee) of the district can then read and search.
Imported by fangkong/office/models.py so Django sees these models in the ``office`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import District, Town


class ThreadCategory(models.TextChoices):
    POLICY = "policy", _("政策咨询")
    REQUEST = "request", _("工作请示")
    SUPPLIES = "supplies", _("物资需求")
    DATA = "data", _("数据问题")
    OTHER = "other", _("其他")


class ThreadStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已关闭")


class Side(models.TextChoices):
    TOWN = "town", _("街镇")
    DISTRICT = "district", _("区级")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user) -> ThreadQuerySet:  # type: ignore[no-untyped-def]
        """The district sees all its towns' threads, a town its own; nobody else any thread."""
        from fangkong.orgs.scoping import scope_of

        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(district_id=scope.district_id)
        if scope.level == "town":
            return self.filter(town_id=scope.town_id)
        return self.none()


class Thread(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("问题描述"))
    category = models.CharField(_("类别"), max_length=12, choices=ThreadCategory.choices, default=ThreadCategory.POLICY)
    urgency = models.CharField(_("紧急程度"), max_length=12, default="normal")  # office.models.Priority values
    status = models.CharField(_("状态"), max_length=10, choices=ThreadStatus.choices, default=ThreadStatus.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("承办人"))
    # In-app badges: something new for the town side / for the district side since they last looked.
    unread_town = models.BooleanField(default=False)
    unread_district = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("城镇直通车")
        ordering = ["-last_activity_at", "-id"]
        indexes = [models.Index(fields=["town", "status"]), models.Index(fields=["district", "status"])]

    def __str__(self) -> str:
        return self.title


class ThreadMessage(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(default=timezone.now)
    # 经验做法: a district answer every town of the district may read.
    is_shared = models.BooleanField(_("经验做法"), default=False, db_index=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


def thread_file_path(instance: ThreadAttachment, filename: str) -> str:
    return f"office/channel/{instance.thread_id}/{filename}"


class ThreadAttachment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(ThreadMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=thread_file_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
