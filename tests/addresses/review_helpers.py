"""Helpers of the review-queue tests: a free-text booking and running the matcher's task."""

from __future__ import annotations

from typing import Any

from fangkong.addresses.models import AddressReview
from fangkong.addresses.tasks import address_match_run
from fangkong.booking.forms import BookingData, Person
from fangkong.booking.models import Booking
from fangkong.booking.services import booking_create
from fangkong.orgs.models import Town
from tests.booking.helpers import resident_id


def typed_booking(round_: Any, text: str, *, town: str = "T04", members: int = 0) -> Booking:
    """A resident's booking with a typed address (no room picked), as the booking form makes it."""
    data = BookingData(
        applicant=Person("王小明", "resident_id", resident_id()),
        phone="13812345678",
        address=None,
        address_text=text,
        town=Town.objects.get(code=town),
        household_size=1 + members,
        members=tuple(Person(f"王{i}", "resident_id", resident_id()) for i in range(members)),
    )
    return booking_create(round_=round_, data=data).booking


def review_of(booking: Booking) -> AddressReview:
    return AddressReview.objects.get(source="booking", source_ref=str(booking.pk))


def run_matcher(booking: Booking) -> AddressReview:
    """What the worker does once the booking committed."""
    review = review_of(booking)
    address_match_run.call(review.pk)
    review.refresh_from_db()
    return review
