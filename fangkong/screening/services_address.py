"""Screening's side of the address review queue (``fangkong.addresses.sources``).

An order the pipeline could not place on a committee waits at its town (待派单) with the
pipeline's address candidates. When it is imported, its address text goes to the town's
地址复核 queue too (``orders_request_address_reviews``, in the import's transaction), with those
candidates; the matcher looks it up first (a text the town confirmed before routes at once).

When the matcher or a town officer places the address, ``order_set_address`` routes the order
as 派单 from the order page does: 待派单 → 待签收, an ``OrderEvent`` and an audit row, the
committee's workers told by SMS, and the room stored on the order. A person may only route
where the order page would let them (a town to its own committees): otherwise the confirmation
is refused with the reason. A rejected item leaves the order at the town.

An order routed, transferred or dismissed by hand first closes its item (``services.py``); if an
item is resolved after all (a race, the matcher, the same text confirmed on another item), the
order is left where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.addresses.models import AddressReview, StandardAddress
from fangkong.addresses.services_review import address_review_request
from fangkong.addresses.sources import ROUTED, Resolution, SourceRefused
from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee

from .models import OrderStatus, WorkOrder
from .services import REVIEW_SOURCE, check_route_target, notify_routed, route_move

SOURCE = REVIEW_SOURCE


def needs_address_review(order: WorkOrder) -> bool:
    """At a town, on no committee, with an address to read."""
    return (order.status == OrderStatus.PENDING_DISPATCH and order.committee_id is None and order.town_id is not None
            and bool(order.address_label.strip()))


def review_candidates(order: WorkOrder, committees: dict[int, Committee]) -> list[dict[str, Any]]:
    """The pipeline's candidates of the order (committee codes resolved at import) in the form
    ``AddressReview.candidates`` keeps; ones outside the district's committees are left out."""
    out: list[dict[str, Any]] = []
    for c in order.candidates or []:
        committee = committees.get(c.get("committee_id") or 0)
        if committee is None:
            continue
        out.append({
            "address_id": str(c.get("address_id") or ""), "label": str(c.get("label") or ""),
            "committee_id": committee.pk, "committee": committee.name, "town_id": committee.town_id,
            "town": committee.town.name, "score": c.get("score", ""), "level": c.get("level", ""),
        })
    return out


def orders_request_address_reviews(orders: Sequence[WorkOrder]) -> int:
    """Queue the address of each order that needs a person (call in the import's transaction);
    return how many were queued. Asking again for an order returns its first item."""
    waiting = [o for o in orders if needs_address_review(o)]
    if not waiting:
        return 0
    ids = {c.get("committee_id") for o in waiting for c in (o.candidates or []) if c.get("committee_id")}
    committees = Committee.objects.select_related("town").in_bulk(ids)
    for order in waiting:
        assert order.town_id is not None
        address_review_request(
            source=SOURCE, source_ref=str(order.pk), text=order.address_label, district_id=order.district_id,
            town_id=order.town_id, source_label=order.order_id, candidates=review_candidates(order, committees),
        )
    return len(waiting)


@transaction.atomic
def order_set_address(
    *,
    order_id: int,
    committee: Committee,
    address: StandardAddress | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> WorkOrder | None:
    """Route an order still waiting at its town to ``committee`` (with the room when known);
    return it, or None when it was routed or closed meanwhile (it is left as it is). The matcher
    (``actor`` None) may place it on any committee of the district, as the pipeline would."""
    order = WorkOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise SourceRefused(_("该工单已不存在。"))
    if order.status != OrderStatus.PENDING_DISPATCH or order.committee_id is not None:
        return None
    if actor is None:
        if committee.district_id != order.district_id:
            raise SourceRefused(_("该地址不在本区，不能派单。"))
    else:
        try:
            check_route_target(actor, order, committee)
        except UserError as exc:
            raise SourceRefused(exc.message) from None
    route_move(
        order, committee, actor=actor, address_id=address.address_id if address else "",
        address_label=address.label if address else "", note=f"{committee.name}（地址复核）", request=request,
    )
    notify_routed([order], committee)
    return order


def on_address_resolved(resolution: Resolution) -> None:
    """The review queue's callback: routed → 派单; rejected → the order stays at the town (待派单),
    where the town routes it by hand or dismisses it."""
    if resolution.outcome != ROUTED or resolution.committee is None:
        return
    order_set_address(
        order_id=int(resolution.review.source_ref), committee=resolution.committee, address=resolution.address,
        actor=resolution.actor, request=resolution.request,
    )


def review_link(review: AddressReview) -> str:
    return reverse("screening:order", args=[int(review.source_ref)])
