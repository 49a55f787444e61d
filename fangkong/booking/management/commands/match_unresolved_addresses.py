"""Send the typed addresses of unresolved bookings made before the review queue existed to the
matcher (the worker then re-routes them or queues them for the town's 地址复核).

    manage.py match_unresolved_addresses [--round ID]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.booking.services_address import booking_request_pending_matches


class Command(BaseCommand):
    help = "Queue unresolved bookings' typed addresses for matching (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--round", type=int, dest="round_id", help="only this round")

    def handle(self, *args: Any, **options: Any) -> None:
        n = booking_request_pending_matches(round_id=options["round_id"])
        self.stdout.write(f"已提交 {n} 条待识别地址")
