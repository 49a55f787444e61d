"""Approving a booking issues its voucher: point, window, SMS, email, status; or waits for stock."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from fangkong.booking import workflow
from fangkong.booking.models import Booking, BookingStatus
from fangkong.core.messaging import render_email, render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.pickup.codes import ALPHABET
from fangkong.pickup.models import PickupStock, Voucher
from fangkong.pickup.services import stock_set
from fangkong.pickup.windows import pickup_window, window_label
from tests.booking.helpers import book
from tests.pickup.conftest import give_stock, make_point

pytestmark = pytest.mark.django_db
S = BookingStatus


def test_approval_issues_a_voucher_and_notifies(approved, pharmacy) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    assert approved.status == S.NOTIFIED
    assert voucher.point == pharmacy and voucher.quantity == approved.quantity
    assert len(voucher.code) == 8 and set(voucher.code) <= set(ALPHABET)
    assert PickupStock.objects.get(point=pharmacy).issued == approved.quantity
    moves = list(AuditEvent.objects.filter(action="booking.status", object_id=approved.booking_no).order_by("id"))
    assert [(e.detail["from"], e.detail["to"]) for e in moves] == [("pending", "approved"), ("approved", "notified")]
    assert AuditEvent.objects.filter(action="voucher.issue", object_id=approved.booking_no).count() == 1


def test_voucher_sms_has_code_point_and_window_and_no_full_name(approved, pharmacy) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    (message,) = OutboundMessage.objects.filter(recipient=approved.phone, template="voucher_issued")
    text = render_message(message.template, message.variables)
    assert text.startswith("【浦东防控】王**，您的口罩购买凭证已生成，领取码 ")
    assert voucher.code_display in text and pharmacy.name in text and pharmacy.address in text
    assert window_label(voucher.window_start, voucher.window_end) in text
    assert "王小明" not in text and approved.id_number not in text
    assert message.idempotency_key == f"voucher_issued:{approved.booking_no}"
    assert not OutboundMessage.objects.filter(template="booking_approved").exists()


def test_voucher_email_when_the_booking_has_one(open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, pharmacy, 10)
    booking = book(open_round, rooms["qihe_101"])
    Booking.objects.filter(pk=booking.pk).update(email="wang@example.com")
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    (message,) = OutboundMessage.objects.filter(channel="email", template="voucher_issued")
    subject, body = render_email(message.template, message.variables)
    voucher = Voucher.objects.get(booking=booking)
    assert message.recipient == "wang@example.com"
    assert voucher.code_display in subject
    assert pharmacy.address in body and "/v/" in body and booking.id_number not in body


def test_no_email_without_an_address(approved) -> None:  # type: ignore[no-untyped-def]
    assert not OutboundMessage.objects.filter(channel="email").exists()


def test_the_committees_own_point_comes_first(open_round, rooms, worker, pharmacy, qihe_office) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, pharmacy, 500)
    give_stock(open_round, qihe_office, 5)
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    assert Voucher.objects.get(booking=booking).point == qihe_office


def test_without_own_stock_the_town_point_with_most_left(open_round, rooms, outsider, pharmacy, qihe_office) -> None:  # type: ignore[no-untyped-def]
    small = make_point("T04", "小药房")
    give_stock(open_round, small, 20)
    give_stock(open_round, pharmacy, 50)
    give_stock(open_round, qihe_office, 500)  # 齐河第二社区's office: 上南一村 residents go elsewhere first
    booking = book(open_round, rooms["shangnan"])
    workflow.booking_approve(actor=outsider, booking_id=booking.pk)
    assert Voucher.objects.get(booking=booking).point == qihe_office  # most left in the town
    PickupStock.objects.filter(point=qihe_office).update(quantity=F_issued())
    second = book(open_round, rooms["shangnan"], name="孙二")
    workflow.booking_approve(actor=outsider, booking_id=second.pk)
    assert Voucher.objects.get(booking=second).point == pharmacy


def F_issued():  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F("issued")


def test_points_of_another_town_are_never_assigned(open_round, rooms, worker, shanggang_pharmacy) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, shanggang_pharmacy, 100)
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED
    assert not Voucher.objects.exists()


def test_without_stock_the_approval_waits_with_the_approved_sms(open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, pharmacy, 0)
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED
    (message,) = OutboundMessage.objects.filter(template="booking_approved")
    assert "领取时间和地点将另行短信通知" in render_message(message.template, message.variables)
    assert not Voucher.objects.exists()


def test_entering_stock_issues_the_waiting_vouchers_in_approval_order(open_round, rooms, worker, town_officer, pharmacy) -> None:  # type: ignore[no-untyped-def]
    first, second, third = (book(open_round, rooms["qihe_101"], name=n) for n in ("王一", "王二", "王三"))
    for b in (second, first, third):
        workflow.booking_approve(actor=worker, booking_id=b.pk)
    q = first.quantity  # stock counts the goods' units (口罩: 只), a voucher takes its booking's quantity
    stock, issued = stock_set(actor=town_officer, round_=open_round, point_id=pharmacy.pk, quantity=2 * q + 1)
    assert issued == 2 and stock.quantity == 2 * q + 1
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert (statuses[second.pk], statuses[first.pk], statuses[third.pk]) == (S.NOTIFIED, S.NOTIFIED, S.APPROVED)
    assert OutboundMessage.objects.filter(template="voucher_issued").count() == 2
    assert PickupStock.objects.get(pk=stock.pk).issued == 2 * q


def test_stock_cannot_go_below_what_vouchers_hold(approved, open_round, town_officer, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from fangkong.pickup.services import StockError

    with pytest.raises(StockError, match=f"已发出 {approved.quantity} 份凭证，库存不能少于 {approved.quantity}。"):
        stock_set(actor=town_officer, round_=open_round, point_id=pharmacy.pk, quantity=0)


def test_another_towns_officer_cannot_set_stock(open_round, other_town_officer, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from fangkong.pickup.services import StockError

    with pytest.raises(StockError, match="没有找到该领取点"):
        stock_set(actor=other_town_officer, round_=open_round, point_id=pharmacy.pk, quantity=10)


def test_stock_is_never_overbooked(open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    bookings = [book(open_round, rooms["qihe_101"], name=f"王{i}") for i in range(4)]
    q = bookings[0].quantity
    give_stock(open_round, pharmacy, 2 * q + q - 1)  # room for two vouchers, not three
    for b in bookings:
        workflow.booking_approve(actor=worker, booking_id=b.pk)
    assert Voucher.objects.count() == 2
    assert Booking.objects.filter(status=S.APPROVED).count() == 2
    stock = PickupStock.objects.get(point=pharmacy)
    assert (stock.quantity, stock.issued) == (3 * q - 1, 2 * q)


def test_approve_in_order_issues_vouchers_too(open_round, rooms, worker, committees, pharmacy) -> None:  # type: ignore[no-untyped-def]
    give_stock(open_round, pharmacy, 10)
    for n in ("王一", "王二"):
        book(open_round, rooms["qihe_101"], name=n)
    outcome = workflow.booking_approve_in_order(actor=worker, round_=open_round, committee=committees["T04C027"])
    assert len(outcome.approved) == 2
    assert Voucher.objects.count() == 2 and Booking.objects.filter(status=S.NOTIFIED).count() == 2


def test_approve_selected_on_the_desk_issues_vouchers(client, open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    give_stock(open_round, pharmacy, 10)
    a, b = (book(open_round, rooms["qihe_101"], name=n) for n in ("王一", "王二"))
    client.force_login(worker)
    client.post(reverse("desk:bulk_approve", args=[open_round.pk]), {"ids": [a.pk, b.pk]})
    assert set(Voucher.objects.values_list("booking_id", flat=True)) == {a.pk, b.pk}


def test_window_starts_the_next_working_day_and_lasts_three_working_days() -> None:
    tz = timezone.get_default_timezone()
    friday = datetime(2025, 9, 26, 15, 0, tzinfo=tz)  # Sunday 28 Sep is a 调休 working day, then 国庆 from 1 Oct
    start, end = pickup_window(friday, 3)
    assert timezone.localtime(start).date().isoformat() == "2025-09-28"
    assert timezone.localtime(end).date().isoformat() == "2025-10-01"  # 28, 29, 30 Sep
    assert window_label(start, end) == "9月28日至9月30日"


def test_window_length_is_a_per_round_setting(open_round, rooms, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from fangkong.pickup.models import RoundPickupSetting

    RoundPickupSetting.objects.create(round=open_round, window_days=1)
    give_stock(open_round, pharmacy, 10)
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    voucher = Voucher.objects.get(booking=booking)
    assert (voucher.window_end - voucher.window_start).days == 1


def test_without_an_own_point_the_nearest_point_with_stock_is_chosen(open_round, rooms, outsider, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from fangkong.addresses.models import StandardAddress

    StandardAddress.objects.filter(pk=rooms["shangnan"].pk).update(lng=121.4900, lat=31.1800)
    near = make_point("T04", "上南路药房")
    type(near).objects.filter(pk=near.pk).update(lng="121.491000", lat="31.181000")   # ~150 m away
    type(pharmacy).objects.filter(pk=pharmacy.pk).update(lng="121.520000", lat="31.150000")  # ~4 km away
    unplaced = make_point("T04", "没有坐标的药房")
    give_stock(open_round, near, 10)
    give_stock(open_round, pharmacy, 500)
    give_stock(open_round, unplaced, 900)
    booking = book(open_round, rooms["shangnan"])
    workflow.booking_approve(actor=outsider, booking_id=booking.pk)
    assert Voucher.objects.get(booking=booking).point == near  # nearest, though it has least left
    PickupStock.objects.filter(point=near).update(quantity=F_issued())
    second = book(open_round, rooms["shangnan"], name="孙二")
    workflow.booking_approve(actor=outsider, booking_id=second.pk)
    assert Voucher.objects.get(booking=second).point == pharmacy  # next nearest; the unplaced point comes last
