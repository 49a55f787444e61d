"""Demo data: the real Pudong org tree, a few towns' addresses, staff for each role, rounds and
a few hundred bookings made through the real booking service (so their SMS are queued too)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from fangkong.addresses.models import StandardAddress
from fangkong.orgs.models import Committee, District, Role, Town, User
from fangkong.orgs.services import org_import_csv, staff_create

from .forms import BookingData, Person
from .models import Booking, BookingSource, Goods, Round, RoundStatus
from .services import BookingError, booking_create, round_create

ORG_CSV = Path(__file__).resolve().parents[1] / "orgs" / "data" / "pudong_divisions.csv"
DEMO_ADDRESSES = Path(__file__).resolve().parents[1] / "addresses" / "data" / "demo_addresses.csv.gz"
DEMO_PASSWORD = "fangkong-demo"  # noqa: S105 - printed at setup; demo only

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏晨欣怡佳琪俊嘉"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str
    town_code: str | None = None
    committee_code: str | None = None


ACCOUNTS = [
    DemoAccount("district", Role.DISTRICT_OFFICER, "区防控办 李主任"),
    DemoAccount("zhoujiadu", Role.TOWN_OFFICER, "周家渡街道 王科长", town_code="T04"),
    DemoAccount("qihe2", Role.COMMITTEE_WORKER, "齐河第二社区 张社工", committee_code="T04C027"),
    DemoAccount("shangnan1", Role.COMMITTEE_WORKER, "上南一村 陈社工", committee_code="T04C001"),
    DemoAccount("clerk", Role.PICKUP_CLERK, "药房店员 赵店员", town_code="T04"),
    DemoAccount("sysadmin", Role.SYSTEM_ADMIN, "系统管理员"),
]


def fake_resident_id(rng: random.Random) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 65 * 365))
    body = f"310115{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body)


def fake_phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "137", "136", "158", "186", "189"]) + f"{rng.randrange(0, 10**8):08d}"


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def setup_demo(*, bookings: int = 300, seed: int = 2020, log=print) -> list[tuple[DemoAccount, User]]:  # type: ignore[no-untyped-def]
    report = org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    log(f"组织：{Town.objects.count()} 个街镇，{Committee.objects.count()} 个居村委（新增 {report.committees_created}）")
    if not StandardAddress.objects.exists():
        call_command("import_addresses", str(DEMO_ADDRESSES))
    log(f"标准地址：{StandardAddress.objects.count()} 个房屋")
    district = District.objects.get(code="310115")
    accounts = []
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = staff_create(
                username=account.username,
                password=DEMO_PASSWORD,
                role=account.role,
                display_name=account.display_name,
                district=district,
                town=Town.objects.get(code=account.town_code) if account.town_code else None,
                committee=Committee.objects.get(code=account.committee_code) if account.committee_code else None,
            )
        accounts.append((account, user))
    officer = User.objects.get(username="district")
    masks, _ = Goods.objects.get_or_create(name="口罩", defaults={"unit": "只"})
    kits, _ = Goods.objects.get_or_create(name="抗原检测试剂", defaults={"unit": "盒"})
    now = timezone.now()
    if not Round.objects.filter(goods=masks, number=1).exists():
        round_create(actor=officer, district=district, goods=masks, number=1, opens_at=now - timedelta(days=14),
                     closes_at=now - timedelta(days=7), status=RoundStatus.CLOSED)
    second = Round.objects.filter(goods=masks, number=2).first()
    if second is None:
        second = round_create(actor=officer, district=district, goods=masks, number=2, opens_at=now - timedelta(hours=2),
                              closes_at=now + timedelta(days=7), per_person_limit=5, committee_quota=2000,
                              status=RoundStatus.OPEN)
    if not Round.objects.filter(goods=kits, number=1).exists():
        round_create(actor=officer, district=district, goods=kits, number=1, opens_at=now + timedelta(days=3),
                     closes_at=now + timedelta(days=10), per_person_limit=2, status=RoundStatus.DRAFT)
    missing = bookings - Booking.objects.filter(round=second).count()
    if missing > 0:
        made = _demo_bookings(second, missing, random.Random(seed))
        log(f"演示预约：新增 {made} 条（{second.name}）")
    from fangkong.pickup.demo import setup_pickup_demo  # the pickup app builds on bookings

    setup_pickup_demo(second, log=log)
    return accounts


def _demo_bookings(round_: Round, count: int, rng: random.Random) -> int:
    # Most demo bookings land in 周家渡街道, a third of those in 齐河第二社区, so every desk has work.
    home = list(StandardAddress.objects.filter(committee__code="T04C027").select_related("town", "committee")[:400])
    town = list(StandardAddress.objects.filter(town__code="T04").select_related("town", "committee")[::37][:1500])
    other = list(StandardAddress.objects.exclude(town__code="T04").select_related("town", "committee")[::97][:1500])
    made = 0
    with transaction.atomic():
        for i in range(count * 2):
            if made >= count:
                break
            pool = home if i % 3 == 0 and home else (town if i % 3 == 1 and town else other or town)
            if not pool:
                break
            address = rng.choice(pool)
            data = BookingData(
                applicant=Person(fake_name(rng), "resident_id", fake_resident_id(rng)),
                phone=fake_phone(rng),
                address=address,
                address_text=address.label,
                town=address.town,
                household_size=rng.randint(1, 5),
            )
            try:
                booking_create(round_=round_, data=data, source=BookingSource.WEB)
            except BookingError:
                continue
            made += 1
    return made
