"""SMS about new work orders, through the outbox (queued in the import's transaction, sent
after it commits).

After each import batch (one ``orders_import`` call) every committee that received new orders
gets one SMS per worker with the count (and how many are urgent); a town with new urgent
symptom_check orders (routed to its committees or waiting at the town) gets one SMS per officer.
No names, ID numbers, phones or addresses: the SMS says how many and where to look, the
audited pages show who. Keys name the batch, so a retried import never sends twice, and a
re-run of the day creates no orders and sends nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.messaging import queue_sms
from fangkong.orgs.models import Committee, Role, Town, User

from .clocks import clock_for
from .models import OrderPriority, OrderType

TEMPLATES = {
    # To committee workers: new orders reached their committee (fangkong.screening.notify).
    "screening_new_orders": ("committee", "count", "urgent"),
    # To town officers: new urgent symptom_check orders in their town, routed or waiting.
    "screening_urgent_orders": ("town", "count", "where", "minutes"),
}


@dataclass(frozen=True)
class NewOrder:
    order_id: str
    committee_id: int | None
    town_id: int | None
    priority: str
    order_type: str


def notify_new_orders(orders: Iterable[NewOrder], *, batch: str, tell_towns: bool = True) -> int:
    """Queue the SMS of one import batch (or one routing by a town: ``tell_towns=False``, the
    town did it); returns how many were queued."""
    orders = list(orders)
    if not orders:
        return 0
    per_committee: dict[int, list[NewOrder]] = defaultdict(list)
    urgent_per_town: dict[int, list[NewOrder]] = defaultdict(list)
    for o in orders:
        if o.committee_id is not None:
            per_committee[o.committee_id].append(o)
        if o.town_id is not None and o.order_type == OrderType.SYMPTOM_CHECK and o.priority == OrderPriority.URGENT:
            urgent_per_town[o.town_id].append(o)
    sent = 0
    if per_committee:
        names = dict(Committee.objects.filter(pk__in=per_committee).values_list("pk", "name"))
        workers = (User.objects.filter(role=Role.COMMITTEE_WORKER, committee_id__in=per_committee, is_active=True)
                   .exclude(phone="").order_by("pk").values_list("pk", "phone", "committee_id"))
        for user_id, phone, committee_id in workers:
            rows = per_committee[committee_id]
            queue_sms(phone=phone, template="screening_new_orders", key=f"screening_new:{batch}:{committee_id}:{user_id}",
                      variables={"committee": names[committee_id], "count": len(rows),
                                 "urgent": sum(1 for r in rows if r.priority == OrderPriority.URGENT)})
            sent += 1
    if urgent_per_town and tell_towns:
        sent += _notify_towns(urgent_per_town, batch)
    return sent


def _notify_towns(urgent_per_town: dict[int, list[NewOrder]], batch: str) -> int:
    towns = dict(Town.objects.filter(pk__in=urgent_per_town).values_list("pk", "name"))
    committee_ids = {o.committee_id for rows in urgent_per_town.values() for o in rows if o.committee_id}
    committees = dict(Committee.objects.filter(pk__in=committee_ids).values_list("pk", "name"))
    minutes = round(clock_for(OrderType.SYMPTOM_CHECK).accept.total_seconds() / 60)
    officers = (User.objects.filter(role=Role.TOWN_OFFICER, town_id__in=urgent_per_town, is_active=True)
                .exclude(phone="").order_by("pk").values_list("pk", "phone", "town_id"))
    sent = 0
    for user_id, phone, town_id in officers:
        rows = urgent_per_town[town_id]
        where = Counter(committees.get(o.committee_id or 0, _("待派单")) for o in rows)
        queue_sms(phone=phone, template="screening_urgent_orders", key=f"screening_urgent:{batch}:{town_id}:{user_id}",
                  variables={"town": towns[town_id], "count": len(rows), "minutes": minutes,
                             "where": "、".join(f"{name}{n}张" for name, n in sorted(where.items()))})
        sent += 1
    return sent
