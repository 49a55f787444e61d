"""The standard address database (实有房屋) on the Django side: one row per room."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class SearchKeyField(models.CharField):
    """A CharField that compares byte by byte (code point order) on every database.

    A prefix search is a range scan ``key >= 'abc' AND key < 'abd'`` that returns rows in index
    order. That holds for SQLite's default BINARY collation, but under PostgreSQL's linguistic
    collations (zh_CN.UTF-8, ICU) such ranges do not match prefixes and the index cannot be
    used, so on PostgreSQL the column is declared ``COLLATE "C"``. Doing it here rather than
    with ``db_collation`` keeps one migration valid on both databases (SQLite has no "C").
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class StandardAddressQuerySet(ScopedQuerySet):
    pass


class StandardAddress(models.Model):
    """A room. ``address_id`` is the id of the source database (e.g. ``A00121961``).

    ``road_key`` and ``compound_key`` are the room's two spellings in the form of
    ``keys.encode(keys.normalise(...))``, so that a typed prefix finds rooms with a B-tree range
    scan on SQLite and PostgreSQL alike (see ``queries.search_addresses``).
    """

    address_id = models.CharField(_("地址编码"), max_length=32)
    # One district per deployment: an index on it would never be selective.
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Indexed through (town, road_key) and (town, compound_key) below.
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", db_index=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    road = models.CharField(_("路"), max_length=64)
    lane = models.CharField(_("弄"), max_length=16, blank=True)
    number = models.CharField(_("号"), max_length=16, blank=True)
    compound = models.CharField(_("小区"), max_length=64, blank=True)
    building = models.CharField(_("楼"), max_length=16, blank=True)
    room = models.CharField(_("室"), max_length=16, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    label = models.CharField(_("标准地址"), max_length=200)
    road_key = SearchKeyField(max_length=200)
    compound_key = SearchKeyField(max_length=200)

    objects = StandardAddressQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("标准地址")
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL the latter adds a second,
            # varchar_pattern_ops index on address_id that nothing uses (1.6M rows to maintain).
            models.UniqueConstraint(fields=["address_id"], name="standardaddress_unique_id"),
        ]
        indexes = [
            models.Index(fields=["road_key"], name="standardaddress_road_key"),
            models.Index(fields=["compound_key"], name="standardaddress_compound_key"),
            models.Index(fields=["town", "road_key"], name="standardaddress_town_road"),
            models.Index(fields=["town", "compound_key"], name="standardaddress_town_compound"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        """The label residents see: lane-style labels do not name the compound, so add it."""
        if self.lane and self.compound:
            return f"{self.label}（{self.compound}）"
        return self.label


# The review queue's models live in their own module; imported here so Django registers them.
from .models_review import (  # noqa: E402
    AddressAlias,
    AddressDataVersion,
    AddressMatchDay,
    AddressReview,
    MatchStatus,
    ReviewStatus,
)

__all__ = [
    "AddressAlias", "AddressDataVersion", "AddressMatchDay", "AddressReview", "MatchStatus", "ReviewStatus",
    "SearchKeyField", "StandardAddress", "StandardAddressQuerySet",
]
