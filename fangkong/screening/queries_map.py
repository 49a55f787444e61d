"""Reads of the work-order map: a committee's or a town's open orders as places on a map.

An order's coordinates are its room's (``StandardAddress.lng``/``lat`` by ``address_id``), read
in the same query as the orders. Orders of one building share a point, so markers are *places*:
one per coordinate, listing its orders, coloured by the most pressing of them (overdue, then
urgent, then the least advanced state). Orders without coordinates (no room matched, or a room
without a position) are listed beside the map. Names and phones are masked: the popup is for
finding the door; the order's page (audited) has the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.addresses.models import StandardAddress
from fangkong.core.masking import mask_name

from .models import OPEN_STATUSES, OrderPriority, OrderStatus, OrderType, WorkOrder

# A town has a few hundred open orders on a bad day; the district map of thousands stays usable.
MAP_MAX_ORDERS = 3000
# Which marker colour wins at a place with several orders: the lower, the more pressing.
_RANK = {"overdue": 0, "urgent": 1, OrderStatus.PENDING_DISPATCH: 2, OrderStatus.PENDING_ACCEPT: 3,
         OrderStatus.IN_PROGRESS: 4}


@dataclass(frozen=True)
class MapFilter:
    committee_id: int | None = None
    urgent_only: bool = False


def _overdue(o: Mapping[str, Any], now: datetime) -> bool:
    if o["status"] in (OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT) and o["accept_due"] < now:
        return True
    return bool(o["result_due"] < now)


def _point(o: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    overdue = _overdue(o, now)
    urgent = o["priority"] == OrderPriority.URGENT
    waiting = o["status"] in (OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT)
    due = o["accept_due"] if waiting else o["result_due"]
    return {
        "id": o["pk"], "order_id": o["order_id"], "url": reverse("screening:order", args=[o["pk"]]),
        "type": str(OrderType(o["order_type"]).label) if o["order_type"] in OrderType.values else o["order_type"],
        "status": o["status"], "status_label": str(OrderStatus(o["status"]).label),
        "urgent": urgent, "overdue": overdue, "person": mask_name(o["name"]),
        "address": o["address_label"], "committee": o["committee__name"] or "",
        "due": timezone.localtime(due).strftime("%m-%d %H:%M"),
        "due_label": str(_("签收时限") if waiting else _("反馈时限")),
        "kind": "overdue" if overdue else "urgent" if urgent else o["status"],
    }


def map_orders(user: Any, flt: MapFilter | None = None) -> dict[str, Any]:
    """``{"places": [...], "unplaced": [...], "counts": {...}, "truncated": bool}`` for the map's JSON.

    One query: the open orders in the user's scope with their room's coordinates as subqueries.
    """
    flt = flt or MapFilter()
    rooms = StandardAddress.objects.filter(address_id=OuterRef("address_id"))
    orders = WorkOrder.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    if flt.committee_id:
        orders = orders.filter(committee_id=flt.committee_id)
    if flt.urgent_only:
        orders = orders.filter(priority=OrderPriority.URGENT)
    rows = list(
        orders.annotate(lng=Subquery(rooms.values("lng")[:1]), lat=Subquery(rooms.values("lat")[:1]))
        .order_by("-priority", "accept_due", "pk")
        .values("pk", "order_id", "order_type", "priority", "status", "name", "address_label", "accept_due",
                "result_due", "committee__name", "lng", "lat")[:MAP_MAX_ORDERS + 1]
    )
    truncated = len(rows) > MAP_MAX_ORDERS
    rows = rows[:MAP_MAX_ORDERS]
    now = timezone.now()
    places: dict[tuple[float, float], dict[str, Any]] = {}
    unplaced: list[dict[str, Any]] = []
    counts = {"open": len(rows), "overdue": 0, "urgent": 0, "placed": 0}
    for row in rows:
        point = _point(row, now)
        counts["overdue"] += point["overdue"]
        counts["urgent"] += point["urgent"]
        lng, lat = row["lng"], row["lat"]
        if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
            unplaced.append(point)
            continue
        counts["placed"] += 1
        place = places.setdefault((round(lat, 6), round(lng, 6)), {"lat": lat, "lng": lng, "orders": []})
        place["orders"].append(point)
    for place in places.values():
        place["kind"] = min((o["kind"] for o in place["orders"]), key=lambda k: _RANK.get(k, 9))
        place["label"] = place["orders"][0]["address"]
    return {"places": list(places.values()), "unplaced": unplaced, "counts": counts, "truncated": truncated}


def map_center(user: Any, flt: MapFilter | None = None) -> tuple[float, float] | None:
    """Where to look when there is nothing to fit: the middle of the scope's rooms (any order's
    room, else the committee's rooms). ``None``: no room with coordinates at all."""
    from fangkong.orgs.scoping import scope_of

    scope = scope_of(user)
    rooms = StandardAddress.objects.exclude(Q(lng__isnull=True) | Q(lat__isnull=True))
    committee_id = (flt.committee_id if flt else None) or scope.committee_id
    if committee_id:
        rooms = rooms.filter(committee_id=committee_id)
    elif scope.town_id:
        rooms = rooms.filter(committee__town_id=scope.town_id)
    room = rooms.order_by("pk").values(x=F("lng"), y=F("lat")).first()
    return (room["y"], room["x"]) if room else None
