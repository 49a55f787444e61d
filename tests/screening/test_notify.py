"""SMS when new orders arrive: one per committee worker per import batch, one per town officer
for new urgent symptom_check orders; masked, through the outbox, never twice."""

from __future__ import annotations

import pytest

from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import Role
from fangkong.orgs.services import staff_create
from fangkong.screening.services_import import orders_import

from .conftest import order_row, write_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(committees, t04):  # type: ignore[no-untyped-def]
    def staff(username, role, phone, **org):  # type: ignore[no-untyped-def]
        return staff_create(username=username, password="pw-x", role=role, display_name=username, phone=phone, **org)

    return {
        "qihe": staff("qihe-a", Role.COMMITTEE_WORKER, "13900000001", committee=committees["T04C027"]),
        "qihe_b": staff("qihe-b", Role.COMMITTEE_WORKER, "13900000002", committee=committees["T04C027"]),
        "shangnan": staff("shangnan-a", Role.COMMITTEE_WORKER, "13900000003", committee=committees["T04C001"]),
        "town": staff("zjd-a", Role.TOWN_OFFICER, "13900000004", town=t04),
    }


def sms_to(phone: str) -> list[str]:
    return [render_message(m.template, m.variables) for m in OutboundMessage.objects.filter(recipient=phone)]


def day(tmp_path, pudong):  # type: ignore[no-untyped-def]
    rows = [order_row(committee_code="T04C027", name="王小明", phone="13812345678", id_number="42010619800101123X"),
            order_row(committee_code="T04C027"),
            order_row(committee_code="T04C027", order_type="symptom_check", priority="urgent", rules="R1;R2"),
            order_row(committee_code="T04C001"),
            order_row(committee_code="", address_id="", town_code="T04", order_type="symptom_check",
                      priority="urgent", rules="R2")]
    return orders_import(path=write_orders(tmp_path / "ORDERS.csv", rows), district=pudong)


def test_each_committee_worker_gets_one_sms_per_batch_with_the_counts(tmp_path, pudong, phones):  # type: ignore[no-untyped-def]
    day(tmp_path, pudong)
    assert sms_to("13900000001") == ["【浦东防控】齐河第二社区新收到3张核查工单（其中紧急1张），请尽快登录防控工作台签收并上门核查。"]
    assert len(sms_to("13900000002")) == 1
    assert sms_to("13900000003") == ["【浦东防控】上南一村新收到1张核查工单，请尽快登录防控工作台签收并上门核查。"]


def test_urgent_symptom_orders_also_tell_the_town(tmp_path, pudong, phones):  # type: ignore[no-untyped-def]
    day(tmp_path, pudong)
    assert sms_to("13900000004") == ["【浦东防控】周家渡街道新增2张紧急症状核查工单（待派单1张、齐河第二社区1张），"
                                     "须30分钟内签收，请督促办理。"]


def test_the_sms_carry_no_personal_data(tmp_path, pudong, phones):  # type: ignore[no-untyped-def]
    day(tmp_path, pudong)
    bodies = " ".join(render_message(m.template, m.variables) for m in OutboundMessage.objects.all())
    for personal in ("王小明", "王", "13812345678", "42010619800101123X", "航亭环路"):
        assert personal not in bodies


def test_a_rerun_of_the_day_sends_nothing(tmp_path, pudong, phones):  # type: ignore[no-untyped-def]
    first = day(tmp_path, pudong)
    sent = OutboundMessage.objects.count()
    path = tmp_path / "ORDERS.csv"
    second = orders_import(path=path, district=pudong)
    assert (first.sms, second.created, second.sms) == (4, 0, 0)  # two qihe workers, shangnan, the town
    assert OutboundMessage.objects.count() == sent


def test_workers_without_a_phone_and_other_committees_get_nothing(tmp_path, pudong, phones, worker, outsider):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(committee_code="T04C027")])
    result = orders_import(path=path, district=pudong)
    assert result.sms == 2  # qihe-a and qihe-b; the persona qihe2 has no phone
    assert sms_to("13900000003") == [] and sms_to("13900000004") == []


def test_a_town_routing_orders_tells_the_committee_once_per_action(pudong, phones, town_officer, committees, t04):  # type: ignore[no-untyped-def]
    from fangkong.screening.services import order_route, orders_route

    from .conftest import make_order

    waiting = [make_order(town=t04) for _n in range(3)]
    assert orders_route(actor=town_officer, orders=waiting[:2], committee=committees["T04C001"]) == 2
    assert sms_to("13900000003") == ["【浦东防控】上南一村新收到2张核查工单，请尽快登录防控工作台签收并上门核查。"]
    order_route(actor=town_officer, order=waiting[2], committee=committees["T04C001"])
    assert len(sms_to("13900000003")) == 2
    assert sms_to("13900000004") == []  # the town did it itself
