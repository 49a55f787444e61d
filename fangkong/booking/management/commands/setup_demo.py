from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from fangkong.booking.demo import DEMO_PASSWORD, setup_demo
from fangkong.office.demo import setup_office_demo
from fangkong.screening.demo import setup_screening_demo
from fangkong.supplies.demo import setup_supplies_demo


class Command(BaseCommand):
    help = "Load the demo: Pudong org tree, addresses of four towns, staff accounts, rounds, bookings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bookings", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = setup_demo(bookings=options["bookings"], log=self.stdout.write)
        setup_office_demo(log=self.stdout.write)
        setup_screening_demo(log=self.stdout.write)
        setup_supplies_demo(log=self.stdout.write)
        port = settings.SITE_URL
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for account, user in accounts:
            self.stdout.write(f"  {account.username:<10} {user.get_role_display():<8} {user.org_label}")
        self.stdout.write(f"\n居民预约页：{port}/    工作台：{port}/desk/    短信发件箱：{port}/dev/outbox/")
