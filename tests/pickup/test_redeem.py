"""A clerk redeems a voucher: once, at its point, within its window; every refusal says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.booking.models import Booking, BookingStatus
from fangkong.core.models import AuditEvent
from fangkong.pickup import services
from fangkong.pickup.codes import code_from_token, token_for
from fangkong.pickup.models import PickupStock, Redemption, Voucher
from tests.pickup.conftest import give_stock, make_point

pytestmark = pytest.mark.django_db
S = BookingStatus


@pytest.fixture
def voucher(approved):  # type: ignore[no-untyped-def]
    """The approved booking's voucher, with its window open now."""
    now = timezone.now()
    Voucher.objects.filter(booking=approved).update(window_start=now - timedelta(hours=1), window_end=now + timedelta(days=2))
    return Voucher.objects.select_related("point").get(booking=approved)


def redeem(clerk, voucher, point=None, **kw):  # type: ignore[no-untyped-def]
    return services.voucher_redeem(actor=clerk, voucher_id=voucher.pk, point_id=(point or voucher.point).pk, **kw)


def test_redeeming_moves_the_booking_and_the_stock(clerk, voucher, pharmacy) -> None:  # type: ignore[no-untyped-def]
    redeem(clerk, voucher)
    voucher.refresh_from_db()
    assert voucher.redeemed_at is not None and voucher.redeemed_by == clerk and voucher.redeemed_point == pharmacy
    assert Booking.objects.get(pk=voucher.booking_id).status == S.REDEEMED
    stock = PickupStock.objects.get(point=pharmacy)
    assert stock.redeemed == voucher.quantity and stock.remaining == 100 - voucher.quantity
    assert Redemption.objects.filter(voucher=voucher, clerk=clerk).count() == 1
    move = AuditEvent.objects.filter(action="booking.status", detail__to="redeemed").get()
    assert move.actor == clerk and move.detail["note"] == f"voucher:{voucher.code}"


def test_a_second_redemption_says_when_and_where(clerk, voucher, pharmacy) -> None:  # type: ignore[no-untyped-def]
    redeem(clerk, voucher)
    with pytest.raises(services.AlreadyRedeemed) as caught:
        redeem(clerk, voucher)
    at = timezone.localtime(Voucher.objects.get(pk=voucher.pk).redeemed_at)
    assert caught.value.message == f"已领取 于 {at.month}月{at.day}日 {at:%H:%M} 在 {pharmacy.name}"
    assert PickupStock.objects.get(point=pharmacy).redeemed == voucher.quantity


def test_the_database_refuses_a_second_redemption_row(clerk, voucher, pharmacy) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    redeem(clerk, voucher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Redemption.objects.create(voucher=voucher, point=pharmacy, clerk=clerk)


def test_a_voucher_for_another_point_names_the_right_one(open_round, clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_point("T04", "另一家药房", clerks=[clerk])
    give_stock(open_round, elsewhere, 10)
    with pytest.raises(services.WrongPoint) as caught:
        redeem(clerk, voucher, point=elsewhere)
    assert caught.value.message == f"此凭证应在“{voucher.point.name}”（{voucher.point.address}）领取，不能在本领取点核销。"
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at is None


def test_a_clerk_of_another_town_does_not_find_it(other_clerk, shanggang_pharmacy, voucher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.NotRedeemable, match="没有找到该领取码"):
        services.voucher_redeem(actor=other_clerk, voucher_id=voucher.pk, point_id=shanggang_pharmacy.pk)


def test_a_worker_not_bound_to_the_point_cannot_redeem(worker, voucher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.NotRedeemable, match="您不是该领取点的店员"):
        redeem(worker, voucher)


def test_before_the_window(clerk, approved) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)  # opens the next working day
    with pytest.raises(services.OutsideWindow, match="未到领取时间：领取时间为 .*月.*日.*，请届时再来。"):
        redeem(clerk, voucher, now=timezone.now())


def test_after_the_window(clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.OutsideWindow, match=r"已超过领取期限（.*），凭证已失效。"):
        redeem(clerk, voucher, now=voucher.window_end + timedelta(minutes=1))


def test_an_expired_booking_cannot_be_redeemed(clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    Booking.objects.filter(pk=voucher.booking_id).update(status=S.VOIDED)
    with pytest.raises(services.NotRedeemable, match="此凭证已失效（预约状态：已作废）。"):
        redeem(clerk, voucher)


def test_no_oversell_when_stock_was_lowered_below_the_vouchers(clerk, voucher, pharmacy) -> None:  # type: ignore[no-untyped-def]
    PickupStock.objects.filter(point=pharmacy).update(issued=0)  # e.g. stock released by hand
    with pytest.raises(services.OutOfStock, match="本轮库存已发完"):
        redeem(clerk, voucher)
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at is None  # rolled back together
    assert Booking.objects.get(pk=voucher.booking_id).status == S.NOTIFIED


def test_the_token_carries_only_the_code_and_is_tamper_proof(voucher) -> None:  # type: ignore[no-untyped-def]
    token = token_for(voucher.code)
    assert code_from_token(token) == voucher.code
    assert voucher.booking.id_number not in token and "王" not in token
    forged = ("2" if token[0] != "2" else "3") + token[1:]
    assert code_from_token(forged) is None
    assert code_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


# --- the clerk's page ------------------------------------------------------------------------


def test_clerk_types_the_code_and_sees_the_masked_name(client, clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    html = client.get(reverse("pickup:clerk"), {"code": voucher.code_display.lower()}).content.decode()
    assert "王**" in html and "王小明" not in html and voucher.booking.id_number not in html
    assert "确认领取" in html and voucher.code_display in html


def test_clerk_scans_the_token_and_redeems_then_is_refused(client, clerk, voucher, pharmacy) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    assert client.get(reverse("pickup:voucher", args=[token_for(voucher.code)])).status_code == 302
    html = client.get(reverse("pickup:clerk"), {"t": token_for(voucher.code)}).content.decode()
    assert "确认领取" in html
    done = client.post(reverse("pickup:redeem"), {"voucher": voucher.pk, "point": pharmacy.pk})
    assert done.status_code == 200 and "核销成功" in done.content.decode()
    again = client.post(reverse("pickup:redeem"), {"voucher": voucher.pk, "point": pharmacy.pk})
    assert again.status_code == 409 and "已领取 于 " in again.content.decode() and pharmacy.name in again.content.decode()
    page = client.get(reverse("pickup:clerk"), {"code": voucher.code}).content.decode()
    assert "已领取 于 " in page and "确认领取" not in page


def test_tampered_token_on_the_clerk_page(client, clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    token = token_for(voucher.code)
    response = client.get(reverse("pickup:clerk"), {"t": token[:-2] + "xx"})
    assert response.status_code == 400 and "二维码无效：凭证被篡改或不是本系统签发的" in response.content.decode()


def test_malformed_and_unknown_codes(client, clerk, voucher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    bad = client.get(reverse("pickup:clerk"), {"code": "12"})
    assert bad.status_code == 422 and "领取码应为8位字母或数字" in bad.content.decode()
    unknown = client.get(reverse("pickup:clerk"), {"code": "ZZZZ ZZZZ" if voucher.code != "ZZZZZZZZ" else "YYYYYYYY"})
    assert unknown.status_code == 404 and "没有找到领取码 ZZZZ ZZZZ 的凭证" in unknown.content.decode()


def test_clerk_of_another_town_sees_nothing(client, other_clerk, shanggang_pharmacy, voucher) -> None:  # type: ignore[no-untyped-def]
    client.force_login(other_clerk)
    response = client.get(reverse("pickup:clerk"), {"code": voucher.code})
    assert response.status_code == 404 and "王**" not in response.content.decode()
    assert client.post(reverse("pickup:redeem"), {"voucher": voucher.pk}).status_code == 409
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at is None


def test_clerk_at_another_point_of_the_town_is_told_the_right_point(client, clerk, voucher, open_round) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_point("T04", "另一家药房", clerks=[clerk])
    client.force_login(clerk)
    html = client.get(reverse("pickup:clerk"), {"code": voucher.code, "point": elsewhere.pk}).content.decode()
    assert f"此凭证应在“{voucher.point.name}”" in html and "确认领取" not in html and "王**" not in html


@pytest.mark.parametrize("persona", ["worker", "town_officer"])
def test_staff_without_a_point_get_404(client, request, persona) -> None:  # type: ignore[no-untyped-def]
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("pickup:clerk")).status_code == 404


def test_clerk_page_needs_login(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse("pickup:clerk")).status_code == 302
