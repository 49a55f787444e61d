"""One row per signed-in user, day and module they used (the "active day"), for DAU counts.

Written by ``fangkong.activity.middleware`` through ``services.userday_upsert``; the org columns
are copied from the user when the row is first written, so the dashboard groups without joins.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.scoping import ScopedQuerySet


class Module(models.TextChoices):
    DESK = "desk", _("预约工作台")
    BOOKING = "booking", _("居民预约")
    PICKUP = "pickup", _("领取点")
    OFFICE = "office", _("协同办公")
    SCREENING = "screening", _("筛查")
    ADDRESSES = "addresses", _("地址库")
    API = "api", _("接口")


class UserDayQuerySet(ScopedQuerySet):
    pass


class UserDay(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    module = models.CharField(_("模块"), max_length=16, choices=Module.choices)
    district = models.ForeignKey("orgs.District", null=True, on_delete=models.SET_NULL, related_name="+")
    town = models.ForeignKey("orgs.Town", null=True, on_delete=models.SET_NULL, related_name="+")
    committee = models.ForeignKey("orgs.Committee", null=True, on_delete=models.SET_NULL, related_name="+")
    first_seen = models.DateTimeField(_("首次访问"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近访问"), default=timezone.now)
    hits = models.PositiveIntegerField(_("请求数"), default=1)

    objects = UserDayQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("活跃记录")
        constraints = [models.UniqueConstraint(fields=["user", "day", "module"], name="activity_userday_unique")]
        indexes = [
            models.Index(fields=["district", "day"], name="activity_district_day"),
            models.Index(fields=["town", "day"], name="activity_town_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.module}"
