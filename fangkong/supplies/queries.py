"""Reads for supplies: request lists per level with filters, and stock balances and ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from fangkong.orgs.scoping import scope_of

from .models import RequestLine, Status, Stock, StockMove, SupplyRequest, Urgency, holder_lookup


@dataclass(frozen=True)
class Filters:
    status: str = ""
    urgency: str = ""
    town: int | None = None
    box: str = ""  # "todo": waiting for me to commit/send; "mine": my unit's own requests

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "urgency": self.urgency, "town": self.town, "box": self.box}


def requests_for(user: Any, filters: Filters = Filters()) -> QuerySet[SupplyRequest]:
    scope = scope_of(user)
    qs = SupplyRequest.objects.visible_to(user)
    if filters.status in Status.values:
        qs = qs.filter(status=filters.status)
    if filters.urgency in Urgency.values:
        qs = qs.filter(urgency=filters.urgency)
    if filters.town and scope.level == "district":
        qs = qs.filter(town_id=filters.town)
    if filters.box == "todo":
        todo = Q(status__in=[Status.REQUESTED, Status.COMMITTED])
        if scope.level == "town":
            qs = qs.filter(todo, committee__isnull=False)
        elif scope.level == "district":
            qs = qs.filter(todo, committee__isnull=True)
        else:
            qs = qs.filter(status=Status.SENT)  # a committee's to-do: sign for what was sent
    elif filters.box == "mine":
        mine: dict[str, Any] = {"committee_id": scope.committee_id} if scope.level == "committee" else {"committee__isnull": True}
        qs = qs.filter(**mine)
        if scope.level == "district":
            qs = qs.none()
    return qs.select_related("town", "committee", "requested_by").prefetch_related(
        Prefetch("lines", queryset=RequestLine.objects.select_related("item")))


def request_detail(user: Any, pk: int) -> SupplyRequest:
    """Raises SupplyRequest.DoesNotExist outside the user's scope (the view turns it into 404)."""
    return (SupplyRequest.objects.visible_to(user)
            .select_related("town", "committee", "requested_by", "decided_by", "sent_by", "received_by", "parent")
            .prefetch_related(Prefetch("lines", queryset=RequestLine.objects.select_related("item")), "forwards")
            .get(pk=pk))


def own_balances(user: Any, holder: tuple[int, int | None, int | None]) -> QuerySet[Stock]:
    return (Stock.objects.visible_to(user).filter(**holder_lookup(holder))
            .select_related("item").order_by("item__sort", "item__name"))


def below_balances(user: Any) -> QuerySet[Stock]:
    """The stock of the levels under the user's (a town's committees; the district's towns and committees)."""
    scope = scope_of(user)
    qs = Stock.objects.visible_to(user).filter(balance__gt=0).select_related("item", "town", "committee")
    if scope.level == "town":
        return qs.filter(committee__isnull=False).order_by("committee__code", "item__sort")
    if scope.level == "district":
        return qs.filter(town__isnull=False).order_by("town__code", "committee__code", "item__sort")
    return qs.none()


def own_moves(user: Any, holder: tuple[int, int | None, int | None], limit: int = 50) -> list[StockMove]:
    return list(StockMove.objects.visible_to(user)
                .filter(**holder_lookup(holder))
                .select_related("item", "actor", "request")[:limit])
