"""The whole loop in browsers: a resident books on her phone → the 齐河第二社区 worker approves on
the desk → the resident looks up her status and sees the voucher → the pharmacy clerk redeems it
on his phone → a second scan is refused with when and where → the worker's three exports hold
the right rows (opened with openpyxl) → the town's live dashboard counts
them.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.booking.models import Booking, BookingStatus, Round
from fangkong.booking.workflow import booking_hold
from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import User
from fangkong.pickup.codes import token_for
from fangkong.pickup.models import PickupStock, Voucher
from tests.booking.helpers import book, resident_id
from tests.pickup.conftest import give_stock, make_point

from .support import DESKTOP, PHONE, OpenPage, Rooms, needs_chromium, screenshot
from .test_desk import sign_in
from .test_resident_booking import assert_fits_the_phone_width, fill_applicant

pytestmark = [pytest.mark.browser, needs_chromium]
S = BookingStatus


def _sms_text(template: str, phone: str) -> str:
    message = OutboundMessage.objects.filter(template=template, recipient=phone).latest("id")
    return render_message(message.template, message.variables)


def _download(page: Any, kind: str) -> list[list[Any]]:
    with page.expect_download() as download:
        page.locator(f'[data-export="{kind}"]').click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    return [r for r in rows if r[1]]  # the watermark footer has only its first cell


def test_the_whole_booking_loop(
    open_page: OpenPage, open_round: Round, qihe_rooms: Rooms, worker: User, clerk: User, town_officer: User
) -> None:
    pharmacy = make_point("T04", "益丰大药房（齐河路店）", clerks=[clerk])
    give_stock(open_round, pharmacy, 1000)
    # Two neighbours booked earlier: one the worker will approve too, one she puts on hold.
    neighbour = book(open_round, qihe_rooms["A90100101"], name="李秀英", phone="13912345678")
    held = book(open_round, qihe_rooms["A90100103"], name="张伟", phone="13712345678")
    booking_hold(actor=worker, booking_id=held.pk, reason_code="id_mismatch", follow_up_on=timezone.localdate() + timedelta(days=2))

    # 1. The resident books on her phone.
    phone = open_page(PHONE)
    phone.goto(f"/r/{open_round.pk}/")
    id_number = resident_id()
    fill_applicant(phone, id_number=id_number, household_size=2)
    phone.get_by_label("居住地址", exact=True).press_sequentially("齐河柏公寓1号楼10", delay=20)
    phone.locator("#address-candidates label.candidate").filter(has_text="102室").get_by_role("radio").check()
    phone.get_by_label("我已阅读并同意隐私声明").check()
    phone.get_by_role("button", name="提交预约").click()
    expect(phone.get_by_role("heading", name="预约成功")).to_be_visible()
    booking = Booking.objects.get(id_number=id_number)

    # 2. The worker approves her (and the neighbour) on the desk.
    desk = open_page(DESKTOP)
    sign_in(desk, "qihe2")
    for b in (booking, neighbour):
        desk.locator(f"#booking-{b.pk}").get_by_role("button", name="通过", exact=True).click()
        expect(desk.locator(f"#booking-{b.pk} .badge-notified")).to_have_text("已通知")
    voucher = Voucher.objects.select_related("point").get(booking=booking)
    assert voucher.point == pharmacy
    sms = _sms_text("voucher_issued", booking.phone)
    assert sms.startswith("【浦东防控】王**，您的口罩购买凭证已生成，领取码 ") and voucher.code_display in sms

    # 3. She looks up her status (the look-up code comes by SMS) and sees the voucher.
    phone.goto("/lookup/")
    phone.get_by_label("证件号码").fill(id_number)
    phone.get_by_label("预约时填写的手机号码").fill(booking.phone)
    phone.get_by_role("button", name="获取短信验证码").click()
    expect(phone.get_by_label("短信验证码")).to_be_visible()
    code = re.search(r"验证码为(\d{6})", _sms_text("lookup_code", booking.phone)).group(1)  # type: ignore[union-attr]
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_role("button", name="查询", exact=True).click()
    card = phone.locator("section.voucher")
    expect(card.locator(".voucher-code")).to_have_text(voucher.code_display)
    expect(card).to_contain_text(pharmacy.name)
    expect(card).to_contain_text(pharmacy.address)
    qr = card.get_by_role("img", name="领取二维码")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 100
    assert_fits_the_phone_width(phone)
    screenshot(phone, "voucher_phone")
    pdf = phone.request.get(card.get_by_role("link", name="下载可打印凭证（PDF）").get_attribute("href") or "")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # 4. Pickup day (the window opens the next working day; move it to now) at the pharmacy.
    Voucher.objects.filter(pk=voucher.pk).update(window_start=timezone.now() - timedelta(minutes=5))
    clerk_phone = open_page(PHONE)
    sign_in(clerk_phone, "clerk")
    clerk_phone.goto("/pickup/")
    clerk_phone.get_by_label("或输入领取码").fill(voucher.code_display.lower())
    clerk_phone.get_by_role("button", name="查看凭证").click()
    result = clerk_phone.locator(".clerk-result")
    expect(result.locator(".big-name")).to_have_text("王**")
    expect(result).to_contain_text("口罩 × 5只")
    expect(clerk_phone.locator("body")).not_to_contain_text("王小明")
    assert_fits_the_phone_width(clerk_phone)
    screenshot(clerk_phone, "clerk_redeem")
    clerk_phone.get_by_role("button", name="确认领取").click()
    expect(clerk_phone.locator(".notice-ok")).to_have_text("核销成功，请发放物资。")
    screenshot(clerk_phone, "clerk_redeemed")
    assert Booking.objects.get(pk=booking.pk).status == S.REDEEMED
    assert PickupStock.objects.get(point=pharmacy).redeemed == booking.quantity

    # 5. A second scan of the same QR (the phone camera opens /v/<token>/) is refused.
    clerk_phone.goto(f"/v/{token_for(voucher.code)}/")
    refusal = clerk_phone.locator(".notice-err")
    expect(refusal).to_contain_text(re.compile(r"已领取 于 \d+月\d+日 \d\d:\d\d 在 益丰大药房（齐河路店）"))
    expect(clerk_phone.get_by_role("button", name="确认领取")).to_have_count(0)
    screenshot(clerk_phone, "clerk_already")

    # 6. The worker's three exports: 通知购买 (the neighbour), 全表 (all four), 待定购买 (the held one).
    desk.goto(f"/desk/rounds/{open_round.pk}/")
    notified = _download(desk, "notified")
    assert [r[1] for r in notified] == [neighbour.booking_no]
    assert notified[0][2] == "李**" and notified[0][12] == "已通知"
    full = _download(desk, "full")
    assert {r[1]: r[12] for r in full} == {
        neighbour.booking_no: "已通知", held.booking_no: "待定", booking.booking_no: "已领取",
    }
    on_hold = _download(desk, "on_hold")
    assert [r[1] for r in on_hold] == [held.booking_no] and on_hold[0][16].startswith("证件信息有误")
    screenshot(desk, "desk_after_loop")
    desk.goto(f"/desk/bookings/{booking.pk}/")
    panel = desk.locator("section.voucher-panel")
    expect(panel).to_contain_text(voucher.code_display)
    expect(panel).to_contain_text("已领取 于 ")
    screenshot(desk, "desk_voucher_panel")

    # 7. The town officer's live dashboard counts the loop, and its stock table the redemption.
    town = open_page(DESKTOP)
    sign_in(town, "zhoujiadu")
    town.goto(f"/desk/rounds/{open_round.pk}/dashboard/")
    table = town.locator("table.dash-table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=town.get_by_role("link", name="齐河第二社区", exact=True))
    cells = dict(zip(headers, [c.strip() for c in row.locator("td").all_inner_texts()], strict=True))
    assert (cells["预约总数"], cells["已领取"], cells["已通知"], cells["待定"]) == ("3", "1", "1", "1")
    assert cells["领取率"] == "50.0%"
    stock = town.locator("#stock tbody tr", has_text="益丰大药房（齐河路店）")
    expect(stock.locator("td").nth(3)).to_have_text(str(booking.quantity))  # 已领取
    screenshot(town, "dashboard_town_after_loop")


def _qr_video(text: str, path: Path) -> Path:
    """A Y4M video (what chromium's fake camera plays) of a QR code on a white page."""
    import segno
    from PIL import Image

    width, height = 640, 480
    qr = segno.make(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    code.thumbnail((440, 440))
    frame = Image.new("L", (width, height), 255)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_the_clerk_scans_the_qr_with_the_phone_camera(
    chromium: Any, site: Any, tmp_path: Path, approved_voucher: Voucher
) -> None:
    from .support import CHROMIUM, LAUNCH_ARGS

    url = f"{site.url}/v/{token_for(approved_voucher.code)}/"
    camera = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=[
        *LAUNCH_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={_qr_video(url, tmp_path / 'qr.y4m')}",
    ])
    try:
        context = camera.new_context(**PHONE, base_url=site.url, permissions=["camera"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, "clerk")
        page.goto("/pickup/")
        page.get_by_role("button", name="扫描二维码").click()
        expect(page).to_have_url(re.compile(r"/pickup/\?t="))
        expect(page.locator(".clerk-result .big-name")).to_have_text("王**")
        expect(page.get_by_role("button", name="确认领取")).to_be_visible()
        screenshot(page, "clerk_scanned")
    finally:
        camera.close()


@pytest.fixture
def approved_voucher(open_round: Round, qihe_rooms: Rooms, worker: User, clerk: User) -> Voucher:
    from fangkong.booking.workflow import booking_approve

    pharmacy = make_point("T04", "益丰大药房（齐河路店）", clerks=[clerk])
    give_stock(open_round, pharmacy, 100)
    booking = book(open_round, qihe_rooms["A90100102"])
    booking_approve(actor=worker, booking_id=booking.pk)
    Voucher.objects.filter(booking=booking).update(window_start=timezone.now() - timedelta(minutes=5))
    return Voucher.objects.get(booking=booking)


def test_town_officer_enters_stock_and_the_public_sees_it(
    open_page: OpenPage, open_round: Round, qihe_rooms: Rooms, worker: User, town_officer: User
) -> None:
    from fangkong.booking.workflow import booking_approve

    pharmacy = make_point("T04", "雷允上药房（上南路店）")
    waiting = book(open_round, qihe_rooms["A90100101"])
    booking_approve(actor=worker, booking_id=waiting.pk)  # no stock yet: it waits as 已通过
    assert Booking.objects.get(pk=waiting.pk).status == S.APPROVED

    desk = open_page(DESKTOP)
    sign_in(desk, "zhoujiadu")
    desk.get_by_role("link", name="领取点与库存").click()
    desk.get_by_label(f"{pharmacy.name} 库存总量").fill("500")
    desk.get_by_label(f"{pharmacy.name} 库存总量").locator("xpath=..").get_by_role("button", name="保存").click()
    expect(desk.locator(".flash")).to_contain_text("库存已更新为 500。已为 1 个等待库存的预约发放凭证。")
    screenshot(desk, "desk_pickup_points")
    assert Booking.objects.get(pk=waiting.pk).status == S.NOTIFIED

    public = open_page(PHONE)
    public.goto("/stock/")
    expect(public.locator("table.stock")).to_contain_text(pharmacy.name)
    expect(public.locator("table.stock")).to_contain_text("500 / 500 只")
    screenshot(public, "stock_public_phone")
