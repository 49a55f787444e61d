"""The on-site result: outcomes, the photo's checks, and the home observation it may open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.core.errors import UserError
from fangkong.screening.models import (
    CheckStatus,
    HomeObservation,
    ObservationCheck,
    OrderStatus,
    ReturnReason,
)
from fangkong.screening.observation import observations_tick
from fangkong.screening.services import check_record, order_report

from .conftest import make_order

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def checking(committee, **kw):  # type: ignore[no-untyped-def]
    return make_order(committee, status=OrderStatus.IN_PROGRESS, **kw)


def test_at_home_on_a_home_check_opens_fourteen_days_of_observation(committees, worker):  # type: ignore[no-untyped-def]
    order = checking(committees["T04C027"])
    order_report(actor=worker, order=order, outcome="home_observation")
    observation = HomeObservation.objects.get(order=order)
    assert (observation.end_date - observation.start_date).days == 13
    assert list(observation.checks.values_list("day", flat=True)) == [timezone.localdate()]


def test_at_home_on_a_hotline_check_opens_no_observation(committees, worker):  # type: ignore[no-untyped-def]
    order_report(actor=worker, order=checking(committees["T04C027"], order_type="hotline_check"),
                 outcome="home_observation")
    assert not HomeObservation.objects.exists()


def test_wrong_address_returns_the_order_to_the_town(committees, worker):  # type: ignore[no-untyped-def]
    order = checking(committees["T04C027"])
    order_report(actor=worker, order=order, outcome="wrong_address", note="查无此人")
    order.refresh_from_db()
    assert (order.status, order.committee) == (OrderStatus.PENDING_DISPATCH, None)
    assert order.events.last().reason == ReturnReason.WRONG_ADDRESS


def test_a_photo_is_kept_with_the_result(committees, worker):  # type: ignore[no-untyped-def]
    order = checking(committees["T04C027"])
    order_report(actor=worker, order=order, outcome="not_home", photo=SimpleUploadedFile("door.png", PNG, "image/png"))
    order.refresh_from_db()
    assert order.photo.name.endswith(".png") and order.visited_at is not None


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"%PDF-1.4", "照片只能是"),
    ("fake.jpg", b"not really a jpeg", "不是图片"),
    ("huge.png", PNG + b"\0" * (8 * 1024 * 1024), "不能超过8MB"),
])
def test_a_bad_photo_is_refused_in_chinese(committees, worker, name, content, message):  # type: ignore[no-untyped-def]
    order = checking(committees["T04C027"])
    with pytest.raises(UserError, match=message):
        order_report(actor=worker, order=order, outcome="not_home", photo=SimpleUploadedFile(name, content))
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS


def test_the_daily_tick_adds_one_check_a_day_and_stops_after_the_last(committees, worker):  # type: ignore[no-untyped-def]
    order = checking(committees["T04C027"])
    order_report(actor=worker, order=order, outcome="home_observation")
    observation = HomeObservation.objects.get()
    start = observation.start_date
    for day in range(1, 16):
        observations_tick(today=start + timedelta(days=day))
        observations_tick(today=start + timedelta(days=day))  # twice a day: nothing doubles
    observation.refresh_from_db()
    assert observation.checks.count() == 14
    assert observation.status == "ended"
    assert observation.checks.filter(status=CheckStatus.MISSED).count() == 14  # nobody recorded any


def test_the_committee_records_todays_check(committees, worker, outsider):  # type: ignore[no-untyped-def]
    order_report(actor=worker, order=checking(committees["T04C027"]), outcome="home_observation")
    check = ObservationCheck.objects.get()
    with pytest.raises(UserError):
        check_record(actor=outsider, check=check, temperature=36.6, symptoms=False)
    check_record(actor=worker, check=check, temperature=36.6, symptoms=False, note="体温正常")
    check.refresh_from_db()
    assert check.status == CheckStatus.DONE and check.done_by == worker
