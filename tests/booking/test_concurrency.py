"""Under concurrency on PostgreSQL: one booking per ID, and quotas never oversold.

Threads each use their own database connection, so these run against committed data
(``transactional_db``) and only on PostgreSQL, where rows are locked, not whole files.
"""

from __future__ import annotations

import pytest

from fangkong.booking.forms import BookingData, Person
from fangkong.booking.models import Booking, RoundUnit
from fangkong.booking.services import BookingError, DuplicateBooking, booking_create
from fangkong.core.models import OutboundMessage
from tests.booking.helpers import resident_id, run_concurrently
from tests.conftest import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.django_db(transaction=True)]


def _data(room, id_number: str) -> BookingData:  # type: ignore[no-untyped-def]
    return BookingData(
        applicant=Person("王小明", "resident_id", id_number),
        phone="13812345678",
        address=room,
        address_text=room.label,
        town=room.town,
        household_size=1,
    )




def _outcome(round_, room, id_number: str) -> str:  # type: ignore[no-untyped-def]
    """Book and say what happened: "created" or the refusal's code."""
    try:
        booking_create(round_=round_, data=_data(room, id_number))
    except BookingError as exc:
        return exc.code
    return "created"


def test_fifty_concurrent_submits_of_one_id_make_exactly_one_booking(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    room.town  # noqa: B018 - load the relation before threads share the object
    id_number = resident_id()

    def submit(_: int) -> str:
        try:
            booking_create(round_=open_round, data=_data(room, id_number))
            return "created"
        except DuplicateBooking:
            return "duplicate"

    outcomes = run_concurrently(50, submit)
    assert outcomes.count("created") == 1
    assert outcomes.count("duplicate") == 49
    assert Booking.objects.filter(id_number=id_number).count() == 1
    assert OutboundMessage.objects.count() == 1
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 1


def test_committee_quota_is_never_oversold(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    room.town  # noqa: B018
    open_round.per_household_limit = 100
    open_round.save()
    RoundUnit.objects.filter(round=open_round, committee=room.committee).update(quota=10)
    ids = [resident_id() for _ in range(40)]

    def submit(i: int) -> str:
        return _outcome(open_round, room, ids[i])

    outcomes = run_concurrently(40, submit)
    assert outcomes.count("created") == 10
    assert outcomes.count("quota_exhausted") == 30
    assert Booking.objects.filter(committee=room.committee).count() == 10
    assert sorted(Booking.objects.values_list("seq", flat=True)) == list(range(1, 11))


def test_round_total_quota_is_never_oversold(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.total_quota = 15
    open_round.per_household_limit = 100
    open_round.save()
    targets = [rooms["qihe_101"], rooms["shangnan"], rooms["shanggang"]]
    for room in targets:
        room.town  # noqa: B018
    ids = [resident_id() for _ in range(45)]

    def submit(i: int) -> str:
        return _outcome(open_round, targets[i % 3], ids[i])

    outcomes = run_concurrently(45, submit)
    assert outcomes.count("created") == 15
    assert Booking.objects.count() == 15
    open_round.refresh_from_db()
    assert open_round.total_booked == 15


def test_household_limit_holds_under_concurrent_bookings_of_one_room(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    room.town  # noqa: B018
    open_round.per_household_limit = 3
    open_round.save()
    ids = [resident_id() for _ in range(12)]

    def submit(i: int) -> str:
        return _outcome(open_round, room, ids[i])

    outcomes = run_concurrently(12, submit)
    assert outcomes.count("created") == 3
    assert outcomes.count("household_limit") == 9
    assert Booking.objects.filter(address=room).count() == 3


def test_household_limit_holds_under_concurrent_api_bookings_of_one_room(open_round, rooms, settings) -> None:  # type: ignore[no-untyped-def]
    """The API's one-statement write (``pg_write.booking_write_keyed``) takes the same household
    lock: twelve people of one room at once, a limit of three → three bookings, nine 422s."""
    import json

    from django.test import Client

    from tests.booking.helpers import payload

    settings.RATELIMIT_ENABLE = False
    room = rooms["qihe_101"]
    open_round.per_household_limit = 3
    open_round.save()
    bodies = [json.dumps({**payload(room), "id_number": resident_id()}) for _ in range(12)]

    def submit(i: int) -> int:
        response = Client().post(f"/api/v1/rounds/{open_round.pk}/bookings", data=bodies[i], content_type="application/json")
        return response.status_code

    statuses = run_concurrently(12, submit)
    assert sorted(statuses) == [201] * 3 + [422] * 9
    assert Booking.objects.filter(address=room).count() == 3
    assert OutboundMessage.objects.count() == 3
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 3
