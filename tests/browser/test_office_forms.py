"""智能填表 in the browser: the district builds and publishes a form on a desk, a committee worker
fills it on her phone (prefilled, a mistake shown in Chinese, a table row added), the district
sees it in the roll-up and the results, and the XLSX export contains it."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from fangkong.office.models import FormAssignment
from fangkong.orgs.models import User
from tests.office.conftest import make_person

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot
from .test_office import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_publish_a_form_fill_it_on_a_phone_and_find_it_in_results_and_export(
    open_page: OpenPage, district_officer: User, worker: User, committees: dict[str, Any]
) -> None:
    qihe, shangnan, shanggang = committees["T04C027"], committees["T04C001"], committees["T01C001"]
    make_person(name="齐书记", post="书记", committee=qihe)
    make_person(name="上主任", post="主任", committee=shangnan)
    make_person(name="钢书记", post="书记", committee=shanggang)

    desk = open_page(DESKTOP)
    sign_in(desk, "district")
    desk.get_by_role("link", name="填表").click()
    desk.get_by_role("link", name="新建表单").click()
    desk.get_by_label("表单名称").fill("居村防控力量统计")
    desk.get_by_label("填写说明（可选）").fill("请各居村委于今日18:00前填报。")
    questions = [
        ("单位名称", "text", "unit_name", ""),
        ("在岗人数", "number", "unit_people", ""),
        ("联系人手机", "phone", "", ""),
        ("重点人员", "table", "", "姓名:文本:必填\n身份证号:身份证\n结果:单选(阴性|阳性)"),
    ]
    for n, (label, kind, prefill, choices) in enumerate(questions):
        desk.locator(f'[name="q-{n}-label"]').fill(label)
        desk.locator(f'[name="q-{n}-kind"]').select_option(kind)
        desk.locator(f'[name="q-{n}-required"]').check()
        if prefill:
            desk.locator(f'[name="q-{n}-prefill"]').select_option(prefill)
        if choices:
            desk.locator(f'[name="q-{n}-choices"]').fill(choices)
    desk.get_by_role("button", name="＋ 添加题目").click()
    desk.locator('[name="q-4-label"]').fill("备注")
    desk.get_by_label("全部居村委人员").check()
    screenshot(desk, "office_form_builder")
    desk.get_by_role("button", name="发布表单").click()
    expect(desk.locator(".flash")).to_contain_text("表单已发布，应填 3 份。")
    expect(desk.locator("#form-rollup")).to_contain_text("0/3")

    phone = open_page(PHONE)
    sign_in(phone, "qihe2")
    expect(phone).to_have_url(re.compile(r"/office/inbox/$"))
    expect(phone.locator("#form-todo")).to_contain_text("居村防控力量统计")
    screenshot(phone, "office_form_inbox_phone")
    phone.locator("#form-todo").get_by_role("link", name=re.compile("居村防控力量统计")).click()
    expect(phone.get_by_label(re.compile("单位名称"))).to_have_value("齐河第二社区")
    expect(phone.get_by_label(re.compile("在岗人数"))).to_have_value("2")  # 齐书记 and the worker's own account
    phone.get_by_label(re.compile("联系人手机")).fill("1391234")
    phone.get_by_label("姓名").first.fill("张三")
    phone.get_by_label("身份证号").first.fill("310115198001010013")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("#q-f3 .error")).to_have_text("请填写11位中国大陆手机号码，用于接收短信。")
    expect(phone.locator("#q-f4 .error")).to_contain_text("第1行“身份证号”：身份证号码校验位不正确")
    screenshot(phone, "office_form_errors_phone")
    phone.get_by_label(re.compile("联系人手机")).fill("13912345678")
    phone.get_by_label("身份证号").first.fill("31011519800101001X")
    phone.get_by_role("button", name="＋ 添加一行").click()
    phone.get_by_label("姓名").nth(3).fill("李四")
    phone.get_by_label("结果").nth(3).select_option("阴性")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".flash")).to_contain_text("已提交（第1版）")
    expect(phone.locator("#fill-status")).to_contain_text("已提交 第1版")
    screenshot(phone, "office_form_filled_phone")
    assert FormAssignment.objects.get(committee=qihe).data["f4"] == [
        {"c1": "张三", "c2": "31011519800101001X", "c3": ""}, {"c1": "李四", "c2": "", "c3": "阴性"}]

    desk.reload()
    expect(desk.locator("#form-rollup")).to_contain_text("1/3")
    expect(desk.locator("#results")).to_contain_text("13912345678".replace("1234", "****"))
    expect(desk.locator("#results")).to_contain_text("2 行")
    expect(desk.locator("#results")).not_to_contain_text("31011519800101001X")  # masked inside the table too
    screenshot(desk, "office_form_results")
    desk.locator("#rollup-table").get_by_role("link", name="周家渡街道").click()
    expect(desk.locator("#rollup-table")).to_contain_text("齐河第二社区")
    expect(desk.locator("#rollup-table")).not_to_contain_text("上南花城")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.startswith("居村防控力量统计_填报结果_")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    qihe_row = dict(zip(rows[0], next(r for r in rows if r[2] == "齐河第二社区"), strict=False))
    assert qihe_row["状态"] == "已填" and qihe_row["在岗人数"] == 2 and qihe_row["联系人手机"] == "139****5678"
    assert "李四" in qihe_row["重点人员"]
    assert {r[2] for r in rows[1:] if r[2]} == {"齐河第二社区", "上南一村"}  # the town filter of the page applies

    desk.goto(desk.url.split("?")[0] + "pending/")
    desk.get_by_role("button", name="一键提醒未填写").click()
    expect(desk.locator(".flash")).to_contain_text("已提醒未填写的 2 人")
    screenshot(desk, "office_form_pending")
