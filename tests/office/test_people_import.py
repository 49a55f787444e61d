"""Importing cadres and volunteers from XLSX: template, per-row errors in Chinese, idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from fangkong.office.models import Person

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机号", "街镇", "居村委", "岗位", "队伍/小组"]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    buf.seek(0)
    buf.name = "people.xlsx"
    return buf


GOOD = [
    ["王芳", "13912340001", "周家渡街道", "齐河第二社区", "书记", "一网格"],
    ["李强", "139 1234 0002", "T04", "", "街镇工作人员", ""],
    ["赵敏", 13912340003, "周家渡街道", "T04C001", "志愿者", "青年突击队"],
]


def upload(client: Any, user: Any, rows: list[list[Any]], **kw: Any) -> Any:
    client.force_login(user)
    return client.post("/office/people/import/", {"file": xlsx(rows, **kw)})


def test_template_downloads_with_the_import_columns(client, town_officer):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    response = client.get("/office/people/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER


def test_valid_rows_are_imported_at_their_units(client, town_officer):  # type: ignore[no-untyped-def]
    response = upload(client, town_officer, GOOD)
    assert response.status_code == 200
    assert response.context["report"].created == 3
    wang = Person.objects.get(phone="13912340001")
    assert (wang.committee.code, wang.post, wang.team) == ("T04C027", "书记", "一网格")
    li = Person.objects.get(phone="13912340002")
    assert li.town.code == "T04" and li.committee_id is None


def test_each_bad_row_is_reported_with_row_column_and_chinese_message(client, town_officer):  # type: ignore[no-untyped-def]
    rows = GOOD[:1] + [
        ["", "13912340010", "周家渡街道", "", "志愿者", ""],
        ["张三", "123", "周家渡街道", "", "志愿者", ""],
        ["李四", "13912340012", "上钢新村街道", "", "志愿者", ""],
        ["孙五", "13912340013", "周家渡街道", "不存在居委", "志愿者", ""],
        ["周六", "13912340014", "周家渡街道", "", "队长", ""],
        ["吴七", "13912340001", "周家渡街道", "", "志愿者", ""],
    ]
    report = upload(client, town_officer, rows).context["report"]
    errors = {(e.row, e.column): e.message for e in report.errors}
    assert report.created == 1
    assert errors[(3, "姓名")] == "请填写姓名。"
    assert "11位" in errors[(4, "手机号")]
    assert "只能导入本街镇的人员" in errors[(5, "街镇")]
    assert "没有居村委“不存在居委”" in errors[(6, "居村委")]
    assert "岗位“队长”无效" in errors[(7, "岗位")]
    assert errors[(8, "手机号")] == "与第2行的手机号重复。"
    assert "第8行" not in str(errors) and Person.objects.count() == 1
    page = upload(client, town_officer, rows).content.decode()
    assert "与第2行的手机号重复。" in page


def test_reimporting_the_same_file_changes_nothing_and_updates_by_phone(client, district_officer):  # type: ignore[no-untyped-def]
    upload(client, district_officer, GOOD)
    again = upload(client, district_officer, GOOD).context["report"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    moved = [["王芳", "13912340001", "周家渡街道", "上南一村", "主任", "一网格"]]
    report = upload(client, district_officer, moved).context["report"]
    assert report.updated == 1
    assert Person.objects.count() == 3
    assert Person.objects.get(phone="13912340001").post == "主任"


def test_a_file_without_the_template_header_is_refused(client, town_officer):  # type: ignore[no-untyped-def]
    response = upload(client, town_officer, [["x"]], header=["名字", "电话"])
    assert "表头缺少列" in response.content.decode()
    assert response.context["report"] is None


def test_committee_workers_cannot_import(client, worker):  # type: ignore[no-untyped-def]
    assert upload(client, worker, GOOD).status_code == 403
