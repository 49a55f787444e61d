"""The desk's one-click actions: with htmx (the row is swapped) and without JavaScript (POST,
redirect, message); bulk approval; the phone button; overdue flags; the decision history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.booking.models import Booking, BookingSource, BookingStatus, RoundUnit
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db
S = BookingStatus
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def booking(open_round, rooms) -> Booking:  # type: ignore[no-untyped-def]
    return book(open_round, rooms["qihe_101"])


@pytest.fixture
def desk(client, worker):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    return client


def decide(client, booking, decision, **data):  # type: ignore[no-untyped-def]
    url = reverse("desk:booking_decide", args=[booking.pk])
    return client.post(url, {"decision": decision, "next": f"/desk/rounds/{booking.round_id}/", **data}, **data.pop("headers", {}))


def test_pending_rows_have_one_click_buttons_and_a_phone_link(desk, open_round, booking) -> None:  # type: ignore[no-untyped-def]
    html = desk.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert f'id="booking-{booking.pk}"' in html
    assert f'hx-post="/desk/bookings/{booking.pk}/decide/"' in html and f'action="/desk/bookings/{booking.pk}/decide/"' in html
    for text in ["通过", "不通过", "待定", "确认不通过", "跟进日期", "非本辖区居民", "证件信息有误", "重复预约", "超出限购", "其他"]:
        assert text in html, text
    assert f'href="/desk/bookings/{booking.pk}/call/"' in html
    assert booking.phone not in html  # the phone button dials through an audited redirect


def test_approve_without_javascript_redirects_back_with_a_message(desk, open_round, booking) -> None:  # type: ignore[no-untyped-def]
    response = decide(desk, booking, "approve")
    assert response.status_code == 302 and response["Location"] == f"/desk/rounds/{open_round.pk}/"
    page = desk.get(response["Location"] + "?status=").content.decode()
    assert f"预约 {booking.booking_no}：已通过" in page
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)
    assert OutboundMessage.objects.filter(template="booking_approved").count() == 1


def test_approve_with_htmx_returns_just_the_row(desk, booking) -> None:  # type: ignore[no-untyped-def]
    response = decide(desk, booking, "approve", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="booking-{booking.pk}">') and html.rstrip().endswith("</tr>")
    assert "badge-approved" in html and "确认不通过" not in html  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)


def test_reject_needs_a_reason_without_javascript(desk, booking) -> None:  # type: ignore[no-untyped-def]
    response = decide(desk, booking, "reject")
    assert "请选择原因。" in desk.get(response["Location"]).content.decode()
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_reject_needs_a_reason_with_htmx_shown_in_the_row(desk, booking) -> None:  # type: ignore[no-untyped-def]
    html = decide(desk, booking, "reject", reason_code="other", headers=HTMX).content.decode()
    assert "选择“其他”时请填写说明。" in html and "确认不通过" in html


def test_reject_with_a_reason(desk, booking) -> None:  # type: ignore[no-untyped-def]
    decide(desk, booking, "reject", reason_code="not_resident", note="户籍在外区")
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason_code, booking.decision_note) == (S.REJECTED, "not_resident", "户籍在外区")
    assert OutboundMessage.objects.filter(template="booking_rejected").count() == 1


def test_hold_with_a_reason_and_a_date(desk, booking) -> None:  # type: ignore[no-untyped-def]
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    decide(desk, booking, "hold", reason_code="id_mismatch", follow_up_on=day)
    booking.refresh_from_db()
    assert booking.status == S.ON_HOLD and booking.follow_up_on.isoformat() == day


def test_second_click_gets_a_clear_message(desk, booking) -> None:  # type: ignore[no-untyped-def]
    decide(desk, booking, "approve")
    html = decide(desk, booking, "approve", headers=HTMX).content.decode()
    assert f"预约 {booking.booking_no} 当前为“已通过”，不能改为“已通过”。" in html  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)
    assert OutboundMessage.objects.filter(template="booking_approved").count() == 1


def test_worker_of_another_committee_gets_404_and_changes_nothing(client, outsider, booking) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    assert decide(client, booking, "approve").status_code == 404
    assert decide(client, booking, "approve", headers=HTMX).status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_town_officer_acts_on_her_towns_booking(client, town_officer, booking) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    decide(client, booking, "approve")
    assert Booking.objects.get(pk=booking.pk).reviewed_by == town_officer


def test_an_unknown_decision_is_a_bad_request(desk, booking) -> None:  # type: ignore[no-untyped-def]
    assert decide(desk, booking, "delete").status_code == 400


def test_the_list_defaults_to_pending_oldest_first_and_all_shows_the_rest(desk, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    first, second, third = (book(open_round, rooms["qihe_101"], name=n) for n in ("王一", "王二", "王三"))
    decide(desk, second, "approve")
    html = desk.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    rows = [f'id="booking-{b.pk}"' for b in (first, second, third)]
    assert rows[0] in html and rows[2] in html and rows[1] not in html
    assert html.index(rows[0]) < html.index(rows[2])
    assert rows[1] in desk.get(f"/desk/rounds/{open_round.pk}/?status=").content.decode()


def test_overdue_pending_bookings_carry_a_red_badge(desk, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    late, fresh = book(open_round, rooms["qihe_101"], name="王迟"), book(open_round, rooms["qihe_101"], name="王新")
    Booking.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=10))
    html = desk.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    late_row = html[html.index(f'id="booking-{late.pk}"'):html.index(f'id="booking-{fresh.pk}"')]
    fresh_row = html[html.index(f'id="booking-{fresh.pk}"'):]
    assert "badge-overdue" in late_row and "超时未审" in late_row
    assert "badge-overdue" not in fresh_row.split("</tr>")[0]


def test_town_view_counts_overdue_per_committee(client, town_officer, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    late = [book(open_round, rooms["qihe_101"], name=f"王{n}") for n in range(2)] + [book(open_round, rooms["shangnan"])]
    book(open_round, rooms["qihe_102"])  # on time
    Booking.objects.filter(pk__in=[b.pk for b in late]).update(created_at=timezone.now() - timedelta(days=10))
    client.force_login(town_officer)
    html = client.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert "超时未审" in html
    qihe = html[html.index("齐河第二社区"):].split("</tr>")[0]
    assert '<span class="badge badge-overdue">2</span>' in qihe


def test_district_view_counts_overdue_per_town(client, district_officer, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    late = [book(open_round, rooms["qihe_101"], name="王迟"), book(open_round, rooms["shanggang"], name="李迟")]
    book(open_round, rooms["qihe_102"])  # on time
    Booking.objects.filter(pk__in=[b.pk for b in late]).update(created_at=timezone.now() - timedelta(days=10))
    client.force_login(district_officer)
    html = client.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    zhoujiadu = html[html.index(">周家渡街道<"):].split("</tr>")[0]
    assert '<span class="badge badge-overdue">1</span>' in zhoujiadu
    assert "超时未审<b>2</b>" in html.replace("\n", "").replace(" ", "")


def test_phone_button_is_audited_and_dials(desk, booking) -> None:  # type: ignore[no-untyped-def]
    response = desk.get(reverse("desk:booking_call", args=[booking.pk]))
    assert response.status_code == 302 and response["Location"] == f"tel:{booking.phone}"
    assert AuditEvent.objects.filter(action="booking.call", object_id=booking.booking_no).exists()


def test_detail_page_has_the_actions_and_the_decision_history(desk, booking) -> None:  # type: ignore[no-untyped-def]
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    decide(desk, booking, "hold", reason_code="id_mismatch", note="请带证件", follow_up_on=day)
    html = desk.get(f"/desk/bookings/{booking.pk}/").content.decode()
    assert "处理记录" in html and "待审核 → 待定" in html and "证件信息有误 请带证件" in html
    assert f'action="/desk/bookings/{booking.pk}/decide/"' in html and "hx-post" not in html.split("处理记录")[0].split("detail-actions")[1]
    decide(desk, booking, "approve")
    html = desk.get(f"/desk/bookings/{booking.pk}/").content.decode()
    assert "待定 → 已通过" in html  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)


def test_approve_selected(desk, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (book(open_round, rooms["qihe_101"], name=n) for n in ("王一", "王二", "王三"))
    url = reverse("desk:bulk_approve", args=[open_round.pk])
    response = desk.post(url, {"ids": [a.pk, c.pk], "next": f"/desk/rounds/{open_round.pk}/"}, follow=True)
    assert "已通过 2 条，0 条未能通过。" in response.content.decode()
    assert list(Booking.objects.order_by("seq").values_list("status", flat=True)) == [S.APPROVED, S.PENDING, S.APPROVED]


def test_approve_selected_ignores_another_committees_bookings(client, outsider, open_round, booking) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    response = client.post(reverse("desk:bulk_approve", args=[open_round.pk]), {"ids": [booking.pk]}, follow=True)
    assert "已通过 0 条，1 条未能通过。" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_approve_in_order_up_to_the_quota_reports_what_is_left(desk, open_round, committees, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 100
    open_round.save()
    made = [book(open_round, rooms["qihe_101"], name=f"王{n}") for n in range(4)]
    # A quota below the queue's length (as in a lottery round); see test_workflow._quota.
    RoundUnit.objects.filter(round=open_round, committee=committees["T04C027"]).update(booked=0, quota=3)
    html = desk.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert "额度 3 · 已通过 0 · 剩余 3 · 待审核 4" in html
    url = reverse("desk:approve_in_order", args=[open_round.pk, committees["T04C027"].pk])
    html = desk.post(url, follow=True).content.decode()
    assert "已按登记顺序通过 3 条，还剩 1 条待审核。" in html
    assert Booking.objects.get(pk=made[3].pk).status == S.PENDING


def test_desk_entered_bookings_are_marked_in_the_list(desk, open_round, booking) -> None:  # type: ignore[no-untyped-def]
    Booking.objects.filter(pk=booking.pk).update(source=BookingSource.DESK)
    html = desk.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert 'badge-desk">窗口代录' in html


def test_desk_list_query_count_stays_constant_with_actions(desk, open_round, rooms, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 100
    open_round.save()
    for n in range(12):
        book(open_round, rooms["qihe_101"], name=f"王{n}")
    with django_assert_max_num_queries(12):
        desk.get(f"/desk/rounds/{open_round.pk}/")
