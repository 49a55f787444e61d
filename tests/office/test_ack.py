"""收到 by receipt id (fangkong/office/ack_write.py on PostgreSQL, the ORM path elsewhere): the page
without JavaScript, the htmx fragment and the JSON API; exactly once, audited, tallied, scoped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client

from fangkong.core.errors import UserError
from fangkong.core.models import AuditEvent
from fangkong.office.directives import (
    Target,
    directive_publish,
    receipt_acknowledge_own,
    receipt_read,
)
from fangkong.office.models import Receipt, UnitTally
from tests.conftest import needs_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def directive(district_officer, people, worker, town_officer):  # type: ignore[no-untyped-def]
    return directive_publish(actor=district_officer, title="全区通知", body="正文", target=Target(levels=["committees", "towns"]))


def own(directive, user) -> Receipt:  # type: ignore[no-untyped-def]
    return Receipt.objects.select_related("directive").get(directive=directive, person__user=user)


def tallies(directive) -> dict:  # type: ignore[no-untyped-def]
    return {(t.town_id, t.committee_id): (t.people, t.read, t.acknowledged, t.reported)
            for t in UnitTally.objects.filter(directive=directive)}


def recount(directive) -> dict:  # type: ignore[no-untyped-def]
    return {
        (r["town_id"], r["committee_id"]): (r["n"], r["read"], r["ack"], r["rep"])
        for r in Receipt.objects.filter(directive=directive).values("town_id", "committee_id")
        .annotate(n=Count("id"), read=Count("read_at"), ack=Count("acknowledged_at"), rep=Count("reported_at"))
    }


def acks(receipt: Receipt) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="office.receipt_ack", object_id=str(receipt.pk)))


def test_ack_of_an_unread_receipt_reads_acknowledges_tallies_and_audits_once(directive, worker):  # type: ignore[no-untyped-def]
    receipt = own(directive, worker)
    before = tallies(directive)[(receipt.town_id, receipt.committee_id)]
    result = receipt_acknowledge_own(actor=worker, receipt_id=receipt.pk)
    assert result is not None and result.done and result.reply == "ack"
    receipt.refresh_from_db()
    assert receipt.read_at == receipt.acknowledged_at == result.acknowledged_at == result.read_at
    after = tallies(directive)[(receipt.town_id, receipt.committee_id)]
    assert after == (before[0], before[1] + 1, before[2] + 1, before[3])
    (event,) = acks(receipt)
    assert (event.actor_id, event.actor_label, event.object_type) == (worker.pk, str(worker), "receipt")
    assert (event.district_id, event.town_id, event.committee_id) == (receipt.district_id, receipt.town_id, receipt.committee_id)
    assert event.detail == {} and event.ip is None and event.at >= receipt.acknowledged_at
    again = receipt_acknowledge_own(actor=worker, receipt_id=receipt.pk)
    assert again is not None and not again.done and again.acknowledged_at == receipt.acknowledged_at
    assert len(acks(receipt)) == 1 and tallies(directive) == recount(directive)


def test_ack_after_reading_keeps_the_read_time_and_counts_read_once(directive, town_officer):  # type: ignore[no-untyped-def]
    receipt = own(directive, town_officer)  # a town-level receipt: no committee
    assert receipt.committee_id is None
    receipt_read(receipt=receipt)
    read_at = Receipt.objects.get(pk=receipt.pk).read_at
    result = receipt_acknowledge_own(actor=town_officer, receipt_id=receipt.pk)
    assert result is not None and result.done and result.read_at == read_at and result.acknowledged_at >= read_at
    assert tallies(directive) == recount(directive)
    assert tallies(directive)[(receipt.town_id, None)][1:3] == (1, 1)


def test_someone_elses_receipt_is_none_and_untouched(directive, worker, outsider):  # type: ignore[no-untyped-def]
    receipt = own(directive, worker)
    assert receipt_acknowledge_own(actor=outsider, receipt_id=receipt.pk) is None
    assert receipt_acknowledge_own(actor=worker, receipt_id=10**12) is None
    receipt.refresh_from_db()
    assert receipt.acknowledged_at is None and receipt.read_at is None and not acks(receipt)


def test_a_directive_without_reply_cannot_be_acknowledged(district_officer, people, worker):  # type: ignore[no-untyped-def]
    d = directive_publish(actor=district_officer, title="知悉即可", body="正文", target=Target(levels=["committees"]), reply="none")
    receipt = own(d, worker)
    with pytest.raises(UserError, match="此通知无需回复"):
        receipt_acknowledge_own(actor=worker, receipt_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.acknowledged_at is None and not acks(receipt) and tallies(d) == recount(d)


def test_the_page_without_javascript_redirects_with_a_message(client, directive, worker):  # type: ignore[no-untyped-def]
    receipt = own(directive, worker)
    client.force_login(worker)
    page = client.get(f"/office/inbox/{receipt.pk}/").content.decode()
    assert f'hx-post="/office/inbox/{receipt.pk}/ack/"' in page and f'action="/office/inbox/{receipt.pk}/ack/"' in page
    response = client.post(f"/office/inbox/{receipt.pk}/ack/", follow=True)
    assert response.redirect_chain == [(f"/office/inbox/{receipt.pk}/", 302)]
    body = response.content.decode()
    assert "已确认收到。" in body and "✓ 已确认收到" in body and "hx-post" not in body.split('id="reply"')[1]


def test_htmx_gets_the_reply_box_fragment(client, directive, worker, outsider):  # type: ignore[no-untyped-def]
    receipt = own(directive, worker)
    client.force_login(worker)
    response = client.post(f"/office/inbox/{receipt.pk}/ack/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith('<p class="success">✓ 已确认收到') and "<html" not in body
    assert Receipt.objects.get(pk=receipt.pk).acknowledged_at is not None
    client.force_login(outsider)
    assert client.post(f"/office/inbox/{receipt.pk}/ack/", HTTP_HX_REQUEST="true").status_code == 404


def test_htmx_ack_of_a_no_reply_directive_shows_the_message(client, district_officer, people, worker):  # type: ignore[no-untyped-def]
    d = directive_publish(actor=district_officer, title="知悉即可", body="正文", target=Target(levels=["committees"]), reply="none")
    client.force_login(worker)
    response = client.post(f"/office/inbox/{own(d, worker).pk}/ack/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "此通知无需回复。" in response.content.decode()


def test_api_ack_with_session_and_csrf(directive, worker, outsider):  # type: ignore[no-untyped-def]
    receipt = own(directive, worker)
    url = f"/api/v1/office/receipts/{receipt.pk}/ack"
    client = Client(enforce_csrf_checks=True)
    assert client.post(url).status_code == 403  # no CSRF token
    client.get("/accounts/login/")  # sets the csrftoken cookie, as any page does
    token = client.cookies["csrftoken"].value
    anonymous = client.post(url, HTTP_X_CSRFTOKEN=token)
    assert anonymous.status_code == 401 and anonymous.json() == {"errors": {"__all__": ["请先登录。"]}}
    client.force_login(worker)
    assert client.post(url).status_code == 403  # signed in, still no CSRF token
    client.get("/office/inbox/")  # login rotated the token: the phone page hands out the new one
    token = client.cookies["csrftoken"].value
    first = client.post(url, HTTP_X_CSRFTOKEN=token)
    assert first.status_code == 200
    data = first.json()
    assert data["receipt_id"] == receipt.pk and data["acknowledged"] is True and data["acknowledged_now"] is True
    assert data["read_at"] == data["acknowledged_at"]
    second = client.post(url, HTTP_X_CSRFTOKEN=token).json()
    assert second["acknowledged_now"] is False and second["acknowledged_at"] == data["acknowledged_at"]
    assert len(acks(receipt)) == 1 and tallies(directive) == recount(directive)
    other = Client()
    other.force_login(outsider)
    assert other.post(url).status_code == 404


def test_api_ack_of_a_no_reply_directive_is_422(district_officer, people, worker):  # type: ignore[no-untyped-def]
    d = directive_publish(actor=district_officer, title="知悉即可", body="正文", target=Target(levels=["committees"]), reply="none")
    client = Client()
    client.force_login(worker)
    response = client.post(f"/api/v1/office/receipts/{own(d, worker).pk}/ack")
    assert response.status_code == 422 and response.json() == {"errors": {"__all__": ["此通知无需回复。"]}}


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_taps_and_a_read_acknowledge_exactly_once(directive, worker):  # type: ignore[no-untyped-def]
    """Ten simultaneous 收到 of one receipt plus its first opening: one ack, one audit row,
    read and acknowledged counted once each (PostgreSQL, autocommit: the one-round-trip path)."""
    receipt = own(directive, worker)
    barrier = threading.Barrier(11)
    results: list[bool] = []
    errors: list[BaseException] = []

    def tap() -> None:
        try:
            barrier.wait()
            result = receipt_acknowledge_own(actor=worker, receipt_id=receipt.pk)
            assert result is not None
            results.append(result.done)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def read() -> None:
        try:
            barrier.wait()
            receipt_read(receipt=Receipt.objects.get(pk=receipt.pk))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(10)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [False] * 9 + [True]
    assert len(acks(receipt)) == 1
    assert tallies(directive) == recount(directive)
    receipt.refresh_from_db()
    assert receipt.read_at is not None and receipt.acknowledged_at is not None and receipt.read_at <= receipt.acknowledged_at


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_the_write_survives_a_session_that_lost_its_prepared_statements(directive, worker, town_officer):  # type: ignore[no-untyped-def]
    first = own(directive, worker)
    assert receipt_acknowledge_own(actor=worker, receipt_id=first.pk).done  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler's session reset does
    second = own(directive, town_officer)
    assert receipt_acknowledge_own(actor=town_officer, receipt_id=second.pk).done  # type: ignore[union-attr]
    assert tallies(directive) == recount(directive)
