"""The expiry job: 已通知 past the window → 逾期未领, stock released, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fangkong.booking.models import Booking, BookingStatus
from fangkong.core.messaging import render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.pickup.models import PickupStock, Voucher
from fangkong.pickup.services import booking_expire_overdue

pytestmark = pytest.mark.django_db
S = BookingStatus


def test_overdue_vouchers_expire_once_and_give_stock_back(approved, pharmacy) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    after = voucher.window_end + timedelta(minutes=1)
    assert booking_expire_overdue(now=after) == 1
    assert Booking.objects.get(pk=approved.pk).status == S.EXPIRED
    assert PickupStock.objects.get(point=pharmacy).issued == 0
    audits = AuditEvent.objects.count()
    assert booking_expire_overdue(now=after + timedelta(hours=1)) == 0  # the second run changes nothing
    assert AuditEvent.objects.count() == audits
    assert PickupStock.objects.get(point=pharmacy).issued == 0
    (sms,) = OutboundMessage.objects.filter(template="voucher_expired")  # once, whatever the runs
    assert sms.idempotency_key == f"voucher_expired:{approved.booking_no}"
    text = render_message(sms.template, sms.variables)
    assert "已过领取期限" in text and voucher.code_display in text and "王**" in text
    move = AuditEvent.objects.get(action="booking.status", detail__to="expired")
    assert move.actor is None and move.actor_label == "居民/匿名" and move.detail["note"] == "voucher_window_ended"


def test_vouchers_inside_their_window_stay(approved) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    assert booking_expire_overdue(now=voucher.window_end - timedelta(seconds=1)) == 0
    assert Booking.objects.get(pk=approved.pk).status == S.NOTIFIED


def test_redeemed_vouchers_never_expire(approved, clerk) -> None:  # type: ignore[no-untyped-def]
    from fangkong.pickup.services import voucher_redeem

    voucher = Voucher.objects.get(booking=approved)
    voucher_redeem(actor=clerk, voucher_id=voucher.pk, point_id=voucher.point_id, now=voucher.window_start)
    assert booking_expire_overdue(now=voucher.window_end + timedelta(days=1)) == 0
    assert Booking.objects.get(pk=approved.pk).status == S.REDEEMED


def test_the_worker_maintenance_pass_runs_it(approved, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from fangkong.core.management.commands import run_worker

    voucher = Voucher.objects.get(booking=approved)
    monkeypatch.setattr(timezone, "now", lambda: voucher.window_end + timedelta(minutes=5))
    monkeypatch.setattr(run_worker, "close_old_connections", lambda: None)  # keep the test's transaction
    sleeps = iter([None])

    def sleep(_seconds: float) -> None:
        next(sleeps)  # the first pass runs, the second sleep ends the loop

    monkeypatch.setattr(run_worker.time, "sleep", sleep)
    with pytest.raises(StopIteration):
        run_worker.maintenance_loop(0)
    assert Booking.objects.get(pk=approved.pk).status == S.EXPIRED


def test_a_voided_vouchers_stock_is_released_once(approved, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.workflow import booking_transition

    booking_transition(actor=worker, booking_id=approved.pk, to_status=S.VOIDED, note="重复领取")
    assert PickupStock.objects.get(point=pharmacy).issued == approved.quantity
    assert booking_expire_overdue() == 0
    assert PickupStock.objects.get(point=pharmacy).issued == 0
    booking_expire_overdue()
    assert PickupStock.objects.get(point=pharmacy).issued == 0
    assert Voucher.objects.get(booking=approved).released_at is not None
