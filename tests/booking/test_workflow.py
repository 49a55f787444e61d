"""The verification workflow: the status table (every pair), reasons, SMS, audit, scope, quota,
races on PostgreSQL, and the one-working-day deadline with Chinese holidays and 调休."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from fangkong.booking import workflow
from fangkong.booking.models import Booking, BookingStatus, RoundUnit
from fangkong.booking.workdays import is_workday, overdue_cutoff, verification_deadline
from fangkong.core.messaging import render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.booking.helpers import book, run_concurrently
from tests.conftest import needs_postgres

S = BookingStatus
ALLOWED = {
    (S.PENDING, S.APPROVED), (S.PENDING, S.REJECTED), (S.PENDING, S.ON_HOLD),
    (S.ON_HOLD, S.APPROVED), (S.ON_HOLD, S.REJECTED),
    (S.APPROVED, S.NOTIFIED),
    (S.NOTIFIED, S.REDEEMED), (S.NOTIFIED, S.EXPIRED), (S.NOTIFIED, S.VOIDED),
} | {(S.PENDING, S.NOT_ALLOCATED), (S.ON_HOLD, S.NOT_ALLOCATED)}  # fmt: skip
# 未中签 is in the table but only the lottery at close makes it (tests/booking/test_allocation.py).
BY_ALLOCATION = {(S.PENDING, S.NOT_ALLOCATED), (S.ON_HOLD, S.NOT_ALLOCATED)}
TOMORROW = timezone.localdate() + timedelta(days=1)
# Enough for any target status: reason for 不通过/待定, date for 待定, a note for 作废.
ARGS = {"reason_code": "not_resident", "note": "核实", "follow_up_on": TOMORROW}


@pytest.fixture
def booking(open_round, rooms) -> Booking:  # type: ignore[no-untyped-def]
    return book(open_round, rooms["qihe_101"])


def _at(booking: Booking, status: str) -> Booking:
    Booking.objects.filter(pk=booking.pk).update(status=status)
    booking.status = status
    return booking


def _sms(template: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template=template))


# --- the table ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), list(itertools.product(S.values, S.values)))
def test_transition_table(worker, booking, old, new) -> None:  # type: ignore[no-untyped-def]
    _at(booking, old)
    audits, messages = AuditEvent.objects.count(), OutboundMessage.objects.count()
    if (old, new) in ALLOWED - BY_ALLOCATION:
        workflow.booking_transition(actor=worker, booking_id=booking.pk, to_status=new, **ARGS)
        expected = new  # no pickup stock here: an approval waits as 已通过 (vouchers: tests/pickup)
        assert Booking.objects.get(pk=booking.pk).status == expected
        assert AuditEvent.objects.count() > audits
    else:
        with pytest.raises(workflow.TransitionRefused):
            workflow.booking_transition(actor=worker, booking_id=booking.pk, to_status=new, **ARGS)
        assert Booking.objects.get(pk=booking.pk).status == old
        assert (AuditEvent.objects.count(), OutboundMessage.objects.count()) == (audits, messages)


def test_the_table_in_code_is_the_tested_one() -> None:
    in_code = {(old, new) for old, targets in workflow.TRANSITIONS.items() for new in targets}
    assert in_code == ALLOWED
    assert set(workflow.TRANSITIONS) == set(S.values)


# --- reasons --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "kwargs", "message"),
    [
        (S.REJECTED, {}, "请选择原因。"),
        (S.REJECTED, {"reason_code": "bogus"}, "请选择原因。"),
        (S.REJECTED, {"reason_code": "other"}, "选择“其他”时请填写说明。"),
        (S.ON_HOLD, {"reason_code": "id_mismatch"}, "请填写跟进日期。"),
        (S.ON_HOLD, {"reason_code": "id_mismatch", "follow_up_on": date(2020, 1, 1)}, "跟进日期不能早于今天。"),
        (S.ON_HOLD, {"follow_up_on": TOMORROW}, "请选择原因。"),
    ],
)
def test_rejecting_or_holding_needs_a_reason(worker, booking, to, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(workflow.ReasonRequired) as caught:
        workflow.booking_transition(actor=worker, booking_id=booking.pk, to_status=to, **kwargs)
    assert caught.value.message == message
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING
    assert not _sms("booking_rejected") and not _sms("booking_on_hold")


@pytest.mark.django_db
def test_other_with_a_note_is_a_valid_rejection(worker, booking) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_reject(actor=worker, booking_id=booking.pk, reason_code="other", note="  已搬离  本市 ")
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason_code, booking.decision_note) == (S.REJECTED, "other", "已搬离 本市")
    assert (booking.reviewed_by, booking.follow_up_on) == (worker, None)
    assert booking.reviewed_at is not None


# --- SMS and audit ------------------------------------------------------------------------


@pytest.mark.django_db
def test_approval_sends_one_sms_with_the_masked_name_and_notifies(worker, booking) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    (message,) = OutboundMessage.objects.exclude(template="booking_created")
    text = render_message(message.template, message.variables)
    assert message.template == "booking_approved" and message.recipient == booking.phone
    assert "王**" in text and booking.booking_no in text and "齐河第二社区" in text
    assert "王小明" not in text and booking.id_number not in text
    assert message.idempotency_key == f"booking_approved:{booking.booking_no}"


@pytest.mark.django_db
def test_rejection_sms_names_the_reason(worker, booking) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_reject(actor=worker, booking_id=booking.pk, reason_code="not_resident")
    (message,) = _sms("booking_rejected")
    text = render_message(message.template, message.variables)
    assert "未通过审核，原因：非本辖区居民" in text and "王小明" not in text


@pytest.mark.django_db
def test_hold_sms_gives_the_follow_up_date(worker, booking) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_hold(actor=worker, booking_id=booking.pk, reason_code="id_mismatch", follow_up_on=TOMORROW)
    (message,) = _sms("booking_on_hold")
    text = render_message(message.template, message.variables)
    assert f"{TOMORROW.month}月{TOMORROW.day}日前与您联系" in text and "证件信息有误" in text
    assert Booking.objects.get(pk=booking.pk).follow_up_on == TOMORROW


@pytest.mark.django_db
def test_every_move_is_audited_with_actor_and_reason(worker, booking) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_hold(actor=worker, booking_id=booking.pk, reason_code="id_mismatch", note="待补证件", follow_up_on=TOMORROW)
    workflow.booking_approve(actor=worker, booking_id=booking.pk)
    rows = list(AuditEvent.objects.filter(action="booking.status").order_by("id"))
    assert [(e.detail["from"], e.detail["to"]) for e in rows] == [
        ("pending", "on_hold"), ("on_hold", "approved")  # no stock: no voucher, so no → 已通知 (tests/pickup)
    ]
    assert {e.actor for e in rows} == {worker}
    assert rows[0].detail["reason_code"] == "id_mismatch" and rows[0].detail["note"] == "待补证件"
    assert rows[0].detail["follow_up_on"] == TOMORROW.isoformat()
    assert {e.object_id for e in rows} == {booking.booking_no}
    assert {e.committee_id for e in rows} == {booking.committee_id}


@pytest.mark.django_db
def test_a_stale_click_loses_with_a_clear_message(worker, town_officer, booking) -> None:  # type: ignore[no-untyped-def]
    stale = Booking.objects.select_related("round", "committee").get(pk=booking.pk)
    workflow.booking_approve(actor=town_officer, booking_id=booking.pk)
    with pytest.raises(workflow.TransitionConflict) as caught:
        workflow._move(stale, S.REJECTED, actor=worker, reason_code="duplicate", request=None, now=timezone.now())
    assert "刚刚已被其他工作人员处理（当前为“已通过”）" in caught.value.message
    assert not _sms("booking_rejected")


# --- who may act ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "other_town_officer", "clerk"])
def test_only_users_whose_scope_covers_the_booking_may_act(request, booking, persona) -> None:  # type: ignore[no-untyped-def]
    actor = request.getfixturevalue(persona)
    with pytest.raises(workflow.BookingNotFound):
        workflow.booking_approve(actor=actor, booking_id=booking.pk)
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["worker", "town_officer", "district_officer"])
def test_the_committee_its_town_and_the_district_may_act(request, booking, persona) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_approve(actor=request.getfixturevalue(persona), booking_id=booking.pk)
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)


@pytest.mark.django_db
def test_an_unresolved_address_cannot_be_approved_before_it_is_assigned(town_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.forms import BookingData, Person
    from fangkong.booking.services import booking_create
    from fangkong.orgs.models import Town
    from tests.booking.helpers import resident_id

    data = BookingData(Person("李四", "resident_id", resident_id()), "13912345678", None, "周家渡某路1号", Town.objects.get(code="T04"), 1)
    unresolved = booking_create(round_=open_round, data=data).booking
    with pytest.raises(workflow.TransitionRefused):
        workflow.booking_approve(actor=town_officer, booking_id=unresolved.pk)
    workflow.booking_reject(actor=town_officer, booking_id=unresolved.pk, reason_code="not_resident")


# --- quota and bulk -------------------------------------------------------------------------


@pytest.fixture
def five_pending(open_round, rooms) -> list[Booking]:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 100
    open_round.save()
    return [book(open_round, rooms["qihe_101"], name=f"王{n}明") for n in range(5)]


def _quota(round_, committee, quota: int) -> None:  # type: ignore[no-untyped-def]
    """A quota below the queue's length, as in a lottery round. Registration-order rounds stop
    registrations at the quota (``roundunit_not_oversold`` on ``booked``), so the counter is
    reset here to let the test set a smaller quota on a queue already five long."""
    RoundUnit.objects.filter(round=round_, committee=committee).update(booked=0, quota=quota)


@pytest.mark.django_db
def test_approve_in_order_stops_at_the_committees_quota(worker, open_round, committees, five_pending) -> None:  # type: ignore[no-untyped-def]
    _quota(open_round, committees["T04C027"], 3)
    Booking.objects.filter(pk=five_pending[4].pk).update(status=S.APPROVED)  # one approved out of order

    outcome = workflow.booking_approve_in_order(actor=worker, round_=open_round, committee=committees["T04C027"])

    assert outcome.approved == [five_pending[0].booking_no, five_pending[1].booking_no]
    assert outcome.left == 2
    assert Booking.objects.filter(status=S.APPROVED).count() == 3  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)
    again = workflow.booking_approve_in_order(actor=worker, round_=open_round, committee=committees["T04C027"])
    assert (again.approved, again.left) == ([], 2)
    with pytest.raises(workflow.TransitionRefused, match="额度（3人份）已全部审核通过"):
        workflow.booking_approve(actor=worker, booking_id=five_pending[2].pk)


@pytest.mark.django_db
def test_approve_in_order_without_a_quota_approves_every_pending(worker, open_round, committees, five_pending) -> None:  # type: ignore[no-untyped-def]
    workflow.booking_hold(actor=worker, booking_id=five_pending[0].pk, reason_code="id_mismatch", follow_up_on=TOMORROW)
    outcome = workflow.booking_approve_in_order(actor=worker, round_=open_round, committee=committees["T04C027"])
    assert len(outcome.approved) == 4 and outcome.left == 0
    assert Booking.objects.get(pk=five_pending[0].pk).status == S.ON_HOLD  # 待定 is not "valid" yet
    assert len(_sms("booking_approved")) == 4


@pytest.mark.django_db
def test_approve_in_order_is_refused_for_another_committee(outsider, open_round, committees, five_pending) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(workflow.BookingNotFound):
        workflow.booking_approve_in_order(actor=outsider, round_=open_round, committee=committees["T04C027"])
    assert not Booking.objects.exclude(status=S.PENDING).exists()


@pytest.mark.django_db
def test_approve_selected_skips_what_is_not_in_scope_or_not_pending(worker, open_round, rooms, five_pending) -> None:  # type: ignore[no-untyped-def]
    theirs = book(open_round, rooms["shangnan"])
    workflow.booking_reject(actor=worker, booking_id=five_pending[1].pk, reason_code="duplicate")
    ids = [five_pending[0].pk, five_pending[1].pk, five_pending[2].pk, theirs.pk]
    outcome = workflow.booking_approve_many(actor=worker, booking_ids=ids, round_id=open_round.pk)
    assert outcome.approved == [five_pending[0].booking_no, five_pending[2].booking_no]
    assert outcome.left == 2
    assert Booking.objects.get(pk=theirs.pk).status == S.PENDING


# --- the deadline ---------------------------------------------------------------------------


def _local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


@pytest.mark.parametrize(
    ("registered", "deadline"),
    [
        ((2020, 3, 12, 9, 0), (2020, 3, 14)),  # Thursday → end of Friday
        ((2020, 3, 13, 18, 0), (2020, 3, 17)),  # Friday evening → end of Monday
        ((2020, 3, 14, 10, 0), (2020, 3, 17)),  # Saturday → end of Monday
        ((2020, 1, 17, 16, 0), (2020, 1, 20)),  # Friday → Sunday 19 January 2020 was worked (调休)
        ((2020, 10, 9, 16, 0), (2020, 10, 11)),  # Friday → Saturday 10 October 2020 was worked (调休)
        ((2020, 1, 23, 11, 0), (2020, 2, 4)),  # eve of Spring Festival → 3 February (holiday extended)
        ((2020, 9, 30, 11, 0), (2020, 10, 10)),  # National Day + Mid-Autumn → the working Saturday
    ],
)
def test_verification_deadline_counts_chinese_working_days(registered, deadline) -> None:  # type: ignore[no-untyped-def]
    assert verification_deadline(_local(*registered)) == _local(*deadline)


def test_saturday_1_february_2020_was_not_worked_after_all() -> None:
    # Scheduled as 调休 for the Spring Festival, then given as holiday when it was extended.
    assert not is_workday(date(2020, 2, 1)) and is_workday(date(2020, 1, 19))


def test_years_the_calendar_does_not_know_fall_back_to_monday_to_friday() -> None:
    assert is_workday(date(2099, 1, 2)) and not is_workday(date(2099, 1, 3))  # a Friday, a Saturday


@pytest.mark.parametrize(
    ("now", "overdue", "not_overdue"),
    [
        ((2020, 3, 16, 10, 0), (2020, 3, 12, 23, 0), (2020, 3, 13, 0, 0)),  # Monday: Thursday's are late
        ((2020, 1, 19, 10, 0), (2020, 1, 16, 23, 0), (2020, 1, 17, 0, 0)),  # the working Sunday
        ((2020, 1, 20, 10, 0), (2020, 1, 18, 23, 0), (2020, 1, 19, 0, 0)),  # Monday after it
        ((2020, 2, 4, 10, 0), (2020, 2, 1, 12, 0), (2020, 2, 3, 0, 0)),  # after the long holiday
    ],
)
def test_overdue_cutoff_agrees_with_the_deadline(now, overdue, not_overdue) -> None:  # type: ignore[no-untyped-def]
    cutoff = overdue_cutoff(_local(*now))
    assert _local(*overdue) < cutoff <= _local(*not_overdue)
    assert verification_deadline(_local(*overdue)) <= _local(*now) < verification_deadline(_local(*not_overdue))


# --- races on PostgreSQL ----------------------------------------------------------------------




@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_two_workers_approving_at_once_make_one_approval(worker, town_officer, booking) -> None:  # type: ignore[no-untyped-def]
    actors = [worker, town_officer] * 4

    def approve(i: int) -> str:
        try:
            workflow.booking_approve(actor=actors[i], booking_id=booking.pk)
            return "approved"
        except workflow.TransitionError as exc:
            return exc.code

    outcomes = run_concurrently(8, approve)
    assert outcomes.count("approved") == 1
    assert set(outcomes) <= {"approved", "conflict", "refused"}
    assert len(_sms("booking_approved")) == 1
    assert AuditEvent.objects.filter(action="booking.status").count() == 1  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_one_wins(worker, town_officer, booking) -> None:  # type: ignore[no-untyped-def]
    def act(i: int) -> str:
        try:
            if i % 2:
                workflow.booking_reject(actor=worker, booking_id=booking.pk, reason_code="duplicate")
            else:
                workflow.booking_approve(actor=town_officer, booking_id=booking.pk)
            return "done"
        except workflow.TransitionError as exc:
            return exc.code

    outcomes = run_concurrently(6, act)
    assert outcomes.count("done") == 1
    sent = OutboundMessage.objects.filter(template__in=["booking_approved", "booking_rejected"]).count()
    assert sent == 1


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_exceed_the_quota(worker, town_officer, open_round, committees, five_pending) -> None:  # type: ignore[no-untyped-def]
    _quota(open_round, committees["T04C027"], 2)

    def approve(i: int) -> str:
        try:
            workflow.booking_approve(actor=worker if i % 2 else town_officer, booking_id=five_pending[i].pk)
            return "approved"
        except workflow.TransitionError as exc:
            return exc.code

    outcomes = run_concurrently(5, approve)
    assert outcomes.count("approved") == 2
    assert Booking.objects.filter(status=S.APPROVED).count() == 2  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)
