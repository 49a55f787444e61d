"""Every office URL with an id is a 404 outside the user's scope; inboxes are personal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.office.directives import Target, directive_publish
from fangkong.office.models import Receipt
from fangkong.orgs.models import Town

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_directive(town_officer, people):  # type: ignore[no-untyped-def]
    return directive_publish(actor=town_officer, title="周家渡通知", body="正文", target=Target(levels=["committees"]),
                             attachments=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4")])


@pytest.fixture
def district_directive(district_officer, people, worker):  # type: ignore[no-untyped-def]
    return directive_publish(actor=district_officer, title="全区通知", body="正文", target=Target(levels=["committees"]))


def test_another_towns_directive_is_404_for_every_publisher_url(client, other_town_officer, town_directive):  # type: ignore[no-untyped-def]
    client.force_login(other_town_officer)
    pk = town_directive.pk
    committee = Receipt.objects.filter(directive=town_directive).first().committee_id  # type: ignore[union-attr]
    attachment = town_directive.attachments.get().pk
    assert client.get(f"/office/directives/{pk}/").status_code == 404
    assert client.get(f"/office/directives/{pk}/units/{committee}/").status_code == 404
    assert client.post(f"/office/directives/{pk}/remind/").status_code == 404
    assert client.get(f"/office/attachments/{attachment}/").status_code == 404


def test_a_town_sees_only_its_own_units_of_a_district_directive(client, other_town_officer, district_directive, committees):  # type: ignore[no-untyped-def]
    client.force_login(other_town_officer)
    page = client.get(f"/office/directives/{district_directive.pk}/")
    assert page.status_code == 200
    assert page.context["r"].people.people == 1  # 钢书记 only
    qihe = committees["T04C027"].pk
    assert client.get(f"/office/directives/{district_directive.pk}/units/{qihe}/").status_code == 404


def test_the_district_drills_down_to_a_committees_people(client, district_officer, district_directive, committees):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    t04 = Town.objects.get(code="T04").pk
    town_page = client.get(f"/office/directives/{district_directive.pk}/?town={t04}").content.decode()
    assert "齐河第二社区" in town_page and "上钢" not in town_page
    people_page = client.get(f"/office/directives/{district_directive.pk}/units/{committees['T04C027'].pk}/").content.decode()
    assert "齐志愿" in people_page and "上志愿" not in people_page


def test_someone_elses_receipt_is_404(client, outsider, worker, district_directive):  # type: ignore[no-untyped-def]
    mine = Receipt.objects.get(directive=district_directive, person__user=worker)
    client.force_login(outsider)  # shangnan1 staff has a receipt of its own, but not this one
    assert client.get(f"/office/inbox/{mine.pk}/").status_code == 404
    assert client.post(f"/office/inbox/{mine.pk}/ack/").status_code == 404
    assert client.post(f"/office/inbox/{mine.pk}/report/", {"text": "x"}).status_code == 404
    assert not Receipt.objects.filter(pk=mine.pk, acknowledged_at__isnull=False).exists()


def test_a_worker_reads_and_acknowledges_from_the_inbox(client, worker, district_directive):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    inbox = client.get("/office/inbox/")
    assert "1 未读" in inbox.content.decode()
    receipt = Receipt.objects.get(directive=district_directive, person__user=worker)
    assert "全区通知" in client.get(f"/office/inbox/{receipt.pk}/").content.decode()
    client.post(f"/office/inbox/{receipt.pk}/ack/")
    receipt.refresh_from_db()
    assert receipt.read_at and receipt.acknowledged_at
    assert "未读" not in client.get("/office/inbox/").content.decode().split("</h1>")[0]


def test_recipients_cannot_open_publisher_pages(client, worker, district_directive):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.get("/office/directives/").status_code == 403
    assert client.get(f"/office/directives/{district_directive.pk}/").status_code == 403
    assert client.get("/office/people/").status_code == 403


def test_report_photo_is_visible_to_its_author_and_scoped_publishers_only(client, worker, district_officer,  # type: ignore[no-untyped-def]
                                                                          other_town_officer, people):
    d = directive_publish(actor=district_officer, title="报告", body="正文", target=Target(levels=["committees"]), reply="report")
    receipt = Receipt.objects.get(directive=d, person__user=worker)
    client.force_login(worker)
    client.post(f"/office/inbox/{receipt.pk}/report/",
                {"text": "完成", "photos": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff", content_type="image/jpeg")})
    photo = receipt.photos.get()
    assert client.get(f"/office/photos/{photo.pk}/").status_code == 200
    client.force_login(other_town_officer)
    assert client.get(f"/office/photos/{photo.pk}/").status_code == 404
    client.force_login(district_officer)
    assert client.get(f"/office/photos/{photo.pk}/").status_code == 200
