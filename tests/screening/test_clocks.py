"""Clocks per order type, overdue escalation to the town (once), handling times."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import Role
from fangkong.orgs.services import staff_create
from fangkong.screening.clocks import clock_for, escalate_overdue
from fangkong.screening.models import EventKind, OrderStatus

from .conftest import make_order

pytestmark = pytest.mark.django_db


def test_default_clocks_per_type():  # type: ignore[no-untyped-def]
    assert clock_for("home_check").accept == timedelta(hours=2)
    assert clock_for("home_check").result == timedelta(hours=24)
    assert clock_for("symptom_check").accept == timedelta(minutes=30)
    assert clock_for("symptom_check").result == timedelta(hours=4)
    assert clock_for("hotline_check").result == timedelta(hours=24)


def test_clocks_come_from_settings(settings):  # type: ignore[no-untyped-def]
    settings.SCREENING_CLOCKS = {"symptom_check": {"accept_hours": 0.25, "result_hours": 2}}
    assert clock_for("symptom_check").accept == timedelta(minutes=15)
    assert clock_for("symptom_check").result == timedelta(hours=2)
    assert clock_for("home_check").accept == timedelta(hours=2)  # not configured: the default


@pytest.fixture
def town_phone(t04):  # type: ignore[no-untyped-def]
    return staff_create(username="zjd-duty", password="pw-x", role=Role.TOWN_OFFICER, display_name="值班", town=t04,
                        phone="13700000001")


def test_an_order_not_accepted_in_time_is_marked_and_its_town_texted_once(committees, town_phone):  # type: ignore[no-untyped-def]
    late = make_order(committees["T04C027"], order_type="symptom_check",
                      accept_due=timezone.now() - timedelta(minutes=1))
    make_order(committees["T04C027"])  # still in time
    first = escalate_overdue()
    second = escalate_overdue()
    late.refresh_from_db()
    assert (first["accept"], first["sms"]) == (1, 1)
    assert (second["accept"], second["result"], second["sms"]) == (0, 0, 0)
    assert late.accept_overdue_at is not None and late.is_overdue
    message = OutboundMessage.objects.get(recipient="13700000001")
    assert message.template == "screening_overdue"
    assert message.variables == {"town": "周家渡街道", "count": 1, "urgent": 1, "first": late.order_id}
    assert late.events.get().kind == EventKind.OVERDUE


def test_other_towns_officers_are_not_texted(committees, town_phone):  # type: ignore[no-untyped-def]
    make_order(committees["T01C001"], accept_due=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue()["accept"] == 1
    assert not OutboundMessage.objects.exists()


def test_a_result_past_its_clock_escalates_even_after_acceptance(committees, town_phone):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS,
                       result_due=timezone.now() - timedelta(minutes=5))
    assert escalate_overdue()["result"] == 1
    order.refresh_from_db()
    assert order.result_overdue_at is not None


def test_reported_orders_do_not_escalate(committees, town_phone):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], status=OrderStatus.REPORTED, result_due=timezone.now() - timedelta(hours=1),
               accept_due=timezone.now() - timedelta(hours=5))
    assert escalate_overdue() == {"accept": 0, "result": 0, "sms": 0}


def test_an_order_waiting_at_the_town_runs_the_accept_clock(t04, town_phone):  # type: ignore[no-untyped-def]
    make_order(town=t04, accept_due=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue()["accept"] == 1
