"""岗位培训 in the browser: the district publishes a course with a document, a link and a quiz; a
committee worker finds the 【培训】 notice in her phone's inbox, studies the materials, fails and
then passes the quiz; the district's roll-up shows her as completed, and 提醒未完成 reaches the rest."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import User
from tests.office.conftest import make_person

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot
from .test_office import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_publish_a_course_study_it_on_a_phone_and_see_the_rollup(
    open_page: OpenPage, district_officer: User, worker: User, committees: dict[str, Any], tmp_path: Any,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    qihe, shangnan = committees["T04C027"], committees["T04C001"]
    make_person(name="齐书记", post="书记", committee=qihe)
    make_person(name="上主任", post="主任", committee=shangnan)
    manual = tmp_path / "防护手册.pdf"
    manual.write_bytes(b"%PDF-1.4 training manual")

    desk = open_page(DESKTOP)
    sign_in(desk, "district")
    desk.locator(".nav-more summary").click()  # 培训, 文件, 物资 … fold under 更多
    desk.get_by_role("link", name="培训", exact=True).click()
    desk.get_by_role("link", name="发布培训").click()
    desk.get_by_label("课程名称").fill("社区防控岗位培训")
    desk.get_by_label(re.compile("^文档")).set_input_files(str(manual))
    desk.get_by_label(re.compile("^链接")).fill("操作演示 https://example.org/demo")
    desk.get_by_label("测验（可选）").fill("口罩应多久更换一次？\n*4小时\n一天\n\n哪些属于密切接触者？\n*同住人员\n*同一办公室人员\n路过人员")
    desk.get_by_label(re.compile("及格分")).fill("100")
    desk.get_by_label("全部居村委人员").check()
    desk.get_by_role("button", name="发布").click()
    expect(desk.locator(".flash")).to_contain_text("培训已发布，应学 3 人。")
    expect(desk.locator("#course-rollup")).to_contain_text("0/3")

    phone = open_page(PHONE)
    sign_in(phone, "qihe2")
    phone.get_by_role("link", name=re.compile("【培训】社区防控岗位培训")).click()
    phone.get_by_role("link", name="去学习").click()
    expect(phone.locator("#status")).to_contain_text("已学 0/2 份资料")
    for name in ("防护手册.pdf", "操作演示"):  # each opens in a new tab; the course page stays
        with phone.context.expect_event("response", lambda r: "/materials/" in r.url), phone.expect_popup() as popup:
            phone.get_by_role("link", name=re.compile(name)).click()
        popup.value.close()
    phone.reload()
    expect(phone.locator("#status")).to_contain_text("已学 2/2 份资料")
    screenshot(phone, "training_quiz_phone")
    phone.get_by_label("4小时").check()
    phone.get_by_label("同住人员").check()
    phone.get_by_role("button", name="交卷").click()
    expect(phone.locator(".flash")).to_contain_text("测验得分 50，及格分 100，请复习后再试。")
    phone.get_by_label("4小时").check()
    phone.get_by_label("同住人员").check()
    phone.get_by_label("同一办公室人员").check()
    phone.get_by_role("button", name="交卷").click()
    expect(phone.locator("#quiz-passed")).to_contain_text("测验已通过，得分 100")
    expect(phone.locator("#status")).to_contain_text("已完成")
    screenshot(phone, "training_learn_phone")

    desk.reload()
    expect(desk.locator("#course-rollup")).to_contain_text("1/3")
    desk.get_by_role("button", name="提醒未完成").click()
    expect(desk.locator(".flash")).to_contain_text("已提醒 2 人")
    screenshot(desk, "training_rollup_desk")
    worker_phone = User.objects.get(pk=worker.pk).phone
    assert worker_phone not in set(OutboundMessage.objects.values_list("recipient", flat=True))
