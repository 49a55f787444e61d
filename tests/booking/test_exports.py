"""One-click exports of a round: right rows per kind and scope, masked by default, audited,
watermarked, and large ones as background jobs only their owner can download."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from fangkong.booking.models import Booking, BookingStatus
from fangkong.booking.tasks import export_run
from fangkong.booking.workflow import booking_approve, booking_hold
from fangkong.core.models import AuditEvent, ExportJob, ExportStatus
from fangkong.core.tasks import export_files_cleanup
from fangkong.orgs.models import Town
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def qihe(open_round, rooms, worker):  # type: ignore[no-untyped-def]
    """齐河第二社区: one approved (so notified), one on hold, one pending, one redeemed."""
    approved = book(open_round, rooms["qihe_101"], name="王小明", phone="13812345678")
    held = book(open_round, rooms["qihe_102"], name="李小红", phone="13912345678")
    pending = book(open_round, rooms["qihe_101"], name="张三", phone="13712345678")
    redeemed = book(open_round, rooms["qihe_102"], name="赵六", phone="13612345678")
    booking_approve(actor=worker, booking_id=approved.pk)
    booking_hold(actor=worker, booking_id=held.pk, reason_code="other", note="=需电话核实",
                 follow_up_on=timezone.localdate() + timedelta(days=2))
    booking_approve(actor=worker, booking_id=redeemed.pk)
    # No redemption service in this slice yet: the clerk's scan will make this move.
    Booking.objects.filter(pk=redeemed.pk).update(status=BookingStatus.REDEEMED)
    return {"approved": approved, "held": held, "pending": pending, "redeemed": redeemed}


@pytest.fixture
def elsewhere(open_round, rooms):  # type: ignore[no-untyped-def]
    """One booking in 上南一村 (same town), one in 上钢新村街道 (another town)."""
    return {"shangnan": book(open_round, rooms["shangnan"], name="孙八"), "shanggang": book(open_round, rooms["shanggang"], name="周九")}


def export(client, round_, kind, query=""):  # type: ignore[no-untyped-def]
    return client.post(reverse("desk:round_export", args=[round_.pk, kind]) + query)


def sheet_of(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:300]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb, wb[wb.sheetnames[0]]


def data_rows(sheet) -> list[list]:  # type: ignore[no-untyped-def, type-arg]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    return [r for r in rows if r[1]]  # the footer row has only its first cell


def booking_nos(sheet) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[1] for r in data_rows(sheet)}


def test_notified_export_has_the_approved_and_notified_bookings(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "notified"))
    assert booking_nos(sheet) == {qihe["approved"].booking_no}
    assert sheet.title == "通知购买"


def test_full_export_has_every_booking_of_the_committee(client, worker, open_round, qihe, elsewhere) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "full"))
    assert booking_nos(sheet) == {b.booking_no for b in qihe.values()}
    assert [r[0] for r in data_rows(sheet)] == [1, 2, 3, 4]  # 序号, in registration order


def test_on_hold_export_has_the_held_booking_with_its_reason_escaped(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "on_hold"))
    (row,) = data_rows(sheet)
    assert row[1] == qihe["held"].booking_no
    assert row[12] == "待定"
    assert row[16] == "其他：=需电话核实"  # starts with 其他, so nothing to escape


def test_redemption_list_has_the_redeemed_booking(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "redeemed"))
    assert booking_nos(sheet) == {qihe["redeemed"].booking_no}


def test_headers_are_chinese_and_frozen(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "full"))
    assert [c.value for c in sheet[1]] == [
        "序号", "预约编号", "姓名", "证件类型", "证件号码", "手机号", "地址", "小区", "居委会", "街镇",
        "家庭人数", "数量", "状态", "登记时间", "审核人", "审核时间", "原因",
    ]
    assert sheet.freeze_panes == "A2"


def test_export_is_masked_by_default(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "notified"))
    (row,) = data_rows(sheet)
    booking = qihe["approved"]
    assert row[2] == "王**"
    assert row[4] == booking.id_number[:6] + "********" + booking.id_number[-4:]
    assert row[5] == "138****5678"
    assert row[8] == "齐河第二社区" and row[9] == "周家渡街道"
    assert row[12] == "已通过" and row[14] == "qihe2"  # no pickup stock here: the booking waits as 已通过 (vouchers: tests/pickup)


def test_export_is_unmasked_with_the_permission_and_ids_stay_text(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    worker.user_permissions.add(Permission.objects.get(codename="export_unmasked"))
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "notified"))
    booking = qihe["approved"]
    assert sheet["C2"].value == "王小明"
    assert sheet["E2"].value == booking.id_number and sheet["E2"].data_type == "s"
    assert sheet["F2"].value == "13812345678" and sheet["F2"].data_type == "s"
    assert AuditEvent.objects.get(action="export").detail["masked"] is False


def test_times_are_local_text_to_the_minute(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    _wb, sheet = sheet_of(export(client, open_round, "notified"))
    booking = Booking.objects.get(pk=qihe["approved"].pk)
    row = next(r for r in data_rows(sheet) if r[1] == booking.booking_no)
    assert row[13] == timezone.localtime(booking.created_at).strftime("%Y-%m-%d %H:%M")
    assert row[15] == timezone.localtime(booking.reviewed_at).strftime("%Y-%m-%d %H:%M")


def test_file_name_is_chinese(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = export(client, open_round, "notified")
    day = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"].lower().startswith("attachment; filename*=utf-8''")
    from urllib.parse import unquote

    assert unquote(response["Content-Disposition"].split("''", 1)[1]) == f"口罩第二轮通知购买导出_齐河第二社区_{day}.xlsx"


def test_export_is_audited_and_watermarked(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    wb, sheet = sheet_of(export(client, open_round, "full"))
    event = AuditEvent.objects.get(action="export")
    assert event.actor == worker and event.committee_id == worker.committee_id
    assert {k: event.detail[k] for k in ("kind", "round", "scope", "rows", "masked")} == {
        "kind": "full", "round": open_round.pk, "scope": "齐河第二社区", "rows": 4, "masked": True,
    }
    assert wb.properties.creator == "qihe2"
    assert "范围 齐河第二社区" in wb.properties.description
    footer = sheet.cell(row=4 + 3, column=1).value
    assert footer.startswith("导出人 qihe2 导出时间 ") and footer.endswith("范围 齐河第二社区")


def test_csv_export_streams(client, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(reverse("desk:round_export", args=[open_round.pk, "full"]), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff序号,预约编号,姓名")
    assert qihe["pending"].booking_no in text and "138****5678" in text
    assert response["Content-Disposition"].lower().endswith(".csv")


def test_worker_cannot_export_another_committee(client, outsider, open_round, qihe, committees) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    assert export(client, open_round, "full", f"?committee={committees['T04C027'].pk}").status_code == 404
    assert export(client, open_round, "full", f"?town={committees['T04C027'].town_id}").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_worker_own_export_has_no_other_committee_rows(client, outsider, open_round, qihe, elsewhere) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    _wb, sheet = sheet_of(export(client, open_round, "full"))
    assert booking_nos(sheet) == {elsewhere["shangnan"].booking_no}


def test_town_sees_its_committees_only(client, town_officer, open_round, qihe, elsewhere) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    _wb, sheet = sheet_of(export(client, open_round, "full", f"?town={town_officer.town_id}"))
    assert booking_nos(sheet) == {b.booking_no for b in qihe.values()} | {elsewhere["shangnan"].booking_no}
    other_town = Town.objects.get(code="T01")
    assert export(client, open_round, "full", f"?town={other_town.pk}").status_code == 404


def test_town_can_export_one_of_its_committees(client, town_officer, open_round, qihe, elsewhere, committees) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    _wb, sheet = sheet_of(export(client, open_round, "full", f"?committee={committees['T04C001'].pk}"))
    assert booking_nos(sheet) == {elsewhere["shangnan"].booking_no}
    assert export(client, open_round, "full", f"?committee={committees['T01C001'].pk}").status_code == 404


def test_district_exports_everything(client, district_officer, open_round, qihe, elsewhere) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    _wb, sheet = sheet_of(export(client, open_round, "full"))
    assert len(booking_nos(sheet)) == 6
    assert AuditEvent.objects.get(action="export").detail["scope"] == "浦东新区"


def test_unknown_kind_is_404(client, worker, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert export(client, open_round, "everything").status_code == 404


def test_buttons_on_the_committee_list_town_and_district_pages(client, worker, town_officer, district_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    for user, query in ((worker, f"?committee={worker.committee_id}"), (town_officer, f"?town={town_officer.town_id}"), (district_officer, "")):
        client.force_login(user)
        page = client.get(reverse("desk:round", args=[open_round.pk])).content.decode()
        for kind in ("notified", "full", "on_hold"):
            assert f'action="{reverse("desk:round_export", args=[open_round.pk, kind])}{query}"' in page


# --- large exports: a background job --------------------------------------------------------


@pytest.fixture
def big(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EXPORT_SYNC_MAX_ROWS = 2
    settings.MEDIA_ROOT = tmp_path
    return settings


def test_large_export_runs_as_a_job_with_progress_and_download(client, big, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    client.force_login(worker)
    response = export(client, open_round, "full")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:export_job", args=[job.pk])
    assert DBTaskResult.objects.filter(task_path=export_run.module_path, args_kwargs__args=[job.pk]).exists()
    assert job.status == ExportStatus.PENDING and job.total == 4
    poll = client.get(reverse("desk:export_job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in poll and "下载" not in poll

    assert export_run.call(job.pk) == "done"
    assert export_run.call(job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.progress == 4 and job.file_path.startswith(str(big.MEDIA_ROOT / "exports"))
    page = client.get(reverse("desk:export_job", args=[job.pk])).content.decode()
    assert reverse("desk:export_download", args=[job.pk]) in page and "every 1s" not in page
    _wb, sheet = sheet_of(client.get(reverse("desk:export_download", args=[job.pk])))
    assert booking_nos(sheet) == {b.booking_no for b in qihe.values()}


def test_job_and_its_download_are_refused_to_another_user(client, big, worker, town_officer, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    export(client, open_round, "full")
    job = ExportJob.objects.get()
    export_run.call(job.pk)
    client.force_login(town_officer)
    assert client.get(reverse("desk:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("desk:export_download", args=[job.pk])).status_code == 404


def test_export_files_are_removed_after_a_day(client, big, worker, open_round, qihe) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    export(client, open_round, "full")
    job = ExportJob.objects.get()
    export_run.call(job.pk)
    job.refresh_from_db()
    assert export_files_cleanup() == 0
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert export_files_cleanup() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    assert not list((big.MEDIA_ROOT / "exports").iterdir())
    assert client.get(reverse("desk:export_download", args=[job.pk])).status_code == 404
