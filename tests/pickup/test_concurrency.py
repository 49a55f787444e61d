"""Under concurrency on PostgreSQL: a voucher is redeemed exactly once, stock never oversold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.booking import workflow
from fangkong.booking.models import Booking, BookingStatus
from fangkong.core.models import AuditEvent
from fangkong.pickup.models import PickupStock, Redemption, Voucher
from fangkong.pickup.services import RedeemError, voucher_redeem
from tests.booking.helpers import book, run_concurrently
from tests.conftest import needs_postgres
from tests.pickup.conftest import give_stock

pytestmark = [needs_postgres(), pytest.mark.django_db(transaction=True)]


def _open_window() -> None:
    now = timezone.now()
    Voucher.objects.update(window_start=now - timedelta(hours=1), window_end=now + timedelta(days=1))


def test_twenty_clerks_scanning_one_voucher_redeem_it_once(open_round, rooms, worker, clerk, pharmacy) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, pharmacy, 100)
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    _open_window()
    voucher = Voucher.objects.get(booking=booking)

    def scan(_: int) -> str:
        try:
            voucher_redeem(actor=clerk, voucher_id=voucher.pk, point_id=pharmacy.pk)
        except RedeemError as exc:
            return exc.code
        return "redeemed"

    outcomes = run_concurrently(20, scan)
    assert outcomes.count("redeemed") == 1
    assert outcomes.count("already_redeemed") == 19
    assert Redemption.objects.count() == 1
    assert PickupStock.objects.get(point=pharmacy).redeemed == booking.quantity
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REDEEMED
    assert AuditEvent.objects.filter(action="booking.status", detail__to="redeemed").count() == 1


def test_concurrent_approvals_never_overbook_a_point(open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 100
    open_round.save()
    bookings = [book(open_round, rooms["qihe_101"], name=f"王{i}") for i in range(12)]
    q = bookings[0].quantity
    give_stock(open_round, pharmacy, 5 * q)

    def approve(i: int) -> str:
        try:
            workflow.booking_approve(actor=worker, booking_id=bookings[i].pk)
        except workflow.TransitionError as exc:
            return exc.code
        return "ok"

    outcomes = run_concurrently(12, approve)
    assert outcomes.count("ok") == 12  # every approval stands; 7 wait for stock as 已通过
    assert Voucher.objects.count() == 5
    assert PickupStock.objects.get(point=pharmacy).issued == 5 * q
    assert Booking.objects.filter(status=BookingStatus.NOTIFIED).count() == 5
    assert Booking.objects.filter(status=BookingStatus.APPROVED).count() == 7
