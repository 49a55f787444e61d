"""Residents who gave an e-mail address also get the review decisions by e-mail (the SMS goes
out as well); those who did not get none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.booking import workflow
from fangkong.booking.models import Booking
from fangkong.core.messaging import render_email
from fangkong.core.models import Channel, OutboundMessage
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_email(open_round, rooms) -> Booking:  # type: ignore[no-untyped-def]
    booking = book(open_round, rooms["qihe_101"])
    Booking.objects.filter(pk=booking.pk).update(email="wang@example.com")
    return booking


def _emails(template: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(channel=Channel.EMAIL, template=template))


def test_a_rejection_is_e_mailed_with_the_reason_and_the_workers_note(worker, with_email) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_reject(actor=worker, booking_id=with_email.pk, reason_code="other", note="地址不在本社区")
    (message,) = _emails("booking_rejected")
    subject, body = render_email(message.template, message.variables)
    assert message.recipient == "wang@example.com"
    assert "未通过审核" in subject and with_email.booking_no in subject
    assert "原因：其他" in body and "说明：地址不在本社区" in body and "王小明" not in body


def test_a_hold_is_e_mailed_with_the_follow_up_date(worker, with_email) -> None:  # type: ignore[no-untyped-def]
    day = timezone.localdate() + timedelta(days=2)
    workflow.booking_hold(actor=worker, booking_id=with_email.pk, reason_code="id_mismatch", follow_up_on=day)
    (message,) = _emails("booking_on_hold")
    _, body = render_email(message.template, message.variables)
    assert f"将于{day.month}月{day.day}日前与您联系" in body and "证件信息有误" in body


def test_no_e_mail_without_an_address(worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    booking = book(open_round, rooms["qihe_101"])
    workflow.booking_reject(actor=worker, booking_id=booking.pk, reason_code="not_resident")
    assert not OutboundMessage.objects.filter(channel=Channel.EMAIL).exists()
    assert OutboundMessage.objects.filter(channel=Channel.SMS, template="booking_rejected").count() == 1


def test_not_drawn_in_the_lottery_is_e_mailed_with_the_public_draw_page(district_officer, pudong, masks, rooms) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.allocation import round_allocate
    from fangkong.booking.models import Allocation, BookingStatus, RoundStatus
    from fangkong.booking.services import round_create, round_set_status

    now = timezone.now()
    round_ = round_create(
        actor=district_officer, district=pudong, goods=masks, number=7, allocation=Allocation.LOTTERY,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), per_household_limit=20,
        committee_quota=1, status=RoundStatus.OPEN,
    )
    bookings = [book(round_, rooms["qihe_101"], phone=f"1381234{i:04d}") for i in range(3)]
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(email="family@example.com")
    round_set_status(actor=district_officer, round_=round_, status=RoundStatus.CLOSED)
    round_allocate(actor=district_officer, round_=round_)

    losers = Booking.objects.filter(round=round_, status=BookingStatus.NOT_ALLOCATED)
    emails = _emails("booking_not_allocated")
    assert sorted(m.variables["booking_no"] for m in emails) == sorted(b.booking_no for b in losers)
    _, body = render_email(emails[0].template, emails[0].variables)
    assert f"/r/{round_.pk}/lottery/" in body and "未中签" in body
