"""The standard address database (实有房屋) on the Django side: one row per room."""

from __future__ import annotations

from django.db import models

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class StandardAddressQuerySet(ScopedQuerySet):
    pass


class StandardAddress(models.Model):
    """A room. ``address_id`` is the id of the source database (e.g. ``A00121961``).

    ``road_key`` and ``compound_key`` are the label's two spellings with everything but
    letters and digits removed, so that a typed prefix finds rooms with a B-tree range scan
    on SQLite and PostgreSQL alike (see ``queries.search_addresses``).
    """

    address_id = models.CharField("地址编码", max_length=32, unique=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    road = models.CharField("路", max_length=64)
    lane = models.CharField("弄", max_length=16, blank=True)
    number = models.CharField("号", max_length=16, blank=True)
    compound = models.CharField("小区", max_length=64, blank=True)
    building = models.CharField("楼", max_length=16, blank=True)
    room = models.CharField("室", max_length=16, blank=True)
    lng = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    label = models.CharField("标准地址", max_length=200)
    road_key = models.CharField(max_length=200, db_index=True)
    compound_key = models.CharField(max_length=200, db_index=True)

    objects = StandardAddressQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "标准地址"

    def __str__(self) -> str:
        return self.label
