"""Reads of the booking domain, always scoped to the user."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from fangkong.core.models import AuditEvent
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import committees_in_scope, scope_of

from .models import Booking, BookingStatus, Round, RoundStatus, RoundUnit


def rounds_public() -> QuerySet[Round]:
    """Rounds a resident can see: open ones first, then the most recent others (not drafts)."""
    return Round.objects.exclude(status=RoundStatus.DRAFT).select_related("goods").open_first()


ROUND_CACHE_SECONDS = 2.0
_round_cache: dict[int, tuple[float, Round | None]] = {}


def round_for_booking(pk: int) -> Round | None:
    """The round a booking is submitted to, cached per process for ``ROUND_CACHE_SECONDS``.

    Every booking needs it, and it changes rarely: a round closed by staff may still take
    bookings for up to two seconds, which the window check (``closes_at``, not cached time)
    does not depend on.
    """
    now = time.monotonic()
    hit = _round_cache.get(pk)
    if hit is None or hit[0] < now:
        found = Round.objects.exclude(status=RoundStatus.DRAFT).select_related("goods").filter(pk=pk).first()
        if len(_round_cache) > 1000:
            _round_cache.clear()
        _round_cache[pk] = hit = (now + ROUND_CACHE_SECONDS, found)
    return hit[1]


def rounds_for_staff(user: Any) -> QuerySet[Round]:
    return Round.objects.visible_to(user).select_related("goods").open_first()


def bookings_for_desk(
    user: Any, round_: Round, *, status: str = "", compound: str = "", search: str = "", committee_id: int | None = None,
    statuses: tuple[str, ...] = (), hour: datetime | None = None, registered_before: datetime | None = None,
) -> QuerySet[Booking]:
    """The desk list in registration order. ``search`` matches booking number, name or the
    last digits of phone/ID, so a worker can find a caller without seeing full numbers.
    ``statuses``, ``hour`` (registered in the hour starting then) and ``registered_before``
    are the dashboards' drill-downs (a number there = the rows here)."""
    qs = Booking.objects.visible_to(user).filter(round=round_).select_related("committee", "town")
    if committee_id is not None:
        qs = qs.filter(committee_id=committee_id)
    if status:
        qs = qs.filter(status=status)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if hour is not None:
        qs = qs.filter(created_at__gte=hour, created_at__lt=hour + timedelta(hours=1))
    if registered_before is not None:
        qs = qs.filter(created_at__lt=registered_before)
    if compound:
        qs = qs.filter(compound=compound)
    search = search.strip()
    if search:
        condition = Q(booking_no__icontains=search) | Q(name__startswith=search)
        if search.isdigit() and 4 <= len(search) <= 6:
            condition |= Q(phone__endswith=search) | Q(id_number__endswith=search)
        qs = qs.filter(condition)
    return qs.order_by("committee_id", "seq")


def booking_for_staff(user: Any, pk: int) -> Booking | None:
    return (
        Booking.objects.visible_to(user)
        .select_related("round", "round__goods", "committee", "town", "address", "proxy_of")
        .filter(pk=pk)
        .first()
    )


def compounds_for_desk(user: Any, round_: Round) -> list[str]:
    return list(
        Booking.objects.visible_to(user)
        .filter(round=round_)
        .exclude(compound="")
        .values_list("compound", flat=True)
        .distinct()
        .order_by("compound")
    )


STATUS_COUNTS = {
    f"n_{status.value}": Count("id", filter=Q(status=status.value)) for status in BookingStatus
}


def committee_counts(user: Any, round_: Round, *, town_id: int | None = None) -> list[dict[str, Any]]:
    """Per-committee counts for a town or district officer (committees in scope only)."""
    bookings = Booking.objects.visible_to(user).filter(round=round_)
    committees = committees_in_scope(user)
    if town_id is not None:
        committees = committees.filter(town_id=town_id)
        bookings = bookings.filter(town_id=town_id)
    counts: dict[int | None, dict[str, Any]] = {
        row["committee_id"]: dict(row)
        for row in bookings.values("committee_id").annotate(total=Count("id"), **STATUS_COUNTS)
    }
    rows = []
    for committee in committees.order_by("code"):
        c: dict[str, Any] = counts.get(committee.pk, {})
        rows.append({"committee": committee, "total": c.get("total", 0), **{k: c.get(k, 0) for k in STATUS_COUNTS}})
    unresolved = counts.get(None)
    if unresolved:
        rows.insert(0, {"committee": None, "total": unresolved["total"], **{k: unresolved[k] for k in STATUS_COUNTS}})
    return rows


def town_counts(user: Any, round_: Round, *, now: Any = None) -> list[dict[str, Any]]:
    """Per-town counts for the district, with ``n_overdue`` (pending past the one-working-day
    verification deadline), in one aggregate query."""
    from .workdays import overdue_cutoff

    scope = scope_of(user)
    if scope.level != "district" or scope.district_id is None:
        return []
    overdue = Q(status=BookingStatus.PENDING, created_at__lt=overdue_cutoff(now))
    counts: dict[int, dict[str, Any]] = {
        row["town_id"]: dict(row)
        for row in Booking.objects.visible_to(user)
        .filter(round=round_)
        .values("town_id")
        .annotate(
            total=Count("id"),
            unresolved=Count("id", filter=Q(committee__isnull=True)),
            n_overdue=Count("id", filter=overdue),
            **STATUS_COUNTS,
        )
    }
    rows = []
    for town in Town.objects.filter(district_id=scope.district_id).order_by("code"):
        c: dict[str, Any] = counts.get(town.pk, {})
        rows.append(
            {
                "town": town,
                "total": c.get("total", 0),
                "unresolved": c.get("unresolved", 0),
                "n_overdue": c.get("n_overdue", 0),
                **{k: c.get(k, 0) for k in STATUS_COUNTS},
            }
        )
    return rows


# --- verification (issue 3) ---------------------------------------------------------------


def overdue_counts(user: Any, round_: Round, *, town_id: int | None = None, now: Any = None) -> dict[int | None, int]:
    """Pending bookings past their verification deadline, per committee (None: unresolved)."""
    from .workdays import overdue_cutoff

    bookings = Booking.objects.visible_to(user).filter(
        round=round_, status=BookingStatus.PENDING, created_at__lt=overdue_cutoff(now)
    )
    if town_id is not None:
        bookings = bookings.filter(town_id=town_id)
    return {row["committee_id"]: row["n"] for row in bookings.values("committee_id").annotate(n=Count("id"))}


def committee_counts_with_overdue(
    user: Any, round_: Round, *, town_id: int | None = None, now: Any = None
) -> list[dict[str, Any]]:
    """``committee_counts`` plus ``n_overdue``, ``quota`` and ``remaining`` on each row (the
    town view; remaining stock = quota − places held by approved/notified/redeemed bookings)."""
    from .workflow import TAKES_QUOTA

    rows = committee_counts(user, round_, town_id=town_id)
    overdue = overdue_counts(user, round_, town_id=town_id, now=now)
    shown = [row["committee"].pk for row in rows if row["committee"]]
    quotas = dict(RoundUnit.objects.filter(round=round_, committee_id__in=shown).values_list("committee_id", "quota"))
    for row in rows:
        committee = row["committee"]
        row["n_overdue"] = overdue.get(committee.pk if committee else None, 0)
        quota = quotas.get(committee.pk) if committee else None
        taken = sum(row.get(f"n_{status}", 0) for status in TAKES_QUOTA)
        row["quota"], row["remaining"] = quota, None if quota is None else max(quota - taken, 0)
    return rows


def decision_history(booking: Booking) -> QuerySet[AuditEvent]:
    """The booking's status moves and desk entry, oldest first (from the audit log)."""
    return (
        AuditEvent.objects.filter(
            object_type="booking", object_id=booking.booking_no, action__in=["booking.status", "booking.desk_create"]
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def committee_quota(round_: Round, committee: Committee | None) -> dict[str, Any] | None:
    """The committee's quota in the round, how many places approvals hold, how many wait."""
    from .workflow import TAKES_QUOTA

    if committee is None:
        return None
    unit = (
        RoundUnit.objects.filter(round=round_, committee=committee)
        .annotate(
            taken=Count("bookings", filter=Q(bookings__status__in=TAKES_QUOTA)),
            pending=Count("bookings", filter=Q(bookings__status=BookingStatus.PENDING)),
        )
        .values("quota", "taken", "pending")
        .first()
    )
    if unit is None:
        return None
    remaining = None if unit["quota"] is None else max(unit["quota"] - unit["taken"], 0)
    return {**unit, "remaining": remaining}
