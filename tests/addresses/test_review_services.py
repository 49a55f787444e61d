"""The review queue's services: matching a typed booking address, confirm / pick / reject,
aliases, audit rows, counters, and the booking re-routed to its committee."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.addresses.matching import match_address
from fangkong.addresses.models import (
    AddressAlias,
    AddressMatchDay,
    AddressReview,
    MatchStatus,
    ReviewStatus,
    StandardAddress,
)
from fangkong.addresses.services_review import (
    ReviewAlreadyResolved,
    ReviewNotFound,
    address_review_confirm,
    address_review_reject,
)
from fangkong.booking.dashboard import DashScope, dashboard
from fangkong.booking.dashboard_counters import counters_check
from fangkong.booking.models import Booking, BookingStatus, RoundUnit
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.addresses.review_helpers import review_of, run_matcher, typed_booking

pytestmark = pytest.mark.django_db
AMBIGUOUS = "明心苑1号101"  # 明星苑 or 明兴苑 (twins below), one edit and one sound away: a person decides


@pytest.fixture(autouse=True)
def twins(estates: Any) -> dict[str, StandardAddress]:
    """Two near-identical compounds of two committees of 周家渡街道, added to the estates."""
    from fangkong.addresses.services import address_create
    from fangkong.orgs.models import Committee

    made = {}
    for n, (code, lane, name) in enumerate((("T04C027", "100", "明星苑"), ("T04C001", "200", "明兴苑")), start=1):
        for room in ("101", "102"):
            made[f"{name}{room}"] = address_create(
                address_id=f"A8{n}00{room}", committee=Committee.objects.get(code=code), road="民建路", lane=lane,
                number="1", compound=name, room=room,
            )
    return made


def _counter(column: str) -> int:
    return sum(AddressMatchDay.objects.values_list(column, flat=True))


def test_a_typed_address_is_queued_for_matching_with_the_booking(open_round: Any, estates: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        booking = typed_booking(open_round, "上南路3855弄12号302室")
    review = review_of(booking)
    assert review.status == ReviewStatus.MATCHING and review.town_id == booking.town_id
    assert review.source_label == booking.booking_no
    assert DBTaskResult.objects.filter(task_path__endswith="address_match_run").count() == 1


def test_a_matched_address_reroutes_the_booking_to_its_committee(open_round: Any, estates: dict[str, StandardAddress]) -> None:
    room = estates["上南路3855弄12号302室"]
    booking = typed_booking(open_round, "上南路3855弄12号302室")
    review = run_matcher(booking)
    assert review.status == ReviewStatus.AUTO and review.match_status == MatchStatus.MATCHED
    booking.refresh_from_db()
    assert (booking.committee_id, booking.address_id, booking.seq) == (room.committee_id, room.pk, 1)
    assert booking.unit.committee_id == room.committee_id
    sms = OutboundMessage.objects.get(template="booking_rerouted")
    assert sms.variables["committee"] == "齐河第二社区" and sms.variables["booking_no"] == booking.booking_no
    assert AuditEvent.objects.filter(action="booking.reroute", object_id=booking.booking_no, actor=None).exists()
    assert _counter("matched") == 1
    assert counters_check(open_round) == []


def test_the_dashboards_move_a_rerouted_booking_out_of_the_town_queue(open_round: Any, estates: dict[str, StandardAddress]) -> None:
    room = estates["上南路3855弄12号302室"]
    run_matcher(typed_booking(open_round, "上南路3855弄12号302室"))
    board = dashboard(DashScope(open_round, town_id=room.town_id))
    assert board.groups[None].counts[BookingStatus.PENDING] == 0 and board.groups[None].booked == 0
    assert board.groups[room.committee_id].counts[BookingStatus.PENDING] == 1
    assert board.total.booked == 1


def test_a_household_booked_together_moves_together(open_round: Any, estates: dict[str, StandardAddress]) -> None:
    lead = typed_booking(open_round, "上南路3855弄12号302室", members=2)
    run_matcher(lead)
    seqs = sorted(Booking.objects.filter(round=open_round).values_list("committee__code", "seq"))
    assert seqs == [("T04C027", 1), ("T04C027", 2), ("T04C027", 3)]
    assert counters_check(open_round) == []


def test_an_ambiguous_address_waits_in_the_towns_queue_with_candidates(open_round: Any, estates: Any) -> None:
    booking = typed_booking(open_round, AMBIGUOUS)
    review = run_matcher(booking)
    assert review.status == ReviewStatus.OPEN and review.match_status == MatchStatus.REVIEW
    assert len(review.candidates) >= 2 and {"label", "committee", "score", "address_id"} <= set(review.candidates[0])
    booking.refresh_from_db()
    assert booking.committee_id is None
    assert _counter("review") == 1


def test_running_the_matcher_twice_changes_nothing(open_round: Any, estates: Any) -> None:
    from fangkong.addresses.tasks import address_match_run

    booking = typed_booking(open_round, "上南路3855弄12号302室")
    run_matcher(booking)
    assert address_match_run.call(review_of(booking).pk) == "skipped"
    assert _counter("matched") == 1


def test_confirming_the_top_candidate_saves_an_alias_audits_and_reroutes(open_round: Any, estates: Any, town_officer: Any) -> None:
    booking = typed_booking(open_round, AMBIGUOUS)
    review = run_matcher(booking)
    top = review.candidates[0]
    address_review_confirm(actor=town_officer, review_id=review.pk, address_id=top["address_id"])
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED and review.resolved_by == town_officer
    booking.refresh_from_db()
    assert booking.address is not None and booking.address.address_id == top["address_id"]
    event = AuditEvent.objects.get(action="addresses.review_confirm")
    assert event.actor == town_officer and event.detail["how"] == "top" and event.town_id == booking.town_id
    assert AuditEvent.objects.filter(action="booking.reroute", actor=town_officer).exists()
    assert match_address(AMBIGUOUS).status == MatchStatus.ALIAS
    assert _counter("confirmed") == 1
    assert counters_check(open_round) == []


def test_picking_a_searched_room_routes_to_that_room(open_round: Any, estates: dict[str, StandardAddress], town_officer: Any) -> None:
    other = estates["上南路3855弄2号1002室"]  # found by searching: not a candidate
    booking = typed_booking(open_round, AMBIGUOUS)
    review = run_matcher(booking)
    address_review_confirm(actor=town_officer, review_id=review.pk, address_id=other.address_id)
    booking.refresh_from_db()
    assert booking.address_id == other.pk
    assert AuditEvent.objects.get(action="addresses.review_confirm").detail["how"] == "search"
    assert AddressAlias.objects.get().address == other


def test_a_committee_without_a_room_can_be_confirmed(open_round: Any, estates: dict[str, StandardAddress], town_officer: Any) -> None:
    committee = estates["上南路3855弄2号1002室"].committee
    review = run_matcher(typed_booking(open_round, AMBIGUOUS))
    address_review_confirm(actor=town_officer, review_id=review.pk, committee_id=committee.pk)
    assert Booking.objects.get().committee == committee and Booking.objects.get().address is None
    assert AddressAlias.objects.get().address is None


def test_rejecting_leaves_the_booking_in_the_town_queue(open_round: Any, estates: Any, town_officer: Any) -> None:
    booking = typed_booking(open_round, AMBIGUOUS)
    review = run_matcher(booking)
    address_review_reject(actor=town_officer, review_id=review.pk, note="住在闵行")
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED and review.note == "住在闵行"
    assert Booking.objects.get().committee_id is None
    assert AuditEvent.objects.filter(action="addresses.review_reject", actor=town_officer).exists()
    assert not AddressAlias.objects.exists()
    assert _counter("rejected") == 1


def test_an_item_cannot_be_resolved_twice(open_round: Any, estates: Any, town_officer: Any) -> None:
    review = run_matcher(typed_booking(open_round, AMBIGUOUS))
    address_review_reject(actor=town_officer, review_id=review.pk)
    with pytest.raises(ReviewAlreadyResolved):
        address_review_confirm(actor=town_officer, review_id=review.pk, address_id=review.candidates[0]["address_id"])


def test_another_towns_officer_cannot_resolve_the_item(open_round: Any, estates: Any, other_town_officer: Any, worker: Any) -> None:
    review = run_matcher(typed_booking(open_round, AMBIGUOUS))
    for actor in (other_town_officer, worker):
        with pytest.raises(ReviewNotFound):
            address_review_reject(actor=actor, review_id=review.pk)
    assert AddressReview.objects.get().status == ReviewStatus.OPEN


def test_confirming_resolves_other_open_items_with_the_same_text(open_round: Any, estates: Any, town_officer: Any) -> None:
    first = run_matcher(typed_booking(open_round, AMBIGUOUS))
    second_booking = typed_booking(open_round, AMBIGUOUS + " ")
    second = run_matcher(second_booking)
    assert second.status == ReviewStatus.OPEN
    address_review_confirm(actor=town_officer, review_id=first.pk, address_id=first.candidates[0]["address_id"])
    second.refresh_from_db()
    assert second.status == ReviewStatus.AUTO and second.match_status == MatchStatus.ALIAS
    second_booking.refresh_from_db()
    assert second_booking.committee_id is not None
    assert _counter("alias") == 1


def test_a_full_committee_keeps_the_match_in_the_queue_with_a_note(open_round: Any, estates: dict[str, StandardAddress]) -> None:
    room = estates["上南路3855弄12号302室"]
    RoundUnit.objects.filter(round=open_round, committee=room.committee).update(quota=0)
    booking = typed_booking(open_round, "上南路3855弄12号302室")
    review = run_matcher(booking)
    assert review.status == ReviewStatus.OPEN and "额度已约满" in review.note
    assert Booking.objects.get(pk=booking.pk).committee_id is None
    assert counters_check(open_round) == []


def test_counted_hours_and_an_on_hold_status_move_with_the_booking(open_round: Any, estates: Any, town_officer: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.booking import workflow
    from fangkong.booking.dashboard_counters import hours_close

    booking = typed_booking(open_round, AMBIGUOUS)
    review = run_matcher(booking)
    workflow.booking_hold(actor=town_officer, booking_id=booking.pk, reason_code="other", note="核实地址",
        follow_up_on=timezone.localdate() + timedelta(days=1),
    )
    hours_close(open_round, now=timezone.now() + timedelta(hours=1))  # its hour is now counted
    assert counters_check(open_round) == []
    address_review_confirm(actor=town_officer, review_id=review.pk, address_id=review.candidates[0]["address_id"])
    moved = Booking.objects.get(pk=booking.pk)
    assert moved.status == BookingStatus.ON_HOLD and moved.committee_id == review.candidates[0]["committee_id"]
    assert counters_check(open_round) == []
    board = dashboard(DashScope(open_round, town_id=moved.town_id))
    assert board.groups[moved.committee_id].counts[BookingStatus.ON_HOLD] == 1
    assert board.groups[None].booked == 0 and board.total.booked == 1


def test_an_address_in_another_town_moves_the_booking_to_that_town(open_round: Any, estates: dict[str, StandardAddress]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.booking.dashboard_counters import hours_close
    from fangkong.booking.models import TownHourCount

    room = estates["源深路2520弄1号101室"]  # 上钢新村街道, while the resident picked 周家渡街道
    booking = typed_booking(open_round, "源深路2520弄1号101室", town="T04")
    hours_close(open_round, now=timezone.now() + timedelta(hours=1))
    run_matcher(booking)
    booking.refresh_from_db()
    assert (booking.town_id, booking.committee_id) == (room.town_id, room.committee_id)
    assert counters_check(open_round) == []
    per_town = {t: n for t, n in TownHourCount.objects.filter(round=open_round).values_list("town__code", "n") if n}
    assert per_town == {"T01": 1}


def test_a_matcher_error_puts_the_item_in_front_of_people(open_round: Any, estates: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from fangkong.addresses import matching

    def broken() -> None:
        raise ValueError("building not contiguous")

    monkeypatch.setattr(matching, "build_from_database", broken)
    review = run_matcher(typed_booking(open_round, "上南路3855弄12号302室"))
    assert review.status == ReviewStatus.OPEN and "自动识别出错" in review.explanation


def test_bookings_made_before_the_queue_existed_can_be_sent_to_the_matcher(open_round: Any, estates: Any) -> None:
    from django.core.management import call_command

    booking = typed_booking(open_round, "上南路3855弄12号302室")
    review_of(booking).delete()  # as if booked before this feature
    call_command("match_unresolved_addresses")
    call_command("match_unresolved_addresses")  # idempotent
    assert AddressReview.objects.get().source_ref == str(booking.pk)
    run_matcher(booking)
    assert Booking.objects.get(pk=booking.pk).committee_id is not None
