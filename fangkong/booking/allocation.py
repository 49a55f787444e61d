"""Allocation when a round closes: registration order, or a public, reproducible lottery.

Registration-order rounds already stop registrations at each committee's quota (the booking's
conditional UPDATE), so allocating one only records, per committee, quota / booked / allocated
and marks the round 已分配. Lottery rounds take registrations beyond the quota; for each
committee whose bookings still in review (待审核/待定) plus those already approved exceed its
quota, the draw keeps ``quota − approved`` of them and the others become 未中签 (with an SMS).

The draw, which anyone can re-run (``LOTTERY_SNIPPET`` is shown on /r/<round>/lottery/):

1. sort the committee's candidates by booking number;
2. order them by ``sha256(seed + ":" + booking_no)`` as lowercase hex, ascending (a stable sort,
   so step 1 breaks the — practically impossible — ties);
3. the first ``places`` are drawn.

The seed is 128 random bits (32 hex digits), drawn and published on the public page the moment
the round closes, i.e. after the list of candidates is final and before the officer allocates;
the officer cannot choose or change it. Reopening a round withdraws it (bookings made after
publication could otherwise be timed against it) and the next close publishes a new one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.orgs.models import Role
from fangkong.orgs.scoping import committees_in_scope, scope_of

from .models import Allocation, Booking, BookingStatus, Round, RoundStatus, RoundUnit
from .workflow import TAKES_QUOTA, _move

S = BookingStatus
IN_REVIEW = (S.PENDING, S.ON_HOLD)

# Shown verbatim on the public lottery page; tests/booking/test_allocation.py runs it and checks
# that it picks the same winners as ``round_allocate``.
LOTTERY_SNIPPET = '''\
import hashlib

def draw(seed: str, booking_nos: list[str], places: int) -> list[str]:
    """Return the drawn booking numbers, first drawn first."""
    candidates = sorted(booking_nos)  # 1. by booking number
    ranked = sorted(candidates, key=lambda no: hashlib.sha256(f"{seed}:{no}".encode()).hexdigest())
    return ranked[:places]  # 2. by sha256(seed:booking_no), 3. the first `places`

# e.g. draw("<seed>", ["B7-T04C027-00001", "B7-T04C027-00002", "B7-T04C027-00003"], 2)
'''


def lottery_order(seed: str, booking_nos: Iterable[str]) -> list[str]:
    """All candidates in draw order (the documented algorithm, steps 1 and 2)."""
    candidates = sorted(booking_nos)
    return sorted(candidates, key=lambda no: hashlib.sha256(f"{seed}:{no}".encode()).hexdigest())


def new_seed() -> str:
    return secrets.token_hex(16)


def seed_fields_for(round_: Round, status: str) -> dict[str, Any]:
    """The seed columns to write when ``round_set_status`` moves a lottery round to ``status``."""
    if round_.allocation != Allocation.LOTTERY:
        return {}
    if status == RoundStatus.CLOSED:
        return {"lottery_seed": new_seed(), "lottery_seed_at": timezone.now()}
    if status == RoundStatus.OPEN:
        return {"lottery_seed": "", "lottery_seed_at": None}
    return {}


class AllocationRefused(Exception):
    """The round cannot be allocated (not closed, or a seed that is not the published one)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class UnitResult:
    """One committee's (or a town's unresolved queue's) line of the allocation."""

    unit_id: int
    committee_id: int | None
    label: str
    code: str
    quota: int | None
    booked: int
    approved: int  # already holding a place (approved, notified, redeemed)
    candidates: int  # still in review (pending, on hold)
    places: int | None = None  # drawn by lottery; None: no draw
    allocated: int = 0
    not_allocated: int = 0

    @property
    def drawn(self) -> bool:
        return self.places is not None


@dataclass
class AllocationOutcome:
    round_id: int
    allocation: str
    seed: str
    units: list[UnitResult] = field(default_factory=list)
    already: bool = False  # the round had been allocated before: nothing was changed

    @property
    def not_allocated(self) -> int:
        return sum(u.not_allocated for u in self.units)

    @property
    def drawn_units(self) -> list[UnitResult]:
        return [u for u in self.units if u.drawn]


# --- who may --------------------------------------------------------------------------------


def can_allocate(actor: Any, round_: Round) -> bool:
    """District officers allocate their district's rounds; a town officer her own town's round."""
    if actor is None or not actor.has_perm("orgs.manage_rounds"):
        return False
    if not Round.objects.visible_to(actor).filter(pk=round_.pk).exists():
        return False
    scope = scope_of(actor)
    if scope.level == "district":
        return True
    return scope.level == "town" and actor.role == Role.TOWN_OFFICER and round_.town_id == scope.town_id


def can_set_quotas(actor: Any, round_: Round) -> bool:
    """Town officers set their committees' quotas (in district rounds too); the district all."""
    if actor is None or not actor.has_perm("orgs.manage_rounds"):
        return False
    if scope_of(actor).level not in ("district", "town"):
        return False
    return Round.objects.visible_to(actor).filter(pk=round_.pk).exists()


# --- reading: the plan before, the record after ---------------------------------------------


def _unit_rows(round_: Round) -> list[UnitResult]:
    """Every queue of the round that has bookings, with its counts (two queries)."""
    units = RoundUnit.objects.filter(round=round_)
    counts = {
        row["unit_id"]: row
        for row in Booking.objects.filter(round=round_)
        .values("unit_id")
        .annotate(
            approved=Count("id", filter=Q(status__in=TAKES_QUOTA)),
            candidates=Count("id", filter=Q(status__in=IN_REVIEW)),
            not_allocated=Count("id", filter=Q(status=S.NOT_ALLOCATED)),
            total=Count("id"),
        )
    }
    rows = []
    for unit in units.select_related("committee", "town").order_by(F("committee__code").asc(nulls_first=True), "pk"):
        c = counts.get(unit.pk)
        if c is None:  # nobody booked here: nothing to allocate or show
            continue
        committee = unit.committee
        rows.append(
            UnitResult(
                unit_id=unit.pk,
                committee_id=unit.committee_id,
                label=committee.name if committee else _("{town}（地址待核实）").format(town=unit.town.name),
                code=committee.code if committee else f"{unit.town.code}X",
                quota=unit.quota,
                booked=unit.booked,
                approved=c["approved"],
                candidates=c["candidates"],
                places=unit.lottery_places,
                allocated=unit.allocated if unit.allocated is not None else 0,
                not_allocated=c["not_allocated"],
            )
        )
    return rows


def _plan_unit(row: UnitResult, *, lottery: bool) -> UnitResult:
    """What allocating will do to one queue (``row`` is updated and returned)."""
    over = row.quota is not None and row.approved + row.candidates > row.quota
    if lottery and over and row.committee_id is not None:
        assert row.quota is not None
        row.places = max(row.quota - row.approved, 0)
        row.not_allocated = row.candidates - row.places
        row.allocated = row.approved + row.places
    else:
        row.places = None
        row.not_allocated = 0
        row.allocated = row.approved + row.candidates
    return row


def allocation_plan(round_: Round) -> AllocationOutcome:
    """The confirmation page: per committee, booked vs quota and how many the draw will keep."""
    lottery = round_.allocation == Allocation.LOTTERY
    rows = [_plan_unit(row, lottery=lottery) for row in _unit_rows(round_)]
    return AllocationOutcome(round_id=round_.pk, allocation=round_.allocation, seed=round_.lottery_seed, units=rows)


def allocation_record(round_: Round) -> AllocationOutcome:
    """What ``round_allocate`` did (read back from the units and bookings)."""
    return AllocationOutcome(
        round_id=round_.pk, allocation=round_.allocation, seed=round_.lottery_seed, units=_unit_rows(round_), already=True
    )


@dataclass
class DrawnUnit:
    label: str
    code: str
    quota: int | None
    places: int
    candidates: int
    winners: list[str]


def lottery_results(round_: Round) -> list[DrawnUnit]:
    """The public page: per committee that was drawn, its winners by booking number only."""
    units = list(
        RoundUnit.objects.filter(round=round_, lottery_places__isnull=False)
        .select_related("committee")
        .order_by("committee__code")
    )
    ranked: dict[int, list[str]] = {}
    for unit_id, booking_no in (
        Booking.objects.filter(round=round_, lottery_rank__isnull=False)
        .order_by("unit_id", "lottery_rank")
        .values_list("unit_id", "booking_no")
    ):
        ranked.setdefault(unit_id, []).append(booking_no)
    return [
        DrawnUnit(
            label=unit.committee.name if unit.committee else "",
            code=unit.committee.code if unit.committee else "",
            quota=unit.quota,
            places=unit.lottery_places or 0,
            candidates=len(ranked.get(unit.pk, [])),
            winners=ranked.get(unit.pk, [])[: unit.lottery_places or 0],
        )
        for unit in units
    ]


def lottery_csv_rows(round_: Round) -> Iterable[tuple[str, int, int]]:
    """``booking_no, rank, won`` for every booking that took part in a draw."""
    places = dict(RoundUnit.objects.filter(round=round_, lottery_places__isnull=False).values_list("pk", "lottery_places"))
    for unit_id, booking_no, rank in (
        Booking.objects.filter(round=round_, lottery_rank__isnull=False)
        .order_by("booking_no")
        .values_list("unit_id", "booking_no", "lottery_rank")
        .iterator(chunk_size=2000)
    ):
        assert rank is not None  # filtered above
        yield booking_no, rank, int(rank <= (places.get(unit_id) or 0))


# --- writing ----------------------------------------------------------------------------------


def round_allocate(
    *,
    actor: Any,
    round_: Round,
    seed: str | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AllocationOutcome:
    """Allocate a closed round (see the module docstring); idempotent.

    Raises ``PermissionError`` for someone who may not allocate it, ``AllocationRefused`` when it
    is not closed or ``seed`` differs from the seed published at close. ``seed`` is for rounds
    closed without one (e.g. before this feature); normally the published seed is used. A
    second call on an allocated round changes and sends nothing and returns the record.
    """
    if not can_allocate(actor, round_):
        raise PermissionError(_("没有分配该预约轮次的权限。"))
    now = now or timezone.now()
    with transaction.atomic():
        current = Round.objects.filter(pk=round_.pk).values("status", "lottery_seed").get()
        if current["status"] == RoundStatus.ALLOCATED:
            round_.refresh_from_db()
            return allocation_record(round_)
        if current["status"] != RoundStatus.CLOSED:
            raise AllocationRefused(
                _("只有已截止的轮次才能分配，{round}当前为“{status}”。").format(
                    round=round_.name, status=RoundStatus(current["status"]).label
                )
            )
        lottery = round_.allocation == Allocation.LOTTERY
        published = current["lottery_seed"]
        if lottery and seed and published and seed != published:
            raise AllocationRefused(_("本轮摇号种子已在截止时公布，不能更换。"))
        used_seed = (published or seed or new_seed()) if lottery else ""
        moved = Round.objects.filter(pk=round_.pk, status=RoundStatus.CLOSED).update(
            status=RoundStatus.ALLOCATED,
            allocated_at=now,
            lottery_seed=used_seed,
            lottery_seed_at=F("lottery_seed_at") if published else now,
        )
        if not moved:  # someone else allocated (or reopened) it between our read and now
            round_.refresh_from_db()
            if round_.status == RoundStatus.ALLOCATED:
                return allocation_record(round_)
            raise AllocationRefused(_("轮次状态刚刚被其他人修改，请刷新后再试。"))
        round_.status, round_.allocated_at, round_.lottery_seed = RoundStatus.ALLOCATED, now, used_seed
        # Lock the queues in primary-key order: an approval (workflow._check_quota) waits for us.
        list(RoundUnit.objects.select_for_update().filter(round=round_).order_by("pk").values_list("pk", flat=True))
        rows = [_plan_unit(row, lottery=lottery) for row in _unit_rows(round_)]
        for row in rows:
            if row.drawn:
                _draw(round_, row, used_seed, actor=actor, request=request, now=now)
            RoundUnit.objects.filter(pk=row.unit_id).update(allocated=row.allocated, lottery_places=row.places)
        audit_log(
            actor=actor,
            action="round.allocate",
            object_type="round",
            object_id=round_.pk,
            district_id=round_.district_id,
            town_id=round_.town_id,
            request=request,
            detail={
                "allocation": round_.allocation,
                "seed": used_seed,
                "committees": {
                    row.code: {
                        "quota": row.quota,
                        "booked": row.booked,
                        "allocated": row.allocated,
                        "not_allocated": row.not_allocated,
                        "places": row.places,
                    }
                    for row in rows
                },
            },
        )
    return AllocationOutcome(round_id=round_.pk, allocation=round_.allocation, seed=used_seed, units=rows)


def _draw(round_: Round, row: UnitResult, seed: str, *, actor: Any, request: HttpRequest | None, now: datetime) -> None:
    candidates = {
        b.booking_no: b
        for b in Booking.objects.filter(unit_id=row.unit_id, status__in=IN_REVIEW).select_related("round", "committee")
    }
    order = lottery_order(seed, candidates)
    places = row.places or 0
    for rank, booking_no in enumerate(order, start=1):
        booking = candidates[booking_no]
        booking.lottery_rank = rank
    Booking.objects.bulk_update(list(candidates.values()), ["lottery_rank"], batch_size=500)
    for booking_no in order[places:]:
        _move(candidates[booking_no], S.NOT_ALLOCATED, actor=actor, note="lottery", request=request, now=now)


class QuotaInvalid(Exception):
    """Quotas that cannot be saved; ``errors`` maps a unit id to the message shown beside it."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def quota_rows(actor: Any, round_: Round, *, town_id: int | None = None) -> QuerySet[RoundUnit]:
    """The committees' queues the actor may set quotas for, with approvals counted."""
    units = RoundUnit.objects.filter(round=round_, committee__in=committees_in_scope(actor))
    if town_id is not None:
        units = units.filter(town_id=town_id)
    return (
        units.select_related("committee")
        .annotate(
            approved=Count("bookings", filter=Q(bookings__status__in=TAKES_QUOTA)),
            pending=Count("bookings", filter=Q(bookings__status__in=IN_REVIEW)),
        )
        .order_by("committee__code")
    )


def round_quotas_set(
    *, actor: Any, round_: Round, quotas: dict[int, int | None], request: HttpRequest | None = None
) -> dict[str, tuple[int | None, int | None]]:
    """Set committee quotas (unit id → quota, None: unlimited) in one transaction; audited.

    Ids outside the actor's committees are ignored. Refused (``QuotaInvalid``, nothing saved)
    for a negative quota, one below the approvals already made, and — in registration-order
    rounds — one below the bookings already taken (the ``roundunit_not_oversold`` CHECK).
    Returns the changes by committee code.
    """
    if not can_set_quotas(actor, round_):
        raise PermissionError(_("没有设置该轮次额度的权限。"))
    if round_.status == RoundStatus.ALLOCATED:
        raise QuotaInvalid({0: _("本轮已分配，不能再修改额度。")})
    errors: dict[int, str] = {}
    changes: dict[str, tuple[int | None, int | None]] = {}
    with transaction.atomic():
        units = list(
            RoundUnit.objects.select_for_update()
            .filter(round=round_, committee__in=committees_in_scope(actor), pk__in=list(quotas))
            .select_related("committee")
            .order_by("pk")
        )
        approved = dict(
            Booking.objects.filter(unit__in=units, status__in=TAKES_QUOTA)
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
        for unit in units:
            new = quotas[unit.pk]
            if new == unit.quota:
                continue
            name = unit.committee.name if unit.committee else ""
            if new is not None and new < 0:
                errors[unit.pk] = _("{committee}：额度不能小于0。").format(committee=name)
            elif new is not None and new < approved.get(unit.pk, 0):
                errors[unit.pk] = _("{committee}：已审核通过{approved}人，额度不能低于已通过人数。").format(
                    committee=name, approved=approved.get(unit.pk, 0)
                )
            elif new is not None and not unit.lottery and new < unit.booked:
                errors[unit.pk] = _(
                    "{committee}：已有{booked}人预约。按登记顺序分配的轮次，额度不能低于已预约人数。"
                ).format(committee=name, booked=unit.booked)
            else:
                changes[unit.committee.code if unit.committee else str(unit.pk)] = (unit.quota, new)
                unit.quota = new
        if errors:
            raise QuotaInvalid(errors)
        changed = [u for u in units if (u.committee.code if u.committee else str(u.pk)) in changes]
        try:
            RoundUnit.objects.bulk_update(changed, ["quota"], batch_size=500)
        except IntegrityError:  # a booking slipped in under the old quota
            raise QuotaInvalid({0: _("有居民刚刚完成预约，额度低于已预约人数，请刷新后重试。")}) from None
        if changes:
            audit_log(
                actor=actor,
                action="round.quotas",
                object_type="round",
                object_id=round_.pk,
                district_id=round_.district_id,
                town_id=scope_of(actor).town_id,
                request=request,
                detail={"quotas": {code: {"from": old, "to": new} for code, (old, new) in changes.items()}},
            )
    return changes
