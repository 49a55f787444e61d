"""The clocks of work orders: how long each unit has, per order type (``SCREENING_CLOCKS``), and
the periodic escalation that marks overdue orders and tells their town once.

An order must be accepted within ``accept_hours`` of reaching its committee (of being imported,
for one routed straight away; of being re-routed after a return) and have its on-site result
within ``result_hours`` of its creation (pushed back by an approved 延期). An order waiting at the
town (待派单) runs the same accept clock: the town is holding it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.core.messaging import queue_sms
from fangkong.orgs.models import Role, Town, User

from .models import EventKind, OrderEvent, OrderPriority, OrderStatus, WorkOrder

logger = logging.getLogger("fangkong.screening")

DEFAULT_CLOCKS: dict[str, dict[str, float]] = {
    "home_check": {"accept_hours": 2.0, "result_hours": 24.0},
    "symptom_check": {"accept_hours": 0.5, "result_hours": 4.0},
    "hotline_check": {"accept_hours": 2.0, "result_hours": 24.0},
}


@dataclass(frozen=True)
class Clock:
    accept: timedelta
    result: timedelta


def clock_for(order_type: str) -> Clock:
    configured = getattr(settings, "SCREENING_CLOCKS", {}) or {}
    values = {**DEFAULT_CLOCKS.get(order_type, DEFAULT_CLOCKS["home_check"]), **configured.get(order_type, {})}
    return Clock(accept=timedelta(hours=float(values["accept_hours"])),
                 result=timedelta(hours=float(values["result_hours"])))


def seconds_since(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def escalate_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Mark orders past a clock and SMS their town's officers; idempotent.

    Each order is marked once per clock by a conditional UPDATE (``..._overdue_at IS NULL``), so
    two passes at once, or one repeated, neither mark nor notify an order twice. Orders without
    a town (waiting at the district) are marked but have no town to tell.
    """
    now = now or timezone.now()
    waiting = (OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT)
    open_ = (*waiting, OrderStatus.IN_PROGRESS)
    marked: dict[int, list[tuple[int, str, str]]] = defaultdict(list)  # town → (pk, order_id, priority)
    counts = {"accept": 0, "result": 0, "sms": 0}
    with transaction.atomic():
        for clock, statuses, due, flag in (("accept", waiting, "accept_due", "accept_overdue_at"),
                                           ("result", open_, "result_due", "result_overdue_at")):
            candidates = WorkOrder.objects.filter(
                Q(**{f"{due}__lt": now, f"{flag}__isnull": True}), status__in=statuses
            ).select_for_update(skip_locked=True).values_list("pk", "order_id", "priority", "town_id", "status")
            rows = list(candidates)
            if not rows:
                continue
            WorkOrder.objects.filter(pk__in=[r[0] for r in rows], **{f"{flag}__isnull": True}).update(**{flag: now})
            OrderEvent.objects.bulk_create([
                OrderEvent(order_id=pk, kind=EventKind.OVERDUE, at=now, from_status=status, to_status=status,
                           note="签收超时" if clock == "accept" else "反馈超时")
                for pk, _oid, _p, _t, status in rows
            ])
            counts[clock] = len(rows)
            for pk, order_id, priority, town_id, _s in rows:
                if town_id is not None:
                    marked[town_id].append((pk, order_id, priority))
        counts["sms"] = _notify_towns(marked)
    if counts["accept"] or counts["result"]:
        logger.info("screening overdue accept=%s result=%s sms=%s", counts["accept"], counts["result"], counts["sms"])
    return counts


def _notify_towns(marked: dict[int, list[tuple[int, str, str]]]) -> int:
    if not marked:
        return 0
    towns = {t.pk: t for t in Town.objects.filter(pk__in=marked)}
    officers = User.objects.filter(role=Role.TOWN_OFFICER, town_id__in=marked, is_active=True).exclude(phone="")
    sent = 0
    for officer in officers:
        rows = marked[officer.town_id]  # type: ignore[index]
        first = min(r[1] for r in rows)
        # One message per officer per batch of newly overdue orders; the batch's smallest order
        # id and size make the key (the orders themselves are never marked twice).
        queue_sms(phone=officer.phone, template="screening_overdue", key=f"screening_overdue:{officer.pk}:{first}:{len(rows)}",
                  variables={"town": towns[officer.town_id].name, "count": len(rows),  # type: ignore[index]
                             "urgent": sum(1 for r in rows if r[2] == OrderPriority.URGENT), "first": first})
        sent += 1
    return sent
