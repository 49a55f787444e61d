"""Clerks managed on the desk's points page: add (create or bind), refuse, remove, scoping."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.core.messaging import render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.orgs.models import Role, Town, User
from fangkong.orgs.services import staff_create

from .conftest import make_point

pytestmark = pytest.mark.django_db
NEW_PHONE = "13955556666"


@pytest.fixture
def huashi(pudong):  # type: ignore[no-untyped-def]
    """A 周家渡街道 pharmacy with no clerks yet."""
    return make_point("T04", "华氏大药房（上南路店）")


def add(client, point, name="李店员", phone=NEW_PHONE, **extra):  # type: ignore[no-untyped-def]
    prefix = f"p{point.pk}"
    return client.post(reverse("pickup:clerk_add", args=[point.pk]),
                       {f"{prefix}-name": name, f"{prefix}-phone": phone, **extra})


def remove(client, point, clerk):  # type: ignore[no-untyped-def]
    return client.post(reverse("pickup:clerk_remove", args=[point.pk, clerk.pk]))


def phone_clerk(town_code: str, phone: str, name: str = "老店员"):  # type: ignore[no-untyped-def]
    return staff_create(username=f"clerk-{phone}", password="clerk-pass-2020", role=Role.PICKUP_CLERK,
                        display_name=name, phone=phone, town=Town.objects.get(code=town_code))


def test_points_page_lists_each_points_clerks_with_masked_phones(client, town_officer, pharmacy) -> None:  # type: ignore[no-untyped-def]
    pharmacy.clerks.add(phone_clerk("T04", "13912345678", "张店员"))
    client.force_login(town_officer)
    page = client.get(reverse("pickup:desk_points")).content.decode()
    assert "张店员" in page and "139****5678" in page and "13912345678" not in page
    assert "添加店员" in page and "移除" in page
    assert "系统管理后台" not in page


def test_a_new_phone_creates_a_clerk_account_and_texts_the_activation_address(client, town_officer, huashi,  # type: ignore[no-untyped-def]
                                                                              settings) -> None:
    settings.SITE_URL = "https://fk.example.cn"
    client.force_login(town_officer)
    response = add(client, huashi, phone="139 5555 6666")
    assert response.status_code == 302 and response["Location"].endswith(f"#point-{huashi.pk}")
    clerk = User.objects.get(username=NEW_PHONE)
    assert (clerk.role, clerk.phone, clerk.display_name, clerk.town.code) == (Role.PICKUP_CLERK, NEW_PHONE, "李店员", "T04")
    assert not clerk.has_usable_password()
    assert list(huashi.clerks.all()) == [clerk]
    sms = OutboundMessage.objects.get(recipient=NEW_PHONE)
    text = render_message(sms.template, sms.variables)
    assert sms.template == "pickup_clerk_invited"
    assert "https://fk.example.cn/accounts/activate/" in text and huashi.name in text and huashi.address in text
    event = AuditEvent.objects.get(action="pickup.clerk_add")
    assert (event.actor_id, event.object_id, event.town_id) == (town_officer.pk, str(huashi.pk), huashi.town_id)
    assert event.detail == {"clerk": clerk.pk, "phone": "139****6666", "created": True}
    page = client.get(response["Location"]).content.decode()
    assert "已为“华氏大药房（上南路店）”新建店员账号 李店员（139****6666）" in page and "待设置密码" in page


def test_an_existing_clerk_of_the_town_is_bound_not_duplicated(client, town_officer, pharmacy, qihe_office) -> None:  # type: ignore[no-untyped-def]
    existing = phone_clerk("T04", NEW_PHONE)
    client.force_login(town_officer)
    assert add(client, qihe_office, name="别的名字").status_code == 302
    assert list(qihe_office.clerks.all()) == [existing]
    assert User.objects.filter(phone=NEW_PHONE).count() == 1
    existing.refresh_from_db()
    assert existing.display_name == "老店员"
    sms = OutboundMessage.objects.get(recipient=NEW_PHONE)
    assert sms.template == "pickup_clerk_added" and sms.variables["url"].endswith("/pickup/")
    assert AuditEvent.objects.get(action="pickup.clerk_add").detail["created"] is False


@pytest.mark.parametrize("holder", ["worker", "town_officer", "office_member"])
def test_a_phone_of_another_kind_of_account_is_refused(client, town_officer, huashi, committees, holder) -> None:  # type: ignore[no-untyped-def]
    if holder == "worker":
        staff_create(username="qihe-w", password="x-pass-123456", role=Role.COMMITTEE_WORKER, phone=NEW_PHONE,
                     committee=committees["T04C027"])
    elif holder == "town_officer":
        User.objects.filter(pk=town_officer.pk).update(phone=NEW_PHONE)
    else:
        User.objects.create(username=NEW_PHONE, role=Role.OFFICE_MEMBER, district_id=huashi.district_id)
    client.force_login(town_officer)
    response = add(client, huashi)
    assert response.status_code == 422
    assert "已用于其他工作人员或协同办公账号，不能作为店员添加" in response.content.decode()
    assert not huashi.clerks.exists()
    assert not User.objects.filter(role=Role.PICKUP_CLERK, phone=NEW_PHONE).exists()
    assert not OutboundMessage.objects.exists() and not AuditEvent.objects.filter(action="pickup.clerk_add").exists()


def test_another_towns_clerk_is_refused_to_the_town_but_bound_by_the_district(client, town_officer, district_officer,  # type: ignore[no-untyped-def]
                                                                              huashi) -> None:
    shanggang_clerk = phone_clerk("T01", NEW_PHONE)
    client.force_login(town_officer)
    response = add(client, huashi)
    assert response.status_code == 422 and "是其他街镇的店员账号" in response.content.decode()
    client.force_login(district_officer)
    assert add(client, huashi).status_code == 302
    assert list(huashi.clerks.all()) == [shanggang_clerk]


def test_a_bad_phone_or_name_is_refused_in_chinese(client, town_officer, huashi) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    response = add(client, huashi, name="", phone="021-5888 1234")
    assert response.status_code == 422
    page = response.content.decode()
    assert "请填写店员姓名。" in page and "11位中国大陆手机号码" in page
    assert re.search(r"<details open>", page)
    assert not User.objects.filter(role=Role.PICKUP_CLERK, phone=NEW_PHONE).exists()


def test_adding_the_same_clerk_twice_says_so(client, town_officer, huashi) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    add(client, huashi)
    response = add(client, huashi)
    assert response.status_code == 422 and "李店员已是“华氏大药房（上南路店）”的店员。" in response.content.decode()
    assert OutboundMessage.objects.count() == 1


def test_removing_a_clerk_unbinds_and_keeps_the_account(client, town_officer, pharmacy, clerk) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    response = remove(client, pharmacy, clerk)
    assert response.status_code == 302
    assert not pharmacy.clerks.exists() and User.objects.filter(pk=clerk.pk, is_active=True).exists()
    event = AuditEvent.objects.get(action="pickup.clerk_remove")
    assert (event.actor_id, event.object_id, event.detail["clerk"]) == (town_officer.pk, str(pharmacy.pk), clerk.pk)
    client.force_login(clerk)
    assert client.get(reverse("pickup:clerk")).status_code == 404


def test_removing_someone_not_on_the_point_is_404(client, town_officer, pharmacy, qihe_office, clerk) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert remove(client, qihe_office, clerk).status_code == 404
    assert list(pharmacy.clerks.all()) == [clerk]


def test_other_towns_and_workers_cannot_touch_a_towns_clerks(client, other_town_officer, worker, clerk,  # type: ignore[no-untyped-def]
                                                              pharmacy) -> None:
    for stranger in (other_town_officer, worker, clerk):
        client.force_login(stranger)
        assert add(client, pharmacy).status_code == 404
        assert remove(client, pharmacy, clerk).status_code == 404
    assert list(pharmacy.clerks.all()) == [clerk]
    assert not User.objects.filter(phone=NEW_PHONE).exists()
    assert not AuditEvent.objects.filter(action__startswith="pickup.clerk").exists()


def test_adding_and_removing_need_post(client, town_officer, pharmacy, clerk) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert client.get(reverse("pickup:clerk_add", args=[pharmacy.pk])).status_code == 405
    assert client.get(reverse("pickup:clerk_remove", args=[pharmacy.pk, clerk.pk])).status_code == 405


def test_points_page_queries_do_not_grow_with_points_and_clerks(client, town_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    make_point("T04", "一号药房", clerks=[phone_clerk("T04", "13900000011")])
    client.get(reverse("pickup:desk_points"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pickup:desk_points"))
    for n in range(2, 5):
        make_point("T04", f"{n}号药房", clerks=[phone_clerk("T04", f"139000000{n}{n}"), phone_clerk("T04", f"139000001{n}{n}")])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("pickup:desk_points"))
    assert len(many) == len(one)


def test_a_clerk_added_on_the_desk_activates_and_sees_her_point(client, town_officer, huashi) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    client.force_login(town_officer)
    add(client, huashi)
    client.logout()
    client.post("/accounts/activate/", {"step": "phone", "phone": NEW_PHONE})
    sms = OutboundMessage.objects.filter(recipient=NEW_PHONE, template="staff_activation_code").latest("id")
    code = sms.variables["code"]
    client.post("/accounts/activate/", {"step": "verify", "phone": NEW_PHONE, "code": code,
                                        "password": "yifeng-qihe-2020", "password2": "yifeng-qihe-2020"})
    client.logout()
    response = client.post("/accounts/login/", {"username": NEW_PHONE, "password": "yifeng-qihe-2020"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("pickup:clerk")
    assert huashi.name in response.content.decode()
    cache.clear()
