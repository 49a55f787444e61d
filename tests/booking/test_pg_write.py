"""The one-round-trip PostgreSQL write of ``booking_create`` (booking/pg_write.py) and its fallbacks.

Runs against committed data (``transaction=True``) so the write goes out as it does in the app
server: one query string, outside any transaction of the test's. PostgreSQL only.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from fangkong.booking.forms import BookingData, Person
from fangkong.booking.models import Booking, RoundUnit
from fangkong.booking.services import (
    DuplicateBooking,
    HouseholdLimit,
    QuotaExhausted,
    booking_create,
)
from fangkong.core.messaging import queue_sms
from fangkong.core.models import DeliveredMessage, MessageStatus, OutboundMessage
from fangkong.core.tasks import deliver_message
from tests.booking.helpers import resident_id, sent_statements
from tests.conftest import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.django_db(transaction=True)]


def _data(room, id_number: str | None = None, **overrides) -> BookingData:  # type: ignore[no-untyped-def]
    values = {
        "applicant": Person("王小明", "resident_id", id_number or resident_id()),
        "phone": "13812345678",
        "address": room,
        "address_text": room.label,
        "town": room.town,
        "household_size": 2,
    }
    values.update(overrides)
    return BookingData(**values)


def test_a_booking_is_one_round_trip_with_its_sms_and_delivery_job(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    data = _data(room)
    room.committee  # noqa: B018 - load the relations before counting statements

    with sent_statements() as sent:
        booking = booking_create(round_=open_round, data=data).booking

    assert len(sent) == 1
    stored = Booking.objects.get()
    assert (stored.pk, stored.booking_no, stored.seq) == (booking.pk, f"B{open_round.pk}-T04C027-00001", 1)
    assert (stored.committee_id, stored.town_id, stored.unit_id) == (room.committee_id, room.town_id, booking.unit_id)
    assert stored.created_at == booking.created_at
    message = OutboundMessage.objects.get()
    assert message.idempotency_key == f"booking_created:{stored.booking_no}"
    assert message.variables == {
        "name": "王小明", "round": open_round.name, "booking_no": stored.booking_no,
        "queue_position": 1, "committee": room.committee.name,
    }
    assert (message.status, message.attempts, message.rendered) == (MessageStatus.PENDING, 0, "")
    job = DBTaskResult.objects.get()
    assert job.args_kwargs == {"args": [message.pk], "kwargs": {}}


def test_a_session_that_lost_its_prepared_statement_prepares_it_again(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    booking_create(round_=open_round, data=_data(rooms["qihe_101"]))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a connection pooler's reset does

    booking = booking_create(round_=open_round, data=_data(rooms["qihe_102"])).booking

    assert booking.seq == 2
    assert Booking.objects.count() == OutboundMessage.objects.count() == DBTaskResult.objects.count() == 2


def test_its_job_row_is_the_one_enqueue_writes(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    booking_create(round_=open_round, data=_data(rooms["qihe_101"]))
    with transaction.atomic():
        queue_sms(phone="13812345678", template="lookup_code", variables={"code": "1", "minutes": 10}, key="k")

    ours, enqueued = DBTaskResult.objects.order_by("enqueued_at")
    for field in ("status", "priority", "task_path", "queue_name", "backend_name", "run_after", "worker_ids",
                  "return_value", "exception_class_path", "traceback", "started_at", "finished_at"):
        assert getattr(ours, field) == getattr(enqueued, field), field
    assert ours.pk != enqueued.pk


def test_the_worker_sends_its_sms_once(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    booking = booking_create(round_=open_round, data=_data(rooms["qihe_101"])).booking

    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="sms", verbosity=0)
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="sms", verbosity=0)

    message = OutboundMessage.objects.get()
    assert message.status == MessageStatus.SENT
    assert DeliveredMessage.objects.count() == 1
    assert booking.booking_no in DeliveredMessage.objects.get().body
    assert deliver_message.call(message.pk) == "skipped"


def test_an_email_address_adds_an_email_and_its_job_in_the_same_statement(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = _data(rooms["qihe_101"], email="wang@example.com")
    rooms["qihe_101"].committee  # noqa: B018

    with sent_statements() as sent:
        booking = booking_create(round_=open_round, data=data).booking

    assert len(sent) == 1
    messages = dict(OutboundMessage.objects.values_list("channel", "idempotency_key"))
    assert messages == {"sms": f"booking_created:{booking.booking_no}", "email": f"booking_created_email:{booking.booking_no}"}
    assert OutboundMessage.objects.get(channel="email").recipient == "wang@example.com"
    assert sorted(j.args_kwargs["args"][0] for j in DBTaskResult.objects.all()) == sorted(
        OutboundMessage.objects.values_list("pk", flat=True)
    )


def test_a_second_booking_of_the_same_id_writes_nothing(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    id_number = resident_id()
    first = booking_create(round_=open_round, data=_data(room, id_number)).booking

    with pytest.raises(DuplicateBooking) as refused:
        booking_create(round_=open_round, data=_data(room, id_number))

    assert refused.value.existing.booking_no == first.booking_no
    assert Booking.objects.count() == OutboundMessage.objects.count() == DBTaskResult.objects.count() == 1
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 1


def test_a_full_committee_quota_is_explained_and_writes_nothing(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    RoundUnit.objects.filter(round=open_round, committee=room.committee).update(quota=1)
    booking_create(round_=open_round, data=_data(room))

    with pytest.raises(QuotaExhausted, match="额度已约满"):
        booking_create(round_=open_round, data=_data(rooms["qihe_102"]))

    assert Booking.objects.count() == OutboundMessage.objects.count() == DBTaskResult.objects.count() == 1
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 1


def test_a_full_household_is_explained_and_writes_nothing(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    open_round.per_household_limit = 2
    open_round.save()
    booking_create(round_=open_round, data=_data(room))
    booking_create(round_=open_round, data=_data(room))

    with pytest.raises(HouseholdLimit, match="该地址已有2人预约"):
        booking_create(round_=open_round, data=_data(room))

    assert Booking.objects.count() == OutboundMessage.objects.count() == 2
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 2


def test_a_committee_without_a_queue_yet_gets_one_through_the_orm_path(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    RoundUnit.objects.filter(round=open_round, committee=room.committee).delete()

    booking = booking_create(round_=open_round, data=_data(room)).booking

    assert booking.seq == 1
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 1


@pytest.mark.parametrize(
    "case",
    ["members", "free_text_address", "round_total_quota"],
)
def test_cases_the_single_statement_leaves_to_the_orm_path(case: str, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    data = _data(room)
    if case == "members":
        data = _data(room, members=(Person("王小红", "resident_id", resident_id()),))
    elif case == "free_text_address":
        data = _data(room, address=None, address_text="周家渡街道 齐河路 1 号")
    else:
        open_round.total_quota = 100
        open_round.save()

    with sent_statements() as sent:
        outcome = booking_create(round_=open_round, data=data)

    assert len(sent) > 1
    assert Booking.objects.count() == 1 + len(outcome.members)
    assert OutboundMessage.objects.count() == 1
    # The SMS delivery job, and for a typed address also the job that sends it to the matcher.
    jobs = 2 if case == "free_text_address" else 1
    assert DBTaskResult.objects.count() == jobs


def test_inside_a_callers_transaction_a_duplicate_leaves_that_transaction_usable(open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    id_number = resident_id()
    with transaction.atomic():
        booking_create(round_=open_round, data=_data(room, id_number))
        with pytest.raises(DuplicateBooking):
            booking_create(round_=open_round, data=_data(room, id_number))
        booking_create(round_=open_round, data=_data(room))

    assert Booking.objects.count() == OutboundMessage.objects.count() == DBTaskResult.objects.count() == 2


def test_with_server_side_binding_the_statements_go_one_by_one(open_round, rooms, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict.get("OPTIONS", {}), "server_side_binding": True})

    data = _data(rooms["qihe_101"])
    rooms["qihe_101"].committee  # noqa: B018

    with sent_statements() as sent:
        booking_create(round_=open_round, data=data)

    assert [s.split()[0] for s in sent] == ["SELECT", "WITH"]
    assert Booking.objects.count() == OutboundMessage.objects.count() == DBTaskResult.objects.count() == 1


def test_a_write_planned_on_an_empty_table_is_planned_again_once_the_table_has_grown(open_round, committees) -> None:  # type: ignore[no-untyped-def]
    """The household count must not stay a sequential scan: a session that prepared the write
    while ``booking_booking`` was recorded as empty (a new deployment, a TRUNCATE + VACUUM)
    kept a generic plan that scanned every booking on every booking, until autovacuum."""
    from fangkong.core import prepared
    from tests.conftest import make_room

    assert open_round.per_household_limit  # the write with the household count
    rooms = iter([make_room(committees["T04C027"], f"A9100{i:04d}", room=str(1000 + i)) for i in range(40)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_booking")  # recorded as empty
    sent: list[tuple[str, dict]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "EXECUTE fk_booking_write_" in sql:
            sent.append((sql.split(";\n")[-1], params))
        return execute(sql, params, many, context)

    def book() -> None:
        with connection.execute_wrapper(record):
            booking_create(round_=open_round, data=_data(next(rooms)))

    def plan() -> str:
        query, params = sent[-1]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + query, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    for _ in range(6):  # PostgreSQL settles on its generic plan after five custom ones
        book()
    first = Booking.objects.first()
    assert first is not None
    Booking.objects.bulk_create(
        Booking(**{**{f.attname: getattr(first, f.attname) for f in Booking._meta.concrete_fields if f.attname != "id"},
                   "id_number": resident_id(), "booking_no": f"X{i}", "seq": 10_000 + i})
        for i in range(20_000)
    )
    stale = plan()
    assert "Seq Scan on booking_booking" in stale, stale  # what the generic plan made on an empty table does

    name = "fk_booking_write_1"  # the write with the household count, prepared in this session
    while prepared.executions(name) < prepared.REPLAN_AT[0]:
        book()
    for _ in range(6):  # prepared again before the first of these, generic again after five
        book()

    fresh = plan()
    assert "Seq Scan on booking_booking" not in fresh, fresh
    assert "booking_booking_address_id" in fresh, fresh


def test_the_write_is_planned_again_at_growing_intervals() -> None:
    from fangkong.core.prepared import REPLAN_AT, REPLAN_EVERY, replan_due

    due = [n for n in range(1, 3 * REPLAN_EVERY + 1) if replan_due(n)]
    assert due == [*REPLAN_AT, REPLAN_EVERY, 2 * REPLAN_EVERY, 3 * REPLAN_EVERY]
