"""智能填表, the pages: building a form, filling it on a phone, results with roll-up and filters,
scoping (a town sees only its units; anything else is a 404), the XLSX export, query counts."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from fangkong.core.models import AuditEvent
from fangkong.office.models import FormAssignment, FormCollection
from fangkong.office.queries import person_of
from fangkong.office.services_forms import form_submit
from fangkong.orgs.models import Committee, Town

from .conftest import make_person
from .forms_support import VALID_ID, answers, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(district_officer: Any, people: dict[str, Any], worker: Any) -> Any:
    return publish(district_officer)


def fill_qihe(form: Any, worker: Any, **overrides: Any) -> FormAssignment:
    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    form_submit(actor=worker, person=person_of(worker), assignment=a, raw=answers(**overrides), org_units={})
    return a


def test_the_builder_publishes_a_form_with_ordered_questions(client: Any, district_officer: Any, people: Any) -> None:
    client.force_login(district_officer)
    assert client.get("/office/forms/new/").status_code == 200
    data = {
        "title": "物资储备统计", "body": "", "mode": "unit", "priority": "normal", "deadline": "2099-01-01T18:00",
        "levels": ["committees"], "q-TOTAL_FORMS": "3", "q-INITIAL_FORMS": "0",
        "q-0-label": "口罩（只）", "q-0-kind": "number", "q-0-ORDER": "2", "q-0-min_value": "0",
        "q-1-label": "单位", "q-1-kind": "text", "q-1-ORDER": "1", "q-1-prefill": "unit_name", "q-1-required": "on",
        "q-2-label": "", "q-2-kind": "text",
    }
    response = client.post("/office/forms/new/", data)
    form = FormCollection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/forms/{form.pk}/"
    assert [(f.label, f.key, f.prefill) for f in form.fields.all()] == [("单位", "f1", "unit_name"), ("口罩（只）", "f2", "")]
    assert form.fields.get(key="f2").options == {"min": 0}
    assert form.directive.title == "【填表】物资储备统计" and form.expected == 3


def test_the_builder_shows_a_bad_table_column_in_chinese(client: Any, district_officer: Any, people: Any) -> None:
    client.force_login(district_officer)
    data = {"title": "名单", "mode": "unit", "priority": "normal", "deadline": "2099-01-01T18:00", "levels": ["committees"],
            "q-TOTAL_FORMS": "1", "q-INITIAL_FORMS": "0", "q-0-label": "人员", "q-0-kind": "table",
            "q-0-choices": "姓名:文本\n年龄:整数"}
    response = client.post("/office/forms/new/", data)
    assert response.status_code == 422
    assert "第2列“年龄”的类型“整数”不支持" in response.content.decode()
    assert not FormCollection.objects.exists()


def test_the_fill_page_shows_prefilled_values_and_saves_a_version(client: Any, form: Any, worker: Any) -> None:
    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    client.force_login(worker)
    page = client.get(f"/office/forms/fill/{a.pk}/").content.decode()
    assert 'value="齐河第二社区"' in page and "已预填，可修改" in page
    post = {"f1": "齐河第二社区", "f2": "8", "f3": "2026-11-26", "f4": "否", "f7": "13912345678", "f10-rows": "2",
            "f10-0-c1": "李四", "f10-0-c2": VALID_ID, "f10-0-c3": "阴性"}
    response = client.post(f"/office/forms/fill/{a.pk}/", post, follow=True)
    assert "已提交（第1版）" in response.content.decode()
    a.refresh_from_db()
    assert a.data["f2"] == 8 and a.data["f10"][0]["c1"] == "李四"


def test_the_fill_page_answers_mistakes_with_422_and_messages_next_to_the_fields(client: Any, form: Any, worker: Any) -> None:
    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    client.force_login(worker)
    response = client.post(f"/office/forms/fill/{a.pk}/", {"f1": "", "f2": "abc", "f6": "123", "f7": "12"})
    page = response.content.decode()
    assert response.status_code == 422
    for message in ("此项为必填。", "请填写数字，例如 12 或 3.5。", "身份证号码应为18位，您填写了3位。",
                    "请填写11位中国大陆手机号码，用于接收短信。", "此项为必填，请选择。"):
        assert message in page
    assert 'value="abc"' in page  # what was typed stays


def test_after_the_deadline_the_page_refuses_the_save(client: Any, form: Any, worker: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    FormCollection.objects.filter(pk=form.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    client.force_login(worker)
    page = client.post(f"/office/forms/fill/{a.pk}/", {"f1": "齐河第二社区", "f2": "8"}, follow=True)
    assert "已过截止时间" in page.content.decode()
    a.refresh_from_db()
    assert a.version == 0


def test_someone_of_another_committee_cannot_open_the_unit_s_form(client: Any, form: Any, outsider: Any) -> None:
    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    client.force_login(outsider)
    assert client.get(f"/office/forms/fill/{a.pk}/").status_code == 404


def test_a_committee_worker_cannot_see_results(client: Any, form: Any, worker: Any) -> None:
    client.force_login(worker)
    assert client.get(f"/office/forms/{form.pk}/").status_code == 403


def test_the_district_sees_per_town_rollup_and_drills_down(client: Any, form: Any, worker: Any, district_officer: Any) -> None:
    fill_qihe(form, worker)
    client.force_login(district_officer)
    page = client.get(f"/office/forms/{form.pk}/").content.decode()
    assert "1/3" in page and "周家渡街道" in page and "上钢新村街道" in page
    t04 = Town.objects.get(code="T04")
    drill = client.get(f"/office/forms/{form.pk}/?town={t04.pk}").content.decode()
    assert "1/2" in drill and "齐河第二社区" in drill and "上南一村" in drill and "上南花城" not in drill


def test_a_town_sees_only_its_units_submissions(client: Any, form: Any, worker: Any, other_town_officer: Any,
                                                 town_officer: Any) -> None:
    a = fill_qihe(form, worker)
    client.force_login(other_town_officer)
    page = client.get(f"/office/forms/{form.pk}/").content.decode()
    assert "0/1" in page and "齐河第二社区" not in page
    assert client.get(f"/office/forms/{form.pk}/entries/{a.pk}/").status_code == 404
    client.force_login(town_officer)
    assert client.get(f"/office/forms/{form.pk}/entries/{a.pk}/").status_code == 200


def test_a_town_s_own_form_is_a_404_for_another_town(client: Any, town_officer: Any, other_town_officer: Any,
                                                    people: Any) -> None:
    form = publish(town_officer)
    client.force_login(other_town_officer)
    for url in (f"/office/forms/{form.pk}/", f"/office/forms/{form.pk}/pending/", f"/office/forms/{form.pk}/export.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/office/forms/{form.pk}/remind/").status_code == 404


def test_results_filter_by_field_value_and_status(client: Any, form: Any, worker: Any, district_officer: Any) -> None:
    fill_qihe(form, worker, f4="否")
    client.force_login(district_officer)
    shown = client.get(f"/office/forms/{form.pk}/", {"field": "f4", "value": "否"}).content.decode()
    assert "齐河第二社区" in shown and "上南一村" not in shown
    none = client.get(f"/office/forms/{form.pk}/", {"field": "f4", "value": "是"}).content.decode()
    assert "没有符合条件的记录" in none
    pending = client.get(f"/office/forms/{form.pk}/", {"status": "pending"}).content.decode()
    assert "上南一村" in pending and ">齐河第二社区<" not in pending


def test_the_export_holds_the_answers_masked_and_is_audited(client: Any, form: Any, worker: Any, district_officer: Any) -> None:
    fill_qihe(form, worker)
    client.force_login(district_officer)
    response = client.get(f"/office/forms/{form.pk}/export.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:8] == ["序号", "街镇", "单位", "状态", "填报人", "提交时间", "版本", "单位名称"]
    qihe = next(r for r in rows[1:] if r[2] == "齐河第二社区")
    values = dict(zip(header, qihe, strict=False))
    assert values["状态"] == "已填" and values["在岗人数"] == 12 and values["已配发物资"] == "口罩、测温枪"
    assert values["联系人身份证号"] == "310115********001X" and values["联系人手机"] == "139****5678"
    assert "1101" in values["重点人员"] and "110105194912310022" not in values["重点人员"]  # masked inside the table too
    assert any(r[0] and str(r[0]).startswith("导出人 district") for r in rows)  # the watermark line
    event = AuditEvent.objects.get(action="export", object_type="form")
    assert event.detail["rows"] == 3 and event.detail["masked"] is True


def test_the_export_is_unmasked_for_holders_of_the_permission(client: Any, form: Any, worker: Any,
                                                              district_officer: Any) -> None:
    from django.contrib.auth.models import Permission

    district_officer.user_permissions.add(Permission.objects.get(codename="export_unmasked"))
    fill_qihe(form, worker)
    client.force_login(district_officer)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/office/forms/{form.pk}/export.xlsx").content)).active
    assert VALID_ID in [c for row in sheet.iter_rows(values_only=True) for c in row]


def test_the_results_page_costs_a_fixed_number_of_queries(client: Any, form: Any, worker: Any, district_officer: Any,
                                                          django_assert_max_num_queries: Any) -> None:
    fill_qihe(form, worker)
    for committee in Committee.objects.filter(town__code="T05")[:20]:
        make_person(name="新书记", post="书记", committee=committee)
    more = publish(district_officer, title="第二张表")
    assert more.expected > 20
    client.force_login(district_officer)
    client.get(f"/office/forms/{more.pk}/")  # loads the per-process org cache
    with django_assert_max_num_queries(8):
        assert client.get(f"/office/forms/{more.pk}/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(f"/office/forms/{more.pk}/pending/").status_code == 200


def test_the_inbox_lists_the_forms_to_fill_and_the_directive_links_to_it(client: Any, form: Any, worker: Any) -> None:
    client.force_login(worker)
    todo = client.get("/office/forms/todo/").content.decode()
    assert "社区防控力量统计" in todo
    link = client.get(f"/office/forms/directive/{form.directive_id}/").content.decode()
    assert "去填写" in link
    fill_qihe(form, worker)
    assert "社区防控力量统计" not in client.get("/office/forms/todo/").content.decode()


def test_pages_mask_id_numbers_and_phones_also_inside_table_rows(client: Any, form: Any, worker: Any,
                                                                 district_officer: Any) -> None:
    a = fill_qihe(form, worker)
    client.force_login(district_officer)
    for url in (f"/office/forms/{form.pk}/", f"/office/forms/{form.pk}/entries/{a.pk}/"):
        page = client.get(url).content.decode()
        assert "139****5678" in page and "110105********0022" in page, url
        assert "13912345678" not in page and "110105194912310022" not in page and VALID_ID not in page, url


def test_a_town_s_export_holds_only_its_own_units(client: Any, form: Any, worker: Any, town_officer: Any) -> None:
    fill_qihe(form, worker)
    client.force_login(town_officer)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/office/forms/{form.pk}/export.xlsx").content)).active
    units = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[2]}
    assert units == {"齐河第二社区", "上南一村"}


def test_in_a_unit_form_only_recipients_of_the_unit_may_fill(client: Any, district_officer: Any, people: dict[str, Any],
                                                             worker: Any) -> None:
    from fangkong.office.directives import Target

    form = publish(district_officer, target=Target(posts=["书记"]))  # 齐河's secretary receives it, not the worker
    a = FormAssignment.objects.get(form=form, committee__code="T04C027")
    client.force_login(worker)
    assert client.get(f"/office/forms/fill/{a.pk}/").status_code == 404


def test_in_a_person_form_each_fills_their_own_and_no_one_else_s(client: Any, district_officer: Any,
                                                                  people: dict[str, Any], worker: Any) -> None:
    from fangkong.office.directives import Target

    form = publish(district_officer, mode="person", target=Target(levels=["committees"]))
    mine = FormAssignment.objects.get(form=form, person__user=worker)
    other = FormAssignment.objects.get(form=form, person=people["qihe_secretary"])
    client.force_login(worker)
    assert client.get(f"/office/forms/fill/{mine.pk}/").status_code == 200
    assert client.get(f"/office/forms/fill/{other.pk}/").status_code == 404


def test_an_uploaded_file_is_downloadable_by_its_unit_and_the_publisher_only(
    client: Any, form: Any, worker: Any, outsider: Any, district_officer: Any, other_town_officer: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = fill_qihe(form, worker, f9=SimpleUploadedFile("台账.pdf", b"%PDF-1.4 ledger"))
    url = f"/office/forms/files/{a.data['f9']['id']}/"
    for user, status in ((worker, 200), (district_officer, 200), (outsider, 404), (other_town_officer, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_a_large_export_runs_in_the_worker_and_only_the_requester_downloads_it(
        client: Any, form: Any, worker: Any, district_officer: Any, town_officer: Any, settings: Any) -> None:
    from fangkong.core.models import ExportJob
    from fangkong.office.tasks import form_export_run

    settings.EXPORT_SYNC_MAX_ROWS = 2  # the form has 3 rows in the district's scope
    fill_qihe(form, worker)
    client.force_login(district_officer)
    response = client.get(f"/office/forms/{form.pk}/export.xlsx")
    job = ExportJob.objects.get(kind="form_results")
    assert response.status_code == 302 and response["Location"] == f"/desk/exports/{job.pk}/"
    assert AuditEvent.objects.get(action="export", object_type="form").detail["background"] is True

    assert form_export_run.call(job.pk) == "done"
    assert form_export_run.call(job.pk) == "skipped"  # a second run does nothing

    download = client.get(f"/desk/exports/{job.pk}/download/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    units = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1]]
    assert "齐河第二社区" in units and len(units) == 3
    client.force_login(town_officer)
    assert client.get(f"/desk/exports/{job.pk}/download/").status_code == 404
