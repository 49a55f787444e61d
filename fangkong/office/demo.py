"""Demo data of the office: cadres and volunteers of the four demo towns and one directive.

Called from ``manage.py setup_demo``; idempotent and quick (a few bulk INSERTs).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from fangkong.booking.demo import GIVEN, SURNAMES
from fangkong.orgs.models import Committee, Town, User

from .directives import Target, directive_publish
from .models import Directive, Person, Post, Priority, ReplyKind

DEMO_TOWNS = ("T04", "T01", "T13", "T31")
# Phones 177 0000 xxxx are the demo's; the first one is a volunteer of 齐河第二社区 who can try
# the activation at /office/activate/ (the code is on /dev/outbox/).
FIRST_PHONE = 17700000001


def setup_office_demo(*, log: Callable[[str], object] = print, seed: int = 2020) -> None:
    if not Person.objects.filter(phone=str(FIRST_PHONE)).exists():
        rng = random.Random(seed)
        phones = iter(range(FIRST_PHONE, FIRST_PHONE + 10_000))
        rows: list[Person] = []

        def add(post: str, town: Town, committee: Committee | None = None, team: str = "") -> None:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
            rows.append(Person(name=name, phone=str(next(phones)), post=post, team=team, district_id=town.district_id,
                               town=town, committee=committee))

        qihe = Committee.objects.get(code="T04C027")
        add(Post.VOLUNTEER, qihe.town, qihe, "青年志愿队")
        for town in Town.objects.filter(code__in=DEMO_TOWNS).order_by("code"):
            for _ in range(2):
                add(Post.TOWN_STAFF, town)
            for committee in Committee.objects.filter(town=town).order_by("code"):
                add(Post.SECRETARY, town, committee)
                add(Post.DIRECTOR, town, committee)
                add(Post.VOLUNTEER, town, committee, "青年志愿队")
                if town.code == "T04":
                    add(Post.BUILDING_LEAD, town, committee, "一网格")
                    add(Post.VOLUNTEER, town, committee, "青年志愿队")
        Person.objects.bulk_create(rows, ignore_conflicts=True)
    log(f"协同办公：{Person.objects.filter(is_staff_account=False).count()} 名干部和志愿者"
        f"（激活示例手机号 {FIRST_PHONE}，验证码见短信发件箱）")
    officer = User.objects.filter(username="district").first()
    if officer is not None and not Directive.objects.exists():
        directive = directive_publish(
            actor=officer,
            title="关于做好口罩第二轮预约审核发放工作的通知",
            body="各街镇、居村委：\n口罩第二轮预约已开放。请各居村委在一个工作日内完成本社区预约的审核，"
                 "按登记顺序通知居民领取，并于截止前在本通知中点击“收到”确认。\n浦东新区防控办",
            target=Target(levels=["committees"]),
            priority=Priority.IMPORTANT,
            reply=ReplyKind.ACK,
            deadline=timezone.now() + timedelta(days=2),
            target_label="全部居村委人员",
        )
        log(f"演示通知：已发布给 {directive.recipients_count} 人")
    from .demo_channel import setup_channel_demo

    setup_channel_demo(log=log)
