"""Supplies (物资): a catalogue, requests up the tree (committee → town → district) and a stock
ledger per level.

A *holder* is one level's store: the district's own (town and committee empty), a town's own
(committee empty) or a committee's. ``StockMove`` is the ledger — every movement a row, the
balance is their sum; ``Stock`` keeps that sum per holder and item so a send can refuse to go
negative with one conditional ``UPDATE ... WHERE balance >= n`` (see services.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class Item(models.Model):
    name = models.CharField(_("物资名称"), max_length=32, unique=True)
    unit = models.CharField(_("单位"), max_length=8)
    active = models.BooleanField(_("可申请"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("物资目录")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Urgency(models.TextChoices):
    NORMAL = "normal", _("普通")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    COMMITTED = "committed", _("已批准待发")
    REJECTED = "rejected", _("已驳回")
    SENT = "sent", _("已发出")
    RECEIVED = "received", _("已签收")


class RequestQuerySet(ScopedQuerySet):
    """A committee sees its own requests; a town its committees' and its own to the district."""


class SupplyRequest(models.Model):
    """From a committee to its town (``committee`` set) or from a town to the district."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="forwards",
                               help_text=_("街镇转报区级时，原居村委申请"))
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    reason = models.TextField(_("申请理由"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("驳回理由"), max_length=200, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    shortfall_note = models.CharField(_("短缺说明"), max_length=200, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("物资申请")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["town", "status"]), models.Index(fields=["committee", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"WZ{self.pk:06d}"

    @property
    def from_level(self) -> str:
        return "committee" if self.committee_id else "town"

    @property
    def supplier_level(self) -> str:
        return "town" if self.committee_id else "district"


class RequestLine(models.Model):
    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    requested = models.PositiveIntegerField(_("申请数量"))
    approved = models.PositiveIntegerField(_("批准数量"), null=True, blank=True)
    sent = models.PositiveIntegerField(_("发出数量"), null=True, blank=True)
    received = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)

    class Meta:
        ordering = ["item__sort", "item__name"]
        constraints = [models.UniqueConstraint(fields=["request", "item"], name="supply_line_unique_item")]

    def __str__(self) -> str:
        return f"{self.item.name} {self.requested}"

    @property
    def shortfall(self) -> int:
        if self.sent is None or self.received is None:
            return 0
        return self.sent - self.received


class MoveKind(models.TextChoices):
    STOCK_IN = "in", _("入库")
    SEND = "send", _("调出")
    RECEIVE = "receive", _("调入")
    ISSUE = "issue", _("发放使用")


class StockQuerySet(ScopedQuerySet):
    pass


def holder_lookup(holder: tuple[int, int | None, int | None]) -> dict[str, Any]:
    """``filter(**holder_lookup(h))``: one level's own store (empty town/committee mean the level above)."""
    district_id, town_id, committee_id = holder
    return {"district_id": district_id, "town_id": town_id, "committee_id": committee_id}


class Stock(models.Model):
    """One holder's balance of one item: the ledger's sum, kept for the conditional UPDATE."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    balance = models.IntegerField(default=0)

    objects = StockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "town", "committee", "item"], nulls_distinct=False,
                                    name="supply_stock_unique_holder_item"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="supply_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.balance}"


class StockMove(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(_("数量"))  # + in, − out
    kind = models.CharField(_("类型"), max_length=8, choices=MoveKind.choices)
    request = models.ForeignKey(SupplyRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="moves")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = StockQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["district", "town", "committee", "item"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"
