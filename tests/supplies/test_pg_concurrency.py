"""On PostgreSQL, with real concurrent transactions: two officers clicking 发出 at once ship
once, and two sends racing for the last stock never take it below zero."""

from __future__ import annotations

import pytest

from fangkong.core.errors import UserError
from fangkong.supplies.models import Stock, StockMove, SupplyRequest, holder_lookup
from fangkong.supplies.services import (
    holder_of,
    request_commit,
    request_create,
    request_send,
    stock_add,
)
from tests.booking.helpers import run_concurrently
from tests.conftest import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.django_db(transaction=True)]


def _send(officer, pk: int) -> str:  # type: ignore[no-untyped-def]
    try:
        request_send(actor=officer, request=SupplyRequest.objects.get(pk=pk), sent={})
    except UserError:
        return "refused"
    return "sent"


def test_two_clicks_at_once_ship_once(town_officer, worker, masks_item):  # type: ignore[no-untyped-def]
    stock_add(actor=town_officer, item=masks_item, quantity=100)
    r = request_create(actor=worker, quantities={masks_item: 60}, urgency="normal", reason="采样点")
    request_commit(actor=town_officer, request=r, approved={})
    assert sorted(run_concurrently(4, lambda i: _send(town_officer, r.pk))) == ["refused"] * 3 + ["sent"]
    assert StockMove.objects.filter(kind="send").count() == 1


def test_racing_sends_never_take_stock_below_zero(town_officer, worker, outsider, masks_item):  # type: ignore[no-untyped-def]
    stock_add(actor=town_officer, item=masks_item, quantity=100)
    requests = []
    for who in (worker, outsider, worker, outsider):
        r = request_create(actor=who, quantities={masks_item: 40}, urgency="normal", reason="采样点")
        request_commit(actor=town_officer, request=r, approved={})
        requests.append(r.pk)
    outcomes = run_concurrently(4, lambda i: _send(town_officer, requests[i]))
    assert sorted(outcomes) == ["refused", "refused", "sent", "sent"]
    assert Stock.objects.get(**holder_lookup(holder_of(town_officer)), item=masks_item).balance == 20
    assert SupplyRequest.objects.filter(status="sent").count() == 2
