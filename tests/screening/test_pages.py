"""The pages: who sees which orders (404 outside the scope), the lists' query counts, and the
forms a committee worker uses on a phone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core.models import AuditEvent
from fangkong.screening.models import OrderStatus, WorkOrder

from .conftest import make_order

pytestmark = pytest.mark.django_db
ORDER_URLS = ["/screening/orders/{pk}/", "/screening/orders/{pk}/result/", "/screening/orders/{pk}/return/",
              "/screening/orders/{pk}/photo/"]
POST_URLS = ["/screening/orders/{pk}/accept/", "/screening/orders/{pk}/route/", "/screening/orders/{pk}/close/",
             "/screening/orders/{pk}/extension/", "/screening/orders/{pk}/false-positive/"]


@pytest.fixture
def qihe_order(committees):  # type: ignore[no-untyped-def]
    return make_order(committees["T04C027"], name="王小明")


def test_the_committee_list_shows_its_own_orders_only(client, committees, worker, qihe_order):  # type: ignore[no-untyped-def]
    make_order(committees["T04C001"], name="赵大")
    client.force_login(worker)
    page = client.get("/screening/").content.decode()
    assert qihe_order.order_id in page
    assert page.count("data-order=") == 1
    assert "王**" in page and "王小明" not in page


def test_the_town_list_shows_its_towns_orders_only(client, t04, committees, town_officer):  # type: ignore[no-untyped-def]
    mine = make_order(town=t04)
    other = make_order(committees["T01C001"])
    client.force_login(town_officer)
    page = client.get("/screening/?status=dispatch").content.decode()
    assert mine.order_id in page and other.order_id not in page


@pytest.mark.parametrize("url", ORDER_URLS)
def test_order_pages_of_another_committee_are_not_found(client, outsider, qihe_order, url):  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    assert client.get(url.format(pk=qihe_order.pk)).status_code == 404


@pytest.mark.parametrize("url", POST_URLS)
def test_order_actions_of_another_town_are_not_found(client, other_town_officer, qihe_order, url):  # type: ignore[no-untyped-def]
    client.force_login(other_town_officer)
    assert client.post(url.format(pk=qihe_order.pk)).status_code == 404


def test_a_pickup_clerk_sees_no_orders(client, clerk, qihe_order):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    assert client.get("/screening/").status_code == 404
    assert client.get(f"/screening/orders/{qihe_order.pk}/").status_code == 404


def test_bulk_actions_ignore_orders_outside_the_scope(client, other_town_officer, qihe_order, committees):  # type: ignore[no-untyped-def]
    client.force_login(other_town_officer)
    client.post("/screening/bulk/", {"ids": [qihe_order.pk], "action": "route", "committee": committees["T01C001"].pk})
    qihe_order.refresh_from_db()
    assert qihe_order.committee == committees["T04C027"]


def test_the_detail_unmasks_for_staff_with_the_permission_and_audits_it(client, worker, qihe_order):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    page = client.get(f"/screening/orders/{qihe_order.pk}/").content.decode()
    assert "王小明" in page
    assert "重点地区来沪" in page and "G60沪昆高速枫泾" in page  # the rule and its source record
    assert AuditEvent.objects.filter(action="screening.unmask", object_id=qihe_order.order_id).exists()


def test_without_the_permission_the_person_and_the_records_are_masked(client, worker, qihe_order):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    worker.groups.set(Group.objects.none())
    client.force_login(worker)
    page = client.get(f"/screening/orders/{qihe_order.pk}/").content.decode()
    assert "王小明" not in page and "42010619800101123X" not in page
    assert "420106********123X" in page


def test_a_worker_accepts_and_reports_from_the_phone_pages(client, worker, qihe_order):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.post(f"/screening/orders/{qihe_order.pk}/accept/").status_code == 302
    response = client.post(f"/screening/orders/{qihe_order.pk}/result/", {
        "outcome": "home_observation", "note": "已告知居家观察要求",
        "photo": SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg")})
    assert response.status_code == 302
    qihe_order.refresh_from_db()
    assert qihe_order.status == OrderStatus.REPORTED and qihe_order.photo
    assert client.get(f"/screening/orders/{qihe_order.pk}/photo/").status_code == 200
    assert "今日居家观察" in client.get("/screening/").content.decode()


def test_the_result_form_says_what_is_missing_in_chinese(client, worker, committees):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS)
    client.force_login(worker)
    response = client.post(f"/screening/orders/{order.pk}/result/", {
        "outcome": "not_home", "photo": SimpleUploadedFile("a.exe", b"MZ")})
    assert response.status_code == 422
    assert "照片只能是 JPG、PNG、WEBP 或 HEIC 格式。" in response.content.decode()
    assert client.post(f"/screening/orders/{order.pk}/result/", {}).content.decode().count("请选择核查结果。") == 1


def test_the_town_routes_a_waiting_order_to_a_candidate(client, t04, committees, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(town=t04, candidates=[
        {"address_id": "A90000003", "label": "上南路100号201室", "committee_code": "T04C001",
         "committee_id": committees["T04C001"].pk, "committee_name": "上南一村"}])
    client.force_login(town_officer)
    assert "上南路100号201室" in client.get("/screening/?status=dispatch").content.decode()
    client.post(f"/screening/orders/{order.pk}/route/", {"candidate": "1"})
    order.refresh_from_db()
    assert (order.status, order.committee, order.address_id) == (OrderStatus.PENDING_ACCEPT, committees["T04C001"],
                                                                 "A90000003")


def test_the_town_bulk_assigns_to_a_committee(client, t04, committees, town_officer):  # type: ignore[no-untyped-def]
    orders = [make_order(town=t04) for _ in range(3)]
    client.force_login(town_officer)
    client.post("/screening/bulk/", {"ids": [o.pk for o in orders], "action": "route",
                                      "committee": committees["T04C027"].pk})
    assert set(WorkOrder.objects.filter(committee=committees["T04C027"]).values_list("pk", flat=True)) == {
        o.pk for o in orders}


def test_a_worker_returns_an_order_with_a_reason(client, worker, qihe_order):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.post(f"/screening/orders/{qihe_order.pk}/return/", {"reason": "not_our_area"}).status_code == 302
    qihe_order.refresh_from_db()
    assert qihe_order.status == OrderStatus.PENDING_DISPATCH


def test_an_overdue_order_is_red_on_the_committee_list(client, worker, committees):  # type: ignore[no-untyped-def]
    from .conftest import hours_ago

    make_order(committees["T04C027"], accept_due=hours_ago(1))
    client.force_login(worker)
    assert 'class="overdue"' in client.get("/screening/").content.decode()


def test_list_queries_do_not_grow_with_orders(client, t04, committees, town_officer, worker,  # type: ignore[no-untyped-def]
                                              django_assert_max_num_queries):
    for _ in range(12):
        make_order(committees["T04C027"])
        make_order(town=t04)
    client.force_login(worker)
    with django_assert_max_num_queries(8):
        assert client.get("/screening/").status_code == 200
    client.force_login(town_officer)
    for status in ("dispatch", "accept"):
        with django_assert_max_num_queries(9):
            assert client.get(f"/screening/?status={status}").status_code == 200


def test_the_town_sees_handling_times_per_committee(client, committees, town_officer, worker):  # type: ignore[no-untyped-def]
    from .conftest import hours_ago

    make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS, accept_seconds=600)
    make_order(committees["T04C027"], status=OrderStatus.CLOSED, accept_seconds=1800, door_seconds=7200,
               close_seconds=9000)
    make_order(committees["T04C001"], accept_due=hours_ago(1))
    make_order(committees["T01C001"])  # another town's
    client.force_login(town_officer)
    page = client.get("/screening/?times=1").content.decode()
    assert "上南花城社区" not in page
    assert '<tr class="overdue"><td><a href="?status=open&amp;committee=' in page  # 上南一村, overdue first
    assert "<td>2</td><td>1</td><td>0</td><td>20</td><td>120</td><td>150</td>" in page  # 齐河第二社区


def test_the_town_filters_by_committee(client, committees, town_officer):  # type: ignore[no-untyped-def]
    qihe = make_order(committees["T04C027"])
    shangnan = make_order(committees["T04C001"])
    client.force_login(town_officer)
    page = client.get(f"/screening/?status=accept&committee={committees['T04C001'].pk}").content.decode()
    assert shangnan.order_id in page and qihe.order_id not in page


def test_detail_queries_do_not_grow_with_events(client, committees, worker, town_officer,  # type: ignore[no-untyped-def]
                                                django_assert_max_num_queries):
    from fangkong.screening.services import extension_decide, extension_request, order_accept

    order = make_order(committees["T04C027"])
    order_accept(actor=worker, order=order)
    for _ in range(3):
        extension_request(actor=worker, order=order, hours=2, reason="联系不上")
        extension_decide(actor=town_officer, order=order, approve=False)
    client.force_login(worker)
    with django_assert_max_num_queries(10):
        assert client.get(f"/screening/orders/{order.pk}/").status_code == 200
