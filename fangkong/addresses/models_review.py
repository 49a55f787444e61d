"""The address review queue, confirmed aliases and the identification-rate counters.

* ``AddressReview``: one free-text address a source (a booking, a screening order, …) could not
  place, from the moment it is sent to the matcher (``matching``) until the matcher or a person
  resolves it (``auto`` / ``confirmed`` / ``rejected``); ``open`` items are the town's queue.
* ``AddressAlias``: a normalised text a person confirmed, mapped straight to its room (or to a
  committee when no room fits); the matching service looks it up before the matcher.
* ``AddressMatchDay``: counters per day, source and town, incremented as decisions happen
  (the rate page reads them, never the reviews).
* ``AddressDataVersion``: bumped whenever rooms are imported; keys the on-disk matching index.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet, scope_of

from .models import StandardAddress


class ReviewStatus(models.TextChoices):
    MATCHING = "matching", _("识别中")
    AUTO = "auto", _("自动识别")
    OPEN = "open", _("待复核")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("辖区外/无法确定")


class MatchStatus(models.TextChoices):
    """What the matching service decided (the pipeline's statuses, plus ``alias``)."""

    MATCHED = "matched", _("识别到房屋")
    ALIAS = "alias", _("按已确认别名识别")
    COMMITTEE_ONLY = "committee_only", _("只识别到居委")
    REVIEW = "review", _("需人工复核")
    OUTSIDE = "outside", _("不在本区")


class AddressReviewQuerySet(ScopedQuerySet):
    def visible_to(self, user: object) -> AddressReviewQuerySet:
        """Towns see their own items, the district all of its; committees and others nothing."""
        scope = scope_of(user)
        if scope.level == "district":
            return self.filter(district_id=scope.district_id)
        if scope.level == "town":
            return self.filter(town_id=scope.town_id)
        return self.none()


class AddressReview(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", db_index=False)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    source = models.CharField(_("来源"), max_length=16)
    source_ref = models.CharField(_("来源编号"), max_length=64)
    source_label = models.CharField(_("来源说明"), max_length=100, blank=True)
    text = models.CharField(_("填写的地址"), max_length=200)
    key = models.CharField(_("规范化地址"), max_length=255)
    status = models.CharField(_("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.MATCHING)
    match_status = models.CharField(_("识别结果"), max_length=16, choices=MatchStatus.choices, blank=True)
    confidence = models.FloatField(_("置信度"), default=0.0)
    explanation = models.CharField(_("识别说明"), max_length=500, blank=True)
    # [{"address_id", "label", "committee_id", "committee", "town", "score", "level"}], best first.
    candidates = models.JSONField(_("候选地址"), default=list, blank=True)
    address = models.ForeignKey(
        StandardAddress, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    matched_at = models.DateTimeField(_("识别时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = AddressReviewQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("地址复核")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="addressreview_one_per_record"),
        ]
        indexes = [
            models.Index(fields=["town", "status", "created_at"], name="addressreview_town_queue"),
            models.Index(fields=["district", "status", "created_at"], name="addressreview_district_queue"),
            models.Index(fields=["key"], name="addressreview_key"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_ref}"


class AddressAlias(models.Model):
    key = models.CharField(_("规范化地址"), max_length=255)
    text = models.CharField(_("原始写法"), max_length=200)
    address = models.ForeignKey(StandardAddress, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = _("地址别名")
        constraints = [models.UniqueConstraint(fields=["key"], name="addressalias_unique_key")]

    def __str__(self) -> str:
        return self.key


class AddressMatchDay(models.Model):
    """Decisions of one day (Asia/Shanghai), source and town; human ones on the day they were made."""

    day = models.DateField()
    source = models.CharField(max_length=16)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", db_index=False)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    matched = models.IntegerField(default=0)
    alias = models.IntegerField(default=0)
    committee_only = models.IntegerField(default=0)
    review = models.IntegerField(default=0)
    outside = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "source", "town"], name="addressmatchday_unique"),
        ]
        indexes = [models.Index(fields=["district", "day"], name="addressmatchday_district_day")]

    def __str__(self) -> str:
        return f"{self.day}:{self.source}:{self.town_id}"


class AddressDataVersion(models.Model):
    """One row: bumped by every write of rooms through the services (import, create)."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.version)
