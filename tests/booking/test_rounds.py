"""Creating and opening rounds: district-wide by the district, one town's by its officer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.booking.models import Round, RoundStatus, RoundUnit
from fangkong.booking.services import round_create, round_set_status
from fangkong.core.models import AuditEvent
from tests.booking.helpers import payload

pytestmark = pytest.mark.django_db


def form(**overrides):  # type: ignore[no-untyped-def]
    now = timezone.localtime()
    data = {
        "new_goods": "抗原检测试剂",
        "new_goods_unit": "盒",
        "number": "1",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "per_person_limit": "2",
        "per_household_limit": "5",
        "allocation": "order",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_district_officer_creates_a_district_wide_round(client, district_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    response = client.post("/desk/rounds/new/", form())
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert (round_.name, round_.town, round_.status) == ("抗原检测试剂 · 第一轮", None, RoundStatus.OPEN)
    assert RoundUnit.objects.filter(round=round_, committee__isnull=False).count() == 1301
    assert AuditEvent.objects.filter(action="round.create", actor=district_officer).exists()


def test_town_officer_creates_a_round_for_her_town_only(client, town_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    client.post("/desk/rounds/new/", form())
    round_ = Round.objects.get()
    assert round_.town == town_officer.town and "（周家渡街道）" in round_.name
    assert set(RoundUnit.objects.filter(round=round_).values_list("town__code", flat=True)) == {"T04"}


def test_committee_worker_cannot_create_rounds(client, worker) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.post("/desk/rounds/new/", form()).status_code == 403
    with pytest.raises(PermissionError):
        round_create(actor=worker, district=worker.district, goods=None, number=1,  # type: ignore[arg-type]
                     opens_at=timezone.now(), closes_at=timezone.now())


def test_form_errors_are_explained(client, district_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    html = client.post("/desk/rounds/new/", form(new_goods="", closes_at="2000-01-01T00:00")).content.decode()
    assert "请选择物资，或填写新物资名称。" in html and "截止时间必须晚于开始时间。" in html


def test_duplicate_round_number_is_explained(client, district_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    client.post("/desk/rounds/new/", form())
    html = client.post("/desk/rounds/new/", form()).content.decode()
    assert "抗原检测试剂第1轮已存在。" in html


def test_town_round_refuses_residents_of_other_towns(client, town_officer, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    client.post("/desk/rounds/new/", form())
    round_ = Round.objects.get()
    client.logout()
    url = f"/api/v1/rounds/{round_.pk}/bookings"
    assert client.post(url, json.dumps(payload(rooms["qihe_101"])), content_type="application/json").status_code == 201
    refused = client.post(url, json.dumps(payload(rooms["shanggang"])), content_type="application/json")
    assert refused.status_code == 422 and "仅限周家渡街道居民" in refused.json()["errors"]["address_id"][0]


def test_town_rounds_are_invisible_to_other_towns(client, town_officer, other_town_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    client.post("/desk/rounds/new/", form())
    round_ = Round.objects.get()
    assert not Round.objects.visible_to(other_town_officer).exists()
    client.force_login(other_town_officer)
    assert client.get(f"/desk/rounds/{round_.pk}/").status_code == 404


def test_status_transitions(open_round, district_officer, town_officer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionError):
        round_set_status(actor=town_officer, round_=open_round, status=RoundStatus.CLOSED)
    round_set_status(actor=district_officer, round_=open_round, status=RoundStatus.CLOSED)
    with pytest.raises(ValueError, match="不能从"):
        round_set_status(actor=district_officer, round_=open_round, status=RoundStatus.DRAFT)
    assert Round.objects.get().status == RoundStatus.CLOSED


def test_close_button(client, open_round, district_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    client.post(f"/desk/rounds/{open_round.pk}/status/", {"status": "closed"})
    assert Round.objects.get().status == RoundStatus.CLOSED


def test_town_officer_sees_no_open_close_buttons_on_district_rounds(client, open_round, town_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    html = client.get("/desk/?all=1").content.decode()
    assert f"/desk/rounds/{open_round.pk}/status/" not in html
    assert f"/desk/rounds/{open_round.pk}/quotas/" in html  # towns still set their committees' quotas


def test_district_officer_sees_open_close_buttons(client, open_round, district_officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    assert f"/desk/rounds/{open_round.pk}/status/" in client.get("/desk/?all=1").content.decode()
