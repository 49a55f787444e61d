"""Check or rebuild the dashboards' counters (booking/dashboard_counters.py) for rounds.

    manage.py dashboard_counters --check            # every round; exit status 1 on drift
    manage.py dashboard_counters --rebuild [--round ID ...]

Rebuild after loading bookings around the services (COPY, imports) or if a check reports drift.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.booking.dashboard_counters import counters_check, counters_rebuild
from fangkong.booking.models import Round


class Command(BaseCommand):
    help = "Check (--check) or rebuild (--rebuild) the dashboard counters of rounds (all, or --round ID)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--round", type=int, action="append", dest="rounds", help="round id (repeatable)")
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"] and not options["check"]:
            raise CommandError("give --check and/or --rebuild")
        rounds = Round.objects.order_by("pk")
        if options["rounds"]:
            rounds = rounds.filter(pk__in=options["rounds"])
        drifted = 0
        for round_ in rounds:
            if options["rebuild"]:
                rows = counters_rebuild(round_=round_)
                self.stdout.write(f"round {round_.pk} {round_.name}: rebuilt, {rows} counter rows")
            if options["check"]:
                drift = counters_check(round_)
                drifted += bool(drift)
                for d in drift[:20]:
                    self.stdout.write(f"round {round_.pk}: {d.what} {d.key}: counted {d.counted}, actual {d.actual}")
                self.stdout.write(f"round {round_.pk} {round_.name}: {'DRIFT' if drift else 'ok'} ({len(drift)} differences)")
        if drifted:
            raise CommandError(f"{drifted} round(s) with drift; run with --rebuild")
