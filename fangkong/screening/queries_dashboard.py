"""Reads of the screening dashboard: the day's funnel, identification per source, handling times
and overdue orders per unit, and the open urgent orders; all scoped to the user.

The funnel's first three steps (records → people → key people) are the pipeline's, read from
the day's latest finished run, and only the district (whose data centre ran it) sees them; the
rest (orders → accepted → closed) are counted from the work orders the user may see, so a town
sees its own and a committee its own. Times are seconds from an order's creation (written at
each transition), summarised as median and p90 per town (district) or committee (town,
committee) in Python from one query: a day is at most some thousands of orders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.orgs.scoping import Scope, scope_of

from .models import OPEN_STATUSES, OrderPriority, OrderStatus, RunStatus, ScreeningRun, WorkOrder
from .queries import IDENTIFICATION_LABELS, SOURCE_LABELS

URGENT_LIST_MAX = 30
DAYS_LISTED = 14
CLOCK_FIELDS = (("accept", "accept_seconds"), ("door", "door_seconds"), ("close", "close_seconds"))


@dataclass
class Step:
    key: str
    label: str
    value: int | None
    href: str = ""
    share: str = ""  # of the step before, e.g. "3.5%"


@dataclass
class UnitRow:
    """One town (district view) or committee (town and committee views)."""

    unit_id: int
    name: str
    orders: int = 0  # of the day
    open: int = 0  # now, any day
    overdue: int = 0  # now, any day
    times: dict[str, dict[str, int | None]] = field(default_factory=dict)  # clock → {"n", "median", "p90"} minutes
    href: str = ""
    overdue_href: str = ""


@dataclass
class Board:
    level: str
    day: date | None
    days: list[date]
    run: ScreeningRun | None
    funnel: list[Step]
    identification: list[dict[str, Any]]
    rows: list[UnitRow]
    urgent: list[WorkOrder]
    unit_label: str

    @property
    def has_times(self) -> bool:
        return any(t["n"] for row in self.rows for t in row.times.values())


def percentile(values: list[int], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _minutes(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds / 60)


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def _orders_url(**params: Any) -> str:
    return reverse("screening:orders") + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def screening_days(user: Any) -> list[date]:
    """The most recent days with orders the user may see (newest first)."""
    return list(WorkOrder.objects.visible_to(user).order_by("-as_of").values_list("as_of", flat=True)
                .distinct()[:DAYS_LISTED])


def _latest_run(scope: Scope, day: date) -> ScreeningRun | None:
    if scope.level != "district" or scope.district_id is None:
        return None
    return (ScreeningRun.objects.filter(district_id=scope.district_id, as_of=day, status=RunStatus.DONE)
            .order_by("-finished_at", "-id").first())


def _funnel(user: Any, day: date, run: ScreeningRun | None) -> list[Step]:
    done = WorkOrder.objects.visible_to(user).filter(as_of=day).aggregate(
        orders=Count("id"), accepted=Count("id", filter=Q(accept_seconds__isnull=False)),
        closed=Count("id", filter=Q(status=OrderStatus.CLOSED)))
    steps: list[Step] = []
    if run is not None:
        s, link = run.summary or {}, reverse("screening:run", args=[run.pk])
        steps += [Step("records", _("源记录"), s.get("records"), link), Step("people", _("人员"), s.get("people"), link),
                  Step("key_people", _("重点人员"), s.get("key_people"), link)]
    d = day.isoformat()
    steps += [Step("orders", _("工单"), done["orders"], _orders_url(status="", day=d)),
              Step("accepted", _("已签收"), done["accepted"], _orders_url(status="", day=d, accepted=1)),
              Step("closed", _("已办结"), done["closed"], _orders_url(status=OrderStatus.CLOSED, day=d))]
    for before, step in zip(steps, steps[1:], strict=False):
        if before.value and step.value is not None:
            step.share = _pct(step.value, before.value)
    return steps


def _identification(run: ScreeningRun | None) -> list[dict[str, Any]]:
    """Per source: how its records' addresses were identified, and the rates identified at all,
    to a room, and to a committee (the orders can be routed), from the run's quality report."""
    if run is None:
        return []
    out = []
    for source, found in sorted(((run.quality or {}).get("identification") or {}).items()):
        if not isinstance(found, dict):
            continue
        counts = {k: int(v or 0) for k, v in found.items()}
        total = sum(counts.values())
        matched, committee = counts.get("matched", 0), counts.get("matched", 0) + counts.get("committee_only", 0)
        # Rates are over the records that carry an address (rail arrivals carry none: "—", not 0 %).
        # Identified: the address was placed (a room, a committee, or outside the district);
        # review (the town must pick a candidate) is not.
        addressed = total - counts.get("no_address", 0)
        identified = addressed - counts.get("review", 0)
        out.append({"source": source, "label": SOURCE_LABELS.get(source, source), "total": total,
                    "addressed": addressed,
                    "parts": [(k, IDENTIFICATION_LABELS.get(k, k), n) for k, n in counts.items()],
                    "identified_pct": _pct(identified, addressed),
                    "room_rate": matched / addressed if addressed else None, "room_pct": _pct(matched, addressed),
                    "committee_rate": committee / addressed if addressed else None,
                    "committee_pct": _pct(committee, addressed)})
    return out


def _rows(user: Any, scope: Scope, day: date) -> list[UnitRow]:
    by_town = scope.level == "district"
    unit, name = ("town_id", "town__name") if by_town else ("committee_id", "committee__name")
    visible = WorkOrder.objects.visible_to(user).filter(**{f"{unit}__isnull": False}).order_by()
    rows: dict[int, UnitRow] = {}
    samples: dict[int, dict[str, list[int]]] = {}
    for unit_id, unit_name, *seconds in visible.filter(as_of=day).values_list(
            unit, name, *(f for _k, f in CLOCK_FIELDS)):
        row = rows.setdefault(unit_id, UnitRow(unit_id, unit_name))
        row.orders += 1
        per = samples.setdefault(unit_id, {k: [] for k, _f in CLOCK_FIELDS})
        for (key, _f), value in zip(CLOCK_FIELDS, seconds, strict=True):
            if value is not None:
                per[key].append(value)
    now = timezone.now()
    late = (Q(status__in=[OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT], accept_due__lt=now)
            | Q(status__in=OPEN_STATUSES, result_due__lt=now))
    for r in visible.filter(status__in=OPEN_STATUSES).values(unit, name).annotate(
            n=Count("id"), late=Count("id", filter=late)):
        row = rows.setdefault(r[unit], UnitRow(r[unit], r[name]))
        row.open, row.overdue = r["n"], r["late"]
    for row in rows.values():
        per = samples.get(row.unit_id, {})
        row.times = {key: {"n": len(per.get(key, [])), "median": _minutes(percentile(per.get(key, []), 0.5)),
                           "p90": _minutes(percentile(per.get(key, []), 0.9))} for key, _f in CLOCK_FIELDS}
        param = {"town": row.unit_id} if by_town else {"committee": row.unit_id}
        row.href = _orders_url(status="open", **param)
        row.overdue_href = _orders_url(status="open", overdue=1, **param)
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.name))


def urgent_open(user: Any) -> list[WorkOrder]:
    return list(WorkOrder.objects.visible_to(user).filter(status__in=OPEN_STATUSES, priority=OrderPriority.URGENT)
                .select_related("town", "committee").order_by("accept_due", "pk")[:URGENT_LIST_MAX])


def screening_board(user: Any, day: date | None = None) -> Board:
    scope = scope_of(user)
    days = screening_days(user)
    day = day or (days[0] if days else timezone.localdate())
    run = _latest_run(scope, day)
    return Board(level=scope.level, day=day, days=days, run=run, funnel=_funnel(user, day, run),
                 identification=_identification(run), rows=_rows(user, scope, day), urgent=urgent_open(user),
                 unit_label=_("街镇") if scope.level == "district" else _("居村委"))


def chart_data(board: Board) -> dict[str, Any]:
    """What static/screening/dashboard.js draws (the tables beside the charts show the same)."""
    return {
        "funnel": {"labels": [s.label for s in board.funnel], "values": [s.value or 0 for s in board.funnel]},
        "times": {"labels": [r.name for r in board.rows],
                  "series": [{"name": label, "median": [r.times[key]["median"] for r in board.rows],
                              "p90": [r.times[key]["p90"] for r in board.rows]}
                             for key, label in (("accept", _("签收")), ("door", _("上门")), ("close", _("办结")))],
                  "median": _("中位数"), "p90": _("P90"), "unit": _("分钟")},
        "identification": {"labels": [str(i["label"]) for i in board.identification],
                           "series": [{"name": str(label), "data": [_part(i, key) for i in board.identification]}
                                      for key, label in IDENTIFICATION_LABELS.items()
                                      if any(_part(i, key) for i in board.identification)]},
    }


def _part(identification: dict[str, Any], key: str) -> int:
    return next((n for k, _label, n in identification["parts"] if k == key), 0)
