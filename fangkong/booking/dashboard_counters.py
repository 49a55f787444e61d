"""The dashboards' counters: written here, read by booking/dashboard.py.

Why counters and not only indexes, measured on PostgreSQL 15 with 1M bookings on this 2-core
machine under load 6 (benchmarks/dashboard.py, benchmarks/README.md): the district dashboard
needs every booking's status and town, its registration hour for the last 48 hours and the
overdue count. Straight from the bookings, with their indexes ((town, round, status) for the
GROUP BY, (round, created_at) for the hours), those three aggregates alone took p50 0.26 s,
1.2 s and 0.65 s — about 2 s per refresh, per viewer, every 15 seconds. From the counters
below the whole district page (session, queries, template) took p50 0.21 s, p95 0.27 s,
whatever the number of bookings: it reads ~30,000 small counter rows, not 1M bookings.

* ``UnitStatusCount`` (queue, status, registration day) → n, for every status except 待审核.
  ``workflow._move`` — the one place a booking's status changes, used by the desk, the bulk
  approvals and the lottery in allocation.py — calls ``counts_move`` in the same transaction
  as its conditional UPDATE, so a rolled-back move leaves no trace. Pending is derived:
  ``RoundUnit.booked`` (the registration counter ``booking_create`` already increments) minus
  the rest, so registering a booking, the hot path, writes no counter at all. The day (Asia/
  Shanghai) makes "pending and registered before the overdue cutoff" (a local midnight)
  derivable too.
* ``UnitHourCount`` (queue, hour) and its per-town sum ``TownHourCount`` (what the district
  reads: 36 rows an hour instead of 1,301) → bookings registered in that hour, counted once, in
  10-minute steps that have ended (``created_at`` never changes), by ``hours_close``, which the
  worker's maintenance loop runs for recent rounds (``hours_close_recent_rounds``) and the
  dashboard calls again before reading (one small read when the worker keeps up); the bookings since ``RoundHoursMark.until`` (at most ~12
  minutes' worth) are read live through the (round, created_at) index.

Bookings written around the services (COPY, imports, raw UPDATEs of ``status``) are not
counted: run ``counters_rebuild`` (``manage.py dashboard_counters --rebuild``) after such a
load. ``counters_check`` (``--check``) compares every counter with COUNT(*)s over the bookings;
the reconciliation test runs it after every kind of move. The one cost on the booking path is
the (round, created_at) index, one more B-tree entry per insert, appended at its right edge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from .models import (
    Booking,
    BookingStatus,
    Round,
    RoundHoursMark,
    RoundUnit,
    TownHourCount,
    UnitHourCount,
    UnitStatusCount,
)

# Counting advances in steps of SLOT, so the bookings read live are at most SLOT + SETTLE old
# (a burst of 100,000 bookings in an hour leaves ~20,000 to read live, not all of them). A
# booking is stamped (created_at) a moment before its transaction commits: a step is counted
# only once it ended SETTLE ago, so no late commit can land in a counted step.
SLOT = timedelta(minutes=10)
SETTLE = timedelta(minutes=2)
# A pseudo-status counted in the queue a booking left when its typed address was resolved
# (booking/services_address.py): ``booked`` never decreases (queue numbers are not reused), so
# a queue's bookings are ``booked`` minus these.
MOVED_OUT = "moved_out"
NEVER = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def floor_hour(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(minute=0, second=0, microsecond=0)


def floor_slot(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(minute=local.minute - local.minute % (SLOT.seconds // 60), second=0, microsecond=0)


def counts_move(*, unit_id: int, created_at: datetime, from_status: str, to_status: str) -> None:
    """One booking moved: its old status loses one, its new status gains one (upserts)."""
    table = UnitStatusCount._meta.db_table
    sql = (
        f"INSERT INTO {table} (unit_id, status, created_on, n) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (unit_id, status, created_on) DO UPDATE SET n = {table}.n + EXCLUDED.n"
    )
    day = local_day(created_at)
    rows: list[tuple[Any, ...]] = []
    # Old before new: statuses only move forward (workflow.TRANSITIONS has no cycles), so
    # concurrent moves take the counter rows' locks in one order and cannot deadlock.
    if from_status != BookingStatus.PENDING:
        rows.append((unit_id, from_status, day, -1))
    if to_status != BookingStatus.PENDING:
        rows.append((unit_id, to_status, day, 1))
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, row)


def hours_close(round_: Round, *, now: datetime | None = None) -> datetime:
    """Count the round's bookings registered since the last call, up to a step boundary; return
    the mark (bookings before it are in ``UnitHourCount``; the mark's own hour partly). If
    another request is counting right now, do not wait for it: the caller reads the bookings
    after the old mark live, which gives the same numbers."""
    until = floor_slot((now or timezone.now()) - SETTLE)
    current = RoundHoursMark.objects.filter(round=round_).values_list("until", flat=True).first()
    if current is not None and current >= until:  # most calls: one small read
        return current
    if current is None:
        RoundHoursMark.objects.get_or_create(round=round_, defaults={"until": NEVER})
    with transaction.atomic():
        mark = RoundHoursMark.objects.select_for_update(skip_locked=True).filter(round=round_).first()
        if mark is None:  # someone else holds it
            return RoundHoursMark.objects.values_list("until", flat=True).get(round=round_)
        if mark.until >= until:
            return mark.until
        rows = (
            Booking.objects.filter(round=round_, created_at__gte=mark.until, created_at__lt=until)
            .annotate(hour=TruncHour("created_at", tzinfo=timezone.get_default_timezone()))
            .values("unit_id", "hour")
            .annotate(n=Count("id"))
        )
        counted = {(r["unit_id"], r["hour"]): r["n"] for r in rows}
        # The mark's hour was counted in part last time: add to those rows (we hold the mark).
        partial = floor_hour(mark.until)
        for unit_id, hour, n in UnitHourCount.objects.filter(unit__round=round_, hour=partial).values_list("unit_id", "hour", "n"):
            if (unit_id, hour) in counted:
                counted[unit_id, hour] += n
        UnitHourCount.objects.bulk_create(
            [UnitHourCount(unit_id=u, hour=h, n=n) for (u, h), n in counted.items()], batch_size=2000,
            update_conflicts=True, unique_fields=["unit", "hour"], update_fields=["n"],
        )
        towns = dict(RoundUnit.objects.filter(round=round_).values_list("pk", "town_id"))
        per_town: dict[tuple[int, datetime], int] = defaultdict(int)
        for (unit_id, hour), n in counted.items():
            if hour != partial:  # the mark's hour: summed below from the unit rows, which now hold all of it
                per_town[towns[unit_id], hour] += n
        for town_id, n in (
            UnitHourCount.objects.filter(unit__round=round_, hour=partial).values("unit__town_id")
            .annotate(total=Sum("n")).values_list("unit__town_id", "total")
        ):
            per_town[town_id, partial] = n or 0
        TownHourCount.objects.bulk_create(
            [TownHourCount(round=round_, town_id=t, hour=h, n=n) for (t, h), n in per_town.items()], batch_size=2000,
            update_conflicts=True, unique_fields=["round", "town", "hour"], update_fields=["n"],
        )
        mark.until = until
        mark.save(update_fields=["until"])
    return until


def hours_close_recent_rounds(*, now: datetime | None = None) -> int:
    """The worker's maintenance job: close the hours of every round that took bookings in the
    last day, so a dashboard GET finds its mark current (one small read) instead of counting
    in the request. Idempotent; the GET still closes hours itself if the worker lags."""
    now = now or timezone.now()
    rounds = Round.objects.filter(opens_at__lte=now, closes_at__gte=now - timedelta(days=1))
    n = 0
    for round_ in rounds:
        hours_close(round_, now=now)
        n += 1
    return n


def _lock_counters() -> None:
    """Moves wait while counters are rebuilt (their upsert needs ROW EXCLUSIVE); moves already
    under way finish first, so the recount's snapshot sees each move exactly once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {UnitStatusCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def _status_counts_from_bookings(round_: Round) -> dict[tuple[int, str, date], int]:
    rows = (
        Booking.objects.filter(round=round_)
        .exclude(status=BookingStatus.PENDING)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
        .values("unit_id", "status", "day")
        .annotate(n=Count("id"))
    )
    return {(r["unit_id"], r["status"], r["day"]): r["n"] for r in rows}


@transaction.atomic
def counters_rebuild(*, round_: Round, now: datetime | None = None) -> int:
    """Recount the round's status counters and closed hours from its bookings; return how
    many counter rows were written. For data loaded around the services (imports, benchmarks)."""
    _lock_counters()
    # Moves out of a queue are not derivable from the bookings (they keep no former queue).
    UnitStatusCount.objects.filter(unit__round=round_).exclude(status=MOVED_OUT).delete()
    counts = _status_counts_from_bookings(round_)
    UnitStatusCount.objects.bulk_create(
        [UnitStatusCount(unit_id=u, status=s, created_on=d, n=n) for (u, s, d), n in counts.items()], batch_size=2000
    )
    UnitHourCount.objects.filter(unit__round=round_).delete()
    TownHourCount.objects.filter(round=round_).delete()
    RoundHoursMark.objects.filter(round=round_).delete()
    hours_close(round_, now=now)
    return len(counts)


@dataclass
class Drift:
    what: str
    key: tuple[Any, ...]
    counted: int
    actual: int


def counters_check(round_: Round) -> list[Drift]:
    """Where the counters differ from COUNT(*)s over the bookings (empty: they reconcile)."""
    drift: list[Drift] = []
    counted = {
        (r["unit_id"], r["status"], r["created_on"]): r["n"]
        for r in UnitStatusCount.objects.filter(unit__round=round_).exclude(status=MOVED_OUT)
        .values("unit_id", "status", "created_on", "n")
        if r["n"]
    }
    moved: dict[int, int] = defaultdict(int)
    for unit_id, n in UnitStatusCount.objects.filter(unit__round=round_, status=MOVED_OUT).values_list("unit_id", "n"):
        moved[unit_id] += n
    actual = _status_counts_from_bookings(round_)
    for status_key in sorted(set(counted) | set(actual), key=str):
        if counted.get(status_key, 0) != actual.get(status_key, 0):
            drift.append(Drift("status", status_key, counted.get(status_key, 0), actual.get(status_key, 0)))
    booked = {pk: n - moved[pk] for pk, n in RoundUnit.objects.filter(round=round_).values_list("pk", "booked")}
    real = dict(Booking.objects.filter(round=round_).values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    for unit_id in sorted(set(booked) | set(real)):
        if booked.get(unit_id, 0) != real.get(unit_id, 0):
            drift.append(Drift("booked", (unit_id,), booked.get(unit_id, 0), real.get(unit_id, 0)))
    mark = RoundHoursMark.objects.filter(round=round_).values_list("until", flat=True).first()
    if mark is not None:
        hours = {
            (r["unit_id"], r["hour"]): r["n"]
            for r in Booking.objects.filter(round=round_, created_at__lt=mark)
            .annotate(hour=TruncHour("created_at", tzinfo=timezone.get_default_timezone()))
            .values("unit_id", "hour")
            .annotate(n=Count("id"))
        }
        stored = {(r.unit_id, r.hour): r.n for r in UnitHourCount.objects.filter(unit__round=round_)}
        for key in sorted(set(hours) | set(stored)):
            if hours.get(key, 0) != stored.get(key, 0):
                drift.append(Drift("hour", key, stored.get(key, 0), hours.get(key, 0)))
        towns = dict(RoundUnit.objects.filter(round=round_).values_list("pk", "town_id"))
        town_hours: dict[tuple[int, datetime], int] = defaultdict(int)
        for (unit_id, hour), n in hours.items():
            town_hours[towns[unit_id], hour] += n
        town_stored = {(r.town_id, r.hour): r.n for r in TownHourCount.objects.filter(round=round_) if r.n}
        for town_key in sorted(set(town_hours) | set(town_stored)):
            if town_hours.get(town_key, 0) != town_stored.get(town_key, 0):
                drift.append(Drift("town_hour", town_key, town_stored.get(town_key, 0), town_hours.get(town_key, 0)))
    return drift
