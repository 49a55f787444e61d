"""文件交换: sending files to units with download receipts, versions, limits and scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.core.errors import UserError
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.exchange.models import Download, FileShare
from fangkong.exchange.queries import recipients, unit_rollup
from fangkong.exchange.services_files import file_new_version, file_send
from fangkong.office.directives import Target
from fangkong.office.models import Receipt
from fangkong.orgs.models import Committee, User

pytestmark = pytest.mark.django_db


def pdf(name: str = "防控方案.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%" * size, content_type="application/pdf")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def send_to_zhoujiadu(district_officer: User, **kw: Any) -> FileShare:
    committees = list(Committee.objects.filter(code__in=["T04C027", "T04C001", "T01C001"]).values_list("pk", flat=True))
    return file_send(actor=district_officer, title=kw.pop("title", "第九版防控方案"), note="请各居委组织学习",
                     upload=kw.pop("upload", pdf()), target=Target(committees=committees), **kw)


def test_sending_a_file_reaches_every_recipient_as_a_directive_and_is_audited(
    district_officer: User, people: dict, worker: User
) -> None:
    share = send_to_zhoujiadu(district_officer)
    assert share.directive.title == "【文件】第九版防控方案"
    assert share.directive.recipients_count == Receipt.objects.filter(directive=share.directive).count() == 7
    assert [v.number for v in share.versions.all()] == [1]
    assert AuditEvent.objects.filter(action="exchange.file_send", object_id=str(share.pk)).exists()


def test_a_recipient_downloads_and_the_sender_sees_who_and_which_version(
    district_officer: User, people: dict, worker: User
) -> None:
    share = send_to_zhoujiadu(district_officer)
    v1 = share.versions.get()
    response = client_for(worker).get(f"/office/exchange/files/download/{v1.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%" * 100  # type: ignore[attr-defined]
    d = Download.objects.get()
    assert (d.person.user, d.version.number) == (worker, 1)
    assert Receipt.objects.get(pk=d.receipt_id).read_at is not None
    status = {r.person.name: r.last_version for r in recipients(district_officer, share)}
    assert status["qihe2"] == 1 and status["齐书记"] is None
    qihe = next(u for u in unit_rollup(district_officer, share) if u["committee__name"] == "齐河第二社区")
    assert (qihe["people"], qihe["downloaded"], qihe["current"]) == (4, 1, 1)
    page = client_for(district_officer).get(f"/office/exchange/files/{share.pk}/status/").content.decode()
    assert "已下载第1版" in page and "1/7" in page
    assert AuditEvent.objects.filter(action="exchange.file_download", object_id=str(v1.pk)).count() == 1


def test_a_new_version_supersedes_the_old_one_and_texts_the_recipients(
    district_officer: User, people: dict, worker: User
) -> None:
    share = send_to_zhoujiadu(district_officer)
    v1 = share.versions.get()
    client_for(worker).get(f"/office/exchange/files/download/{v1.pk}/")
    v2 = file_new_version(actor=district_officer, share=share, upload=pdf("防控方案-修订.pdf", 50), note="修正附表")
    assert (v2.number, FileShare.objects.get(pk=share.pk).current_version) == (2, 2)
    with_phone = Receipt.objects.filter(directive=share.directive).exclude(person__phone="").count()
    assert OutboundMessage.objects.filter(template="exchange_new_version").count() == with_phone > 0
    worker_client = client_for(worker)
    assert "有新版本" in worker_client.get("/office/exchange/files/").content.decode()
    page = worker_client.get(f"/office/exchange/files/{share.pk}/").content.decode()
    assert "已被替代" in page and "最新版" in page
    assert worker_client.get(f"/office/exchange/files/download/{v1.pk}/").status_code == 200  # old stays downloadable
    qihe = next(u for u in unit_rollup(district_officer, share) if u["committee__name"] == "齐河第二社区")
    assert (qihe["downloaded"], qihe["current"]) == (1, 0)


def test_someone_not_a_recipient_gets_404_for_the_file_and_its_download(
    district_officer: User, people: dict, outsider: User
) -> None:
    qihe = Committee.objects.get(code="T04C027").pk
    share = file_send(actor=district_officer, title="仅齐河", note="", upload=pdf(), target=Target(committees=[qihe]))
    c = client_for(outsider)
    assert c.get(f"/office/exchange/files/download/{share.versions.get().pk}/").status_code == 404
    assert c.get(f"/office/exchange/files/{share.pk}/").status_code == 404
    assert c.get(f"/office/exchange/files/{share.pk}/status/").status_code == 404
    assert not Download.objects.exists()


def test_a_town_sees_only_its_own_units_of_a_district_file_and_not_another_towns_file(
    district_officer: User, town_officer: User, other_town_officer: User, people: dict
) -> None:
    share = send_to_zhoujiadu(district_officer)
    units = {u["committee__name"] for u in unit_rollup(town_officer, share)}
    assert units == {"齐河第二社区", "上南一村"}
    qihe = Committee.objects.get(code="T04C027").pk
    own = file_send(actor=town_officer, title="街镇文件", note="", upload=pdf(), target=Target(committees=[qihe]))
    assert client_for(other_town_officer).get(f"/office/exchange/files/{own.pk}/status/").status_code == 404
    assert client_for(town_officer).get(f"/office/exchange/files/{own.pk}/status/").status_code == 200


def test_only_the_sending_unit_uploads_new_versions(district_officer: User, town_officer: User, people: dict) -> None:
    share = send_to_zhoujiadu(district_officer)
    with pytest.raises(UserError, match="只有发送单位可以上传新版本"):
        file_new_version(actor=town_officer, share=share, upload=pdf())


def test_a_file_of_a_forbidden_type_is_refused_in_chinese(district_officer: User, people: dict) -> None:
    with pytest.raises(UserError, match="“病毒.exe”的类型不支持，文件只能是"):
        send_to_zhoujiadu(district_officer, upload=pdf("病毒.exe"))
    assert not FileShare.objects.exists()


def test_a_file_over_the_configured_size_is_refused(district_officer: User, people: dict, settings: Any) -> None:
    settings.EXCHANGE_MAX_FILE_MB = 1
    with pytest.raises(UserError, match="“大文件.pdf”超过1MB"):
        send_to_zhoujiadu(district_officer, upload=pdf("大文件.pdf", 1024 * 1024 + 1))


def test_sending_without_a_file_says_so_on_the_form(district_officer: User, people: dict) -> None:
    response = client_for(district_officer).post("/office/exchange/files/new/", {
        "title": "方案", "priority": "normal", "levels": ["committees"]})
    assert "请选择要发送的文件。" in response.content.decode()


def test_a_committee_worker_cannot_send_files(worker: User, people: dict) -> None:
    with pytest.raises(UserError, match="只有区级和街镇工作人员可以发布通知"):
        file_send(actor=worker, title="x", note="", upload=pdf(), target=Target(levels=["committees"]))


def test_the_status_page_costs_the_same_queries_however_many_downloaded(
    district_officer: User, people: dict, worker: User, outsider: User, django_assert_max_num_queries: Any
) -> None:
    share = send_to_zhoujiadu(district_officer)
    v1 = share.versions.get()
    for u in (worker, outsider):
        client_for(u).get(f"/office/exchange/files/download/{v1.pk}/")
    c = client_for(district_officer)
    with django_assert_max_num_queries(8):
        assert c.get(f"/office/exchange/files/{share.pk}/status/").status_code == 200
    with django_assert_max_num_queries(6):
        assert c.get("/office/exchange/files/").status_code == 200


def test_a_new_version_to_many_recipients_texts_them_from_a_worker_job_once(
    district_officer: User, people: dict, monkeypatch: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from fangkong.exchange import services_files
    from fangkong.exchange.tasks import version_send_sms

    monkeypatch.setattr(services_files, "VERSION_INLINE_SMS", 3)
    share = send_to_zhoujiadu(district_officer)
    v2 = file_new_version(actor=district_officer, share=share, upload=pdf())
    assert not OutboundMessage.objects.filter(template="exchange_new_version").exists()
    assert DBTaskResult.objects.filter(task_path="fangkong.exchange.tasks.version_send_sms").count() == 1
    with_phone = Receipt.objects.filter(directive=share.directive).exclude(person__phone="").count()
    assert version_send_sms.call(v2.pk) == with_phone == 6
    version_send_sms.call(v2.pk)
    assert OutboundMessage.objects.filter(template="exchange_new_version").count() == 6
