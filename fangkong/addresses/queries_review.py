"""Reads of the address review queue and of the identification-rate counters, scoped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from fangkong.orgs.models import Town
from fangkong.orgs.scoping import scope_of

from .models import AddressMatchDay, AddressReview, ReviewStatus

COUNT_COLUMNS = ("matched", "alias", "committee_only", "review", "outside", "confirmed", "rejected")


def open_reviews(user: Any, *, town_id: int | None = None) -> QuerySet[AddressReview]:
    """The queue: open items the user may see, oldest first (town and district only)."""
    qs = AddressReview.objects.visible_to(user).filter(status=ReviewStatus.OPEN)
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    return qs.select_related("town").order_by("created_at", "pk")


def matching_count(user: Any) -> int:
    """Items still waiting for the matcher (the worker is behind, or not running)."""
    return AddressReview.objects.visible_to(user).filter(status=ReviewStatus.MATCHING).count()


def review_for_staff(user: Any, pk: int) -> AddressReview | None:
    return AddressReview.objects.visible_to(user).select_related("town").filter(pk=pk).first()


def open_counts_by_town(user: Any) -> list[tuple[Town | None, int]]:
    """(town, open items) for the district's town filter; one grouped query."""
    rows = (
        AddressReview.objects.visible_to(user).filter(status=ReviewStatus.OPEN)
        .values("town_id").annotate(n=Count("id")).order_by()
    )
    counts = {r["town_id"]: r["n"] for r in rows}
    towns = Town.objects.in_bulk([t for t in counts if t is not None])
    return sorted(((towns.get(t) if t else None, n) for t, n in counts.items()), key=lambda r: r[0].code if r[0] else "")


@dataclass
class RateRow:
    """Decisions of one bucket (a day, a town or a source) and the rates they give."""

    label: str
    key: Any = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_COLUMNS, 0))

    def add(self, row: dict[str, Any]) -> None:
        for c in COUNT_COLUMNS:
            self.counts[c] += row.get(c) or 0

    @property
    def decided(self) -> int:
        """Addresses the matching service decided (human resolutions are counted separately)."""
        c = self.counts
        return c["matched"] + c["alias"] + c["committee_only"] + c["review"] + c["outside"]

    def _pct(self, n: int) -> str:
        return f"{n * 100 / self.decided:.1f}%" if self.decided else "—"

    @property
    def room_rate(self) -> str:
        """识别到房屋: matched by the matcher or through a confirmed alias."""
        return self._pct(self.counts["matched"] + self.counts["alias"])

    @property
    def committee_rate(self) -> str:
        """可分派: placed on a room or at least a committee without a person."""
        return self._pct(self.counts["matched"] + self.counts["alias"] + self.counts["committee_only"])


@dataclass
class RateReport:
    days: list[RateRow]
    towns: list[RateRow]
    sources: list[RateRow]
    total: RateRow
    since: date
    until: date

    @property
    def active_days(self) -> list[RateRow]:
        """The days with any decision, newest first (the table; the chart shows every day)."""
        return [d for d in reversed(self.days) if any(d.counts.values())]


def rate_report(user: Any, *, days: int = 30, town_id: int | None = None, today: date | None = None) -> RateReport | None:
    """Daily, per-town and per-source figures from the counters (one query); None if out of scope."""
    from .sources import source_label

    scope = scope_of(user)
    until = today or timezone.localdate()
    since = until - timedelta(days=days - 1)
    qs = AddressMatchDay.objects.filter(day__gte=since, day__lte=until)
    if scope.level == "district" and scope.district_id is not None:
        qs = qs.filter(district_id=scope.district_id)
        if town_id is not None:
            qs = qs.filter(town_id=town_id)
    elif scope.level == "town" and scope.town_id is not None:
        qs = qs.filter(town_id=scope.town_id)
    else:
        return None
    rows = list(qs.values("day", "source", "town_id", *COUNT_COLUMNS))
    by_day = {since + timedelta(days=i): RateRow(str(since + timedelta(days=i)), since + timedelta(days=i)) for i in range(days)}
    by_town: dict[int | None, RateRow] = {}
    by_source: dict[str, RateRow] = defaultdict(lambda: RateRow(""))
    total = RateRow("合计")
    towns = Town.objects.in_bulk({r["town_id"] for r in rows if r["town_id"]})
    for r in rows:
        by_day[r["day"]].add(r)
        town = towns.get(r["town_id"]) if r["town_id"] else None
        by_town.setdefault(r["town_id"], RateRow(town.name if town else "（未定街镇）", town.code if town else "")).add(r)
        source = by_source[r["source"]]
        source.label, source.key = source_label(r["source"]), r["source"]
        source.add(r)
        total.add(r)
    return RateReport(
        days=list(by_day.values()),
        towns=sorted(by_town.values(), key=lambda t: t.key or "~"),
        sources=sorted(by_source.values(), key=lambda s: s.key),
        total=total, since=since, until=until,
    )


def chart_data(report: RateReport) -> dict[str, Any]:
    """What static/js/address_rate.js draws (the tables carry the same numbers)."""
    return {
        "labels": [d.key.strftime("%m-%d") for d in report.days],
        "series": {c: [d.counts[c] for d in report.days] for c in COUNT_COLUMNS},
        "rate": [
            round((d.counts["matched"] + d.counts["alias"]) * 100 / d.decided, 1) if d.decided else None
            for d in report.days
        ],
    }
