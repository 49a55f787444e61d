"""Reads for the live dashboards of a round: district (per town), town (per committee), committee.

Figures come from the counters in booking/dashboard_counters.py (whose docstring says why
counters, with the measurement), never from a scan of the bookings: per queue, ``booked``
(registrations) and the counted statuses give every status (pending = booked − the others);
the closed hours give bookings per hour and, with the status counters' registration day, the
overdue count (pending registered before ``workdays.overdue_cutoff``, the same rule as the
desk). Only the hours since the last counted one are read from the bookings, through the
(round, created_at) index. Every read is limited to the caller's ``DashScope``, which the
views build from the user's scope (``fangkong.orgs.scoping``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dashboard_counters import MOVED_OUT, floor_hour, hours_close, local_day
from .models import (
    Booking,
    BookingStatus,
    Round,
    RoundUnit,
    TownHourCount,
    UnitHourCount,
    UnitStatusCount,
)
from .workdays import overdue_cutoff

S = BookingStatus
STATUSES: list[str] = list(S.values)
# Groups a number on the dashboard may stand for; the desk list filters by them too (queries.py).
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "backlog": (S.PENDING, S.ON_HOLD),  # 审核积压
    "taken": (S.APPROVED, S.NOTIFIED, S.REDEEMED),  # places held against the quota (workflow.TAKES_QUOTA)
    "pickup": (S.NOTIFIED, S.REDEEMED, S.EXPIRED),  # the redemption rate's denominator
}
STATUS_GROUP_LABELS: list[tuple[str, Any]] = [
    ("backlog", gettext_lazy("审核积压（待审核+待定）")),
    ("taken", gettext_lazy("占用额度（已通过+已通知+已领取）")),
    ("pickup", gettext_lazy("应领取（已通知+已领取+逾期未领）")),
]
WINDOW_HOURS = 48


@dataclass(frozen=True)
class DashScope:
    """Which queues a dashboard reads: a whole round (district), a town's, or one committee's."""

    round: Round
    town_id: int | None = None
    committee_id: int | None = None

    def units(self) -> Q:
        q = Q(round=self.round)
        if self.committee_id is not None:
            return q & Q(committee_id=self.committee_id)
        if self.town_id is not None:
            return q & Q(town_id=self.town_id)
        return q

    @property
    def group(self) -> str:
        """The district's rows are towns; a town's (and a committee's) are committees."""
        return "committee_id" if self.town_id is not None or self.committee_id is not None else "town_id"

    def related(self, prefix: str) -> Q:
        q = Q(**{f"{prefix}round": self.round})
        if self.committee_id is not None:
            return q & Q(**{f"{prefix}committee_id": self.committee_id})
        if self.town_id is not None:
            return q & Q(**{f"{prefix}town_id": self.town_id})
        return q


@dataclass
class Figures:
    """The numbers of one row of a dashboard (a queue, a committee, a town or the total)."""

    booked: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    overdue: int = 0
    quota: int | None = 0  # None: at least one queue without a quota (不限)
    hour: int | None = None  # bookings in the selected hour, when one is selected

    def add(self, other: Figures) -> None:
        self.booked += other.booked
        for status, n in other.counts.items():
            self.counts[status] += n
        self.overdue += other.overdue
        self.quota = None if self.quota is None or other.quota is None else self.quota + other.quota
        if other.hour is not None:
            self.hour = (self.hour or 0) + other.hour

    def group(self, name: str) -> int:
        return sum(self.counts[s] for s in STATUS_GROUPS[name])

    @property
    def backlog(self) -> int:
        return self.group("backlog")

    @property
    def taken(self) -> int:
        return self.group("taken")

    @property
    def pickup(self) -> int:
        return self.group("pickup")

    @property
    def redemption_rate(self) -> float | None:
        """已领取 / (已通知 + 已领取 + 逾期未领); None before anyone was notified."""
        return self.counts[S.REDEEMED] / self.pickup if self.pickup else None

    @property
    def quota_use(self) -> float | None:
        return self.taken / self.quota if self.quota else None

    @property
    def redemption_pct(self) -> str:
        rate = self.redemption_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def quota_pct(self) -> str:
        use = self.quota_use
        return "" if use is None else f"{use * 100:.0f}%"

    def as_status_list(self) -> list[tuple[str, str, int]]:
        return [(s, str(S(s).label), self.counts[s]) for s in STATUSES]


@dataclass
class HourBucket:
    start: datetime  # aware, Asia/Shanghai
    n: int

    @property
    def key(self) -> str:
        """The desk list's ``hour`` filter value (local time)."""
        return self.start.strftime("%Y-%m-%dT%H")


@dataclass
class Dashboard:
    total: Figures
    groups: dict[int | None, Figures]  # per town (district) or per committee (None: unresolved queues)
    hours: list[HourBucket]
    updated_at: datetime
    selected_hour: datetime | None = None


def parse_hour(value: str) -> datetime | None:
    """``2026-11-25T14`` (local time) → the aware start of that hour; None if malformed."""
    try:
        naive = datetime.strptime(value, "%Y-%m-%dT%H")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def hour_window(round_: Round, now: datetime) -> tuple[datetime, datetime]:
    """The hours the chart shows: the round's window if it spans at most 48 hours, else the
    48 hours up to now (or up to the close, for a closed round); [start, end) in whole hours."""
    end = floor_hour(min(now, round_.closes_at - timedelta(microseconds=1))) + timedelta(hours=1)
    start = floor_hour(round_.opens_at)
    if end - start > timedelta(hours=WINDOW_HOURS):
        start = end - timedelta(hours=WINDOW_HOURS)
    if end <= start:
        end = start + timedelta(hours=1)
    return start, end


def _snapshot(outermost: bool) -> None:
    """All reads of one dashboard from one snapshot (PostgreSQL): pending (booked − the rest)
    and overdue never mix two moments. SQLite's transactions are serializable anyway. Inside
    someone else's transaction (tests) the level is theirs: it can only be set first."""
    if connection.vendor == "postgresql" and outermost:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def dashboard(scope: DashScope, *, now: datetime | None = None, hour: datetime | None = None) -> Dashboard:
    """All figures of one dashboard in four small grouped queries (pinned by a test)."""
    now = now or timezone.now()
    mark = hours_close(scope.round, now=now)
    cutoff = overdue_cutoff(now)
    start, end = hour_window(scope.round, now)
    since = min(start, cutoff, hour or start)  # the counted hours read: the chart's and since the cutoff
    key = scope.group
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        _snapshot(outermost)
        groups: dict[int | None, Figures] = defaultdict(Figures)
        unlimited = Count("pk", filter=Q(quota__isnull=True, committee__isnull=False))
        for row in (
            RoundUnit.objects.filter(scope.units()).values(key)
            .annotate(n_booked=Sum("booked"), n_quota=Sum("quota", filter=Q(committee__isnull=False)), unlimited=unlimited)
            .order_by()
        ):
            figures = groups[row[key]]
            figures.booked = row["n_booked"] or 0
            # An "address unresolved" queue has no quota (nothing there can be approved).
            figures.quota = None if row["unlimited"] else (row["n_quota"] or 0)
        # Moved on from pending: all of them, and those registered before the overdue cutoff.
        before: dict[int | None, int] = defaultdict(int)
        for row in (
            UnitStatusCount.objects.filter(scope.related("unit__")).values(f"unit__{key}", "status")
            .annotate(total=Sum("n"), early=Sum("n", filter=Q(created_on__lt=local_day(cutoff))))
            .order_by()
        ):
            if row["status"] == MOVED_OUT:  # re-routed elsewhere: no longer this queue's
                groups[row[f"unit__{key}"]].booked -= row["total"] or 0
                continue
            groups[row[f"unit__{key}"]].counts[row["status"]] += row["total"] or 0
            before[row[f"unit__{key}"]] -= row["early"] or 0
        # Registered per hour: counted hours, then the last minutes live (index range scan).
        per_hour: list[tuple[int | None, datetime, int]]
        if key == "town_id":  # the district: the per-town sums (36 rows an hour, not 1,301)
            per_hour = list(
                TownHourCount.objects.filter(round=scope.round, hour__gte=since).values_list("town_id", "hour", "n")
            )
        else:
            per_hour = [
                (row[f"unit__{key}"], row["hour"], row["total"] or 0)
                for row in UnitHourCount.objects.filter(scope.related("unit__"), hour__gte=since)
                .values(f"unit__{key}", "hour").annotate(total=Sum("n")).order_by()
            ]
        per_hour += [
            (row[key], row["hour"], row["n"])
            for row in Booking.objects.filter(scope.related(""), created_at__gte=mark)
            .annotate(hour=TruncHour("created_at", tzinfo=timezone.get_default_timezone()))
            .values(key, "hour").annotate(n=Count("id")).order_by()
        ]
    series: dict[datetime, int] = defaultdict(int)
    since_cutoff: dict[int | None, int] = defaultdict(int)
    in_hour: dict[int | None, int] = defaultdict(int)
    for group, when, n in per_hour:
        series[when] += n
        if when >= cutoff:
            since_cutoff[group] += n
        if when == hour:
            in_hour[group] += n
    for group, figures in groups.items():
        figures.counts[S.PENDING] = max(figures.booked - sum(figures.counts.values()), 0)
        # Overdue = registered before the cutoff (a local midnight) − moved on among those.
        figures.overdue = max(figures.booked - since_cutoff[group] + before[group], 0)
        figures.hour = in_hour[group] if hour is not None else None
    hours = []
    at = start
    while at < end:
        hours.append(HourBucket(timezone.localtime(at), series.get(at, 0)))
        at += timedelta(hours=1)
    total = Figures(hour=0 if hour is not None else None)
    for figures in groups.values():
        total.add(figures)
    return Dashboard(total=total, groups=dict(groups), hours=hours, updated_at=timezone.localtime(now), selected_hour=hour)


def chart_data(board: Dashboard, rows: list[tuple[str, Figures]]) -> dict[str, Any]:
    """What the ECharts script draws (embedded with ``json_script``; the tables carry the same)."""
    hour_format = _("j日H时")  # a short axis label: 26日09时
    return {
        "hours": {"labels": [dateformat.format(b.start, hour_format) for b in board.hours], "values": [b.n for b in board.hours]},
        "statuses": {"labels": [label for _s, label, _n in board.total.as_status_list()],
                     "values": [n for _s, _l, n in board.total.as_status_list()]},
        "rows": {
            "labels": [label for label, _f in rows],
            "pending": [f.counts[S.PENDING] for _l, f in rows],
            "on_hold": [f.counts[S.ON_HOLD] for _l, f in rows],
            "overdue": [f.overdue for _l, f in rows],
        },
        "series_names": {"pending": str(S.PENDING.label), "on_hold": str(S.ON_HOLD.label), "overdue": _("超时未审"),
                         "bookings": _("预约数")},
    }
