"""Allocation at close: the public lottery (reproducible from its published seed), registration
order, who may allocate, idempotency, committee quotas and the desk and public pages."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.booking import allocation, workflow
from fangkong.booking.allocation import (
    AllocationRefused,
    lottery_order,
    round_allocate,
    round_quotas_set,
)
from fangkong.booking.models import (
    Allocation,
    Booking,
    BookingStatus,
    Round,
    RoundStatus,
    RoundUnit,
)
from fangkong.booking.services import QuotaExhausted, round_create, round_set_status
from fangkong.core.messaging import render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db
S = BookingStatus


def _round(actor, district, masks, *, allocation: str, town=None, number: int = 5, quota: int | None = 3) -> Round:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return round_create(
        actor=actor, district=district, town=town, goods=masks, number=number, allocation=allocation,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), per_household_limit=20,
        committee_quota=quota, status=RoundStatus.OPEN,
    )


@pytest.fixture
def lottery_round(pudong, district_officer, masks) -> Round:  # type: ignore[no-untyped-def]
    """口罩 · 第五轮, district-wide, 超额时摇号, every committee's quota 3."""
    return _round(district_officer, pudong, masks, allocation=Allocation.LOTTERY)


@pytest.fixture
def oversubscribed(lottery_round, rooms) -> dict[str, list[Booking]]:  # type: ignore[no-untyped-def]
    """Seven bookings in 齐河第二社区 (quota 3: a draw), two in 上南一村 (under quota: no draw)."""
    return {
        "qihe": [book(lottery_round, rooms["qihe_101"], phone=f"1381234{i:04d}") for i in range(7)],
        "shangnan": [book(lottery_round, rooms["shangnan"], phone=f"1391234{i:04d}") for i in range(2)],
    }


def _close(round_: Round, actor) -> Round:  # type: ignore[no-untyped-def]
    return round_set_status(actor=actor, round_=round_, status=RoundStatus.CLOSED)


def _close_without_seed(round_: Round) -> Round:
    """A round closed before seeds were published at close (the officer may then give one)."""
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED)
    round_.refresh_from_db()
    return round_


def _snippet_draw(text: str):  # type: ignore[no-untyped-def]
    namespace: dict[str, object] = {}
    exec(compile(text, "<lottery snippet>", "exec"), namespace)  # noqa: S102 - our own published snippet
    return namespace["draw"]


def _winners(bookings: list[Booking]) -> list[str]:
    fresh = Booking.objects.filter(pk__in=[b.pk for b in bookings]).exclude(status=S.NOT_ALLOCATED)
    return [b.booking_no for b in fresh.order_by("lottery_rank")]


# --- the lottery --------------------------------------------------------------------------------


def test_anyone_can_rerun_the_draw_with_the_snippet_and_seed_on_the_public_page(
    client, district_officer, lottery_round, oversubscribed
) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    before = client.get(reverse("booking:lottery", args=[lottery_round.pk])).content.decode()
    seed = re.search(r'id="lottery-seed">([0-9a-f]{32})<', before).group(1)  # published before the draw
    assert "尚未摇号" in before

    round_allocate(actor=district_officer, round_=lottery_round)

    page = client.get(reverse("booking:lottery", args=[lottery_round.pk])).content.decode()
    snippet = html.unescape(re.search(r'<pre[^>]*id="lottery-snippet"[^>]*>(.*?)</pre>', page, re.S).group(1))
    assert len(snippet.strip().splitlines()) <= 10
    draw = _snippet_draw(snippet)
    candidates = [b.booking_no for b in oversubscribed["qihe"]]
    assert draw(seed, candidates, 3) == _winners(oversubscribed["qihe"])
    for booking_no in draw(seed, candidates, 3):
        assert booking_no in page
    for loser in set(candidates) - set(draw(seed, candidates, 3)):
        assert loser not in page


def test_the_draw_keeps_exactly_the_quota_and_leaves_committees_under_quota_alone(
    district_officer, lottery_round, oversubscribed
) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    outcome = round_allocate(actor=district_officer, round_=lottery_round)

    qihe = Booking.objects.filter(pk__in=[b.pk for b in oversubscribed["qihe"]])
    assert qihe.filter(status=S.PENDING).count() == 3
    assert qihe.filter(status=S.NOT_ALLOCATED).count() == 4
    assert sorted(qihe.values_list("lottery_rank", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert set(Booking.objects.filter(pk__in=[b.pk for b in oversubscribed["shangnan"]]).values_list("status", flat=True)) == {S.PENDING}
    assert [(u.code, u.places, u.allocated, u.not_allocated) for u in outcome.drawn_units] == [("T04C027", 3, 3, 4)]
    unit = RoundUnit.objects.get(round=lottery_round, committee__code="T04C027")
    assert (unit.quota, unit.booked, unit.allocated, unit.lottery_places) == (3, 7, 3, 3)


def test_the_same_seed_gives_the_same_winners_and_another_seed_others() -> None:
    numbers = [f"B9-T04C027-{n:05d}" for n in range(1, 21)]
    assert lottery_order("3f1c9a", numbers) == lottery_order("3f1c9a", list(reversed(numbers)))
    assert lottery_order("3f1c9a", numbers)[:5] != lottery_order("3f1c9b", numbers)[:5]
    draw = _snippet_draw(allocation.LOTTERY_SNIPPET)
    assert draw("3f1c9a", numbers, 5) == lottery_order("3f1c9a", numbers)[:5]


def test_a_seed_given_by_the_officer_is_used_when_none_was_published(district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close_without_seed(lottery_round)
    outcome = round_allocate(actor=district_officer, round_=lottery_round, seed="pudong-2020-02-10-8832")
    assert outcome.seed == Round.objects.get(pk=lottery_round.pk).lottery_seed == "pudong-2020-02-10-8832"
    candidates = [b.booking_no for b in oversubscribed["qihe"]]
    assert _winners(oversubscribed["qihe"]) == lottery_order("pudong-2020-02-10-8832", candidates)[:3]


def test_the_published_seed_cannot_be_swapped_for_another(district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    with pytest.raises(AllocationRefused, match="种子已在截止时公布"):
        round_allocate(actor=district_officer, round_=lottery_round, seed="a-better-seed")
    assert Round.objects.get(pk=lottery_round.pk).status == RoundStatus.CLOSED
    assert not Booking.objects.filter(status=S.NOT_ALLOCATED).exists()


def test_reopening_withdraws_the_seed_and_closing_again_publishes_a_new_one(district_officer, lottery_round) -> None:  # type: ignore[no-untyped-def]
    first = _close(lottery_round, district_officer).lottery_seed
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    round_set_status(actor=district_officer, round_=lottery_round, status=RoundStatus.OPEN)
    assert Round.objects.get(pk=lottery_round.pk).lottery_seed == ""
    second = _close(lottery_round, district_officer).lottery_seed
    assert second and second != first


def test_places_already_approved_before_close_count_against_the_quota(district_officer, worker, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_approve(actor=worker, booking_id=oversubscribed["qihe"][6].pk)
    _close(lottery_round, district_officer)
    round_allocate(actor=district_officer, round_=lottery_round)
    qihe = Booking.objects.filter(pk__in=[b.pk for b in oversubscribed["qihe"]])
    assert qihe.filter(status=S.APPROVED).count() == 1  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)
    assert qihe.filter(status=S.PENDING).count() == 2
    assert qihe.filter(status=S.NOT_ALLOCATED).count() == 4


def test_a_lottery_round_takes_registrations_beyond_the_quota(lottery_round, rooms) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        book(lottery_round, rooms["qihe_101"], phone=f"1371234{i:04d}")
    assert RoundUnit.objects.get(round=lottery_round, committee__code="T04C027").booked == 5


# --- the losers are told ------------------------------------------------------------------------


def test_each_loser_gets_one_sms_and_the_draw_is_audited(district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    round_allocate(actor=district_officer, round_=lottery_round)
    losers = Booking.objects.filter(status=S.NOT_ALLOCATED)
    sms = OutboundMessage.objects.filter(template="booking_not_allocated")
    assert sorted(sms.values_list("recipient", flat=True)) == sorted(losers.values_list("phone", flat=True))
    text = render_message(sms[0].template, sms[0].variables)
    assert "未中签" in text and "齐河第二社区" in text and "王*" in text and "王小明" not in text
    event = AuditEvent.objects.get(action="round.allocate")
    assert event.detail["seed"] == Round.objects.get(pk=lottery_round.pk).lottery_seed
    assert event.detail["committees"]["T04C027"] == {"quota": 3, "booked": 7, "allocated": 3, "not_allocated": 4, "places": 3}
    assert AuditEvent.objects.filter(action="booking.status", detail__to=S.NOT_ALLOCATED).count() == 4


def test_allocating_twice_changes_and_sends_nothing_the_second_time(district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    round_allocate(actor=district_officer, round_=lottery_round)
    before = (
        list(Booking.objects.order_by("pk").values_list("status", "lottery_rank")),
        OutboundMessage.objects.count(),
        AuditEvent.objects.count(),
    )
    again = round_allocate(actor=district_officer, round_=Round.objects.get(pk=lottery_round.pk))
    assert again.already
    assert again.not_allocated == 4
    after = (
        list(Booking.objects.order_by("pk").values_list("status", "lottery_rank")),
        OutboundMessage.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_a_worker_cannot_mark_a_booking_not_allocated_by_hand(worker, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(workflow.TransitionRefused):
        workflow.booking_transition(actor=worker, booking_id=oversubscribed["qihe"][0].pk, to_status=S.NOT_ALLOCATED)


# --- who may, and when --------------------------------------------------------------------------


def test_an_open_round_cannot_be_allocated(district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AllocationRefused, match="只有已截止的轮次才能分配"):
        round_allocate(actor=district_officer, round_=lottery_round)
    assert Round.objects.get(pk=lottery_round.pk).status == RoundStatus.OPEN


def test_a_committee_worker_cannot_allocate(district_officer, worker, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    with pytest.raises(PermissionError):
        round_allocate(actor=worker, round_=lottery_round)
    assert Round.objects.get(pk=lottery_round.pk).status == RoundStatus.CLOSED


def test_a_town_officer_allocates_her_towns_round_but_not_the_districts(
    town_officer, pudong, masks, district_officer, lottery_round
) -> None:  # type: ignore[no-untyped-def]
    own = _round(town_officer, pudong, masks, allocation=Allocation.LOTTERY, town=town_officer.town, number=8)
    _close(own, town_officer)
    assert round_allocate(actor=town_officer, round_=own).allocation == Allocation.LOTTERY
    _close(lottery_round, district_officer)
    with pytest.raises(PermissionError):
        round_allocate(actor=town_officer, round_=lottery_round)


def test_another_towns_officer_cannot_allocate_a_towns_round(town_officer, other_town_officer, pudong, masks) -> None:  # type: ignore[no-untyped-def]
    own = _round(town_officer, pudong, masks, allocation=Allocation.LOTTERY, town=town_officer.town, number=8)
    _close(own, town_officer)
    with pytest.raises(PermissionError):
        round_allocate(actor=other_town_officer, round_=own)
    assert Round.objects.get(pk=own.pk).status == RoundStatus.CLOSED


def test_allocated_is_reached_only_by_allocating(district_officer, lottery_round) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    with pytest.raises(ValueError, match="分配/摇号"):
        round_set_status(actor=district_officer, round_=lottery_round, status=RoundStatus.ALLOCATED)


# --- registration order ---------------------------------------------------------------------------


def test_registration_order_keeps_everyone_within_quota_and_records_the_counts(district_officer, pudong, masks, rooms) -> None:  # type: ignore[no-untyped-def]
    round_ = _round(district_officer, pudong, masks, allocation=Allocation.REGISTRATION_ORDER)
    booked = [book(round_, rooms["qihe_101"], phone=f"1361234{i:04d}") for i in range(3)]
    with pytest.raises(QuotaExhausted):
        book(round_, rooms["qihe_102"])
    _close(round_, district_officer)
    assert round_.lottery_seed == ""
    outcome = round_allocate(actor=district_officer, round_=round_)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.ALLOCATED
    assert set(Booking.objects.filter(pk__in=[b.pk for b in booked]).values_list("status", flat=True)) == {S.PENDING}
    assert [(u.code, u.quota, u.booked, u.allocated, u.drawn) for u in outcome.units] == [("T04C027", 3, 3, 3, False)]
    assert not OutboundMessage.objects.filter(template="booking_not_allocated").exists()
    assert AuditEvent.objects.get(action="round.allocate").detail["committees"]["T04C027"]["allocated"] == 3


def test_the_public_lottery_page_is_only_for_lottery_rounds(client, open_round) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse("booking:lottery", args=[open_round.pk])).status_code == 404


def test_the_csv_lists_every_candidate_with_rank_and_result(client, district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    assert client.get(reverse("booking:lottery_csv", args=[lottery_round.pk])).status_code == 404  # not drawn yet
    round_allocate(actor=district_officer, round_=lottery_round)
    response = client.get(reverse("booking:lottery_csv", args=[lottery_round.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(rows[0]) == ["booking_no", "rank", "won"]
    seed = Round.objects.get(pk=lottery_round.pk).lottery_seed
    order = lottery_order(seed, [b.booking_no for b in oversubscribed["qihe"]])
    assert {r["booking_no"]: (int(r["rank"]), r["won"]) for r in rows} == {
        no: (rank, "1" if rank <= 3 else "0") for rank, no in enumerate(order, start=1)
    }


# --- desk pages -----------------------------------------------------------------------------------


def test_the_desk_confirms_then_allocates_and_links_the_public_page(client, district_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    client.force_login(district_officer)
    home = client.get(reverse("desk:home") + "?all=1").content.decode()
    assert reverse("desk:round_allocate", args=[lottery_round.pk]) in home
    confirm = client.get(reverse("desk:round_allocate", args=[lottery_round.pk])).content.decode()
    assert "确认摇号并分配" in confirm and lottery_round.name in confirm
    assert Round.objects.get(pk=lottery_round.pk).lottery_seed in confirm
    assert not Booking.objects.filter(status=S.NOT_ALLOCATED).exists()  # looking changes nothing

    response = client.post(reverse("desk:round_allocate", args=[lottery_round.pk]), follow=True)
    page = response.content.decode()
    assert "已完成分配" in page
    assert reverse("booking:lottery", args=[lottery_round.pk]) in page
    assert Booking.objects.filter(status=S.NOT_ALLOCATED).count() == 4


def test_a_committee_worker_gets_404_on_the_allocation_page(client, worker, district_officer, lottery_round) -> None:  # type: ignore[no-untyped-def]
    _close(lottery_round, district_officer)
    client.force_login(worker)
    assert client.get(reverse("desk:round_allocate", args=[lottery_round.pk])).status_code == 404
    assert client.post(reverse("desk:round_allocate", args=[lottery_round.pk])).status_code == 404
    assert Round.objects.get(pk=lottery_round.pk).status == RoundStatus.CLOSED


# --- quotas -----------------------------------------------------------------------------------------


def _unit(round_: Round, code: str) -> RoundUnit:
    return RoundUnit.objects.get(round=round_, committee__code=code)


def test_the_town_sets_its_committees_quotas_in_one_post(client, town_officer, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    book(open_round, rooms["qihe_101"])
    client.force_login(town_officer)
    page = client.get(reverse("desk:round_quotas", args=[open_round.pk])).content.decode()
    qihe, shangnan = _unit(open_round, "T04C027"), _unit(open_round, "T04C001")
    assert f'name="quota-{qihe.pk}"' in page and "齐河第二社区" in page
    assert "上南花城" not in page  # another town's committee
    response = client.post(
        reverse("desk:round_quotas", args=[open_round.pk]), {f"quota-{qihe.pk}": "40", f"quota-{shangnan.pk}": "0"}
    )
    assert response.status_code == 302
    assert (_unit(open_round, "T04C027").quota, _unit(open_round, "T04C001").quota) == (40, 0)
    event = AuditEvent.objects.get(action="round.quotas")
    assert event.detail["quotas"]["T04C027"] == {"from": None, "to": 40}


def test_a_quota_below_the_bookings_is_refused_in_a_registration_order_round(client, town_officer, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    for room in ("qihe_101", "qihe_102"):
        book(open_round, rooms[room])
    qihe, shangnan = _unit(open_round, "T04C027"), _unit(open_round, "T04C001")
    client.force_login(town_officer)
    response = client.post(
        reverse("desk:round_quotas", args=[open_round.pk]), {f"quota-{qihe.pk}": "1", f"quota-{shangnan.pk}": "9"}
    )
    assert response.status_code == 422
    assert "齐河第二社区：已有2人预约。按登记顺序分配的轮次，额度不能低于已预约人数。" in response.content.decode()
    assert (_unit(open_round, "T04C027").quota, _unit(open_round, "T04C001").quota) == (None, None)  # nothing saved


def test_a_negative_quota_is_refused(town_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    qihe = _unit(open_round, "T04C027")
    with pytest.raises(allocation.QuotaInvalid) as caught:
        round_quotas_set(actor=town_officer, round_=open_round, quotas={qihe.pk: -1})
    assert caught.value.errors[qihe.pk] == "齐河第二社区：额度不能小于0。"


def test_a_lottery_round_quota_may_go_below_the_bookings(town_officer, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    qihe = _unit(lottery_round, "T04C027")
    round_quotas_set(actor=town_officer, round_=lottery_round, quotas={qihe.pk: 2})
    assert _unit(lottery_round, "T04C027").quota == 2


def test_blank_means_unlimited(client, town_officer, lottery_round) -> None:  # type: ignore[no-untyped-def]
    qihe = _unit(lottery_round, "T04C027")
    client.force_login(town_officer)
    client.post(reverse("desk:round_quotas", args=[lottery_round.pk]), {f"quota-{qihe.pk}": ""})
    assert _unit(lottery_round, "T04C027").quota is None


def test_quota_ids_of_another_town_are_ignored(town_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    elsewhere = _unit(open_round, "T01C001")
    round_quotas_set(actor=town_officer, round_=open_round, quotas={elsewhere.pk: 5})
    assert _unit(open_round, "T01C001").quota is None


def test_the_district_picks_a_town_first(client, district_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    page = client.get(reverse("desk:round_quotas", args=[open_round.pk])).content.decode()
    assert "周家渡街道" in page and "quota-" not in page


def test_the_town_page_shows_the_remaining_stock(client, town_officer, worker, lottery_round, oversubscribed) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_approve(actor=worker, booking_id=oversubscribed["qihe"][0].pk)
    client.force_login(town_officer)
    page = client.get(reverse("desk:round", args=[lottery_round.pk])).content.decode()
    row = re.search(r"齐河第二社区</a></td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-2:] == ["3", "2"]  # quota 3, 1 approved: 2 left
