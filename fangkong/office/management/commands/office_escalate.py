from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fangkong.office.models import Directive
from fangkong.office.reminders import directive_escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue directive receipts to their units' heads (idempotent; safe from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        for pk in Directive.objects.filter(deadline__lte=timezone.now()).values_list("pk", flat=True):
            result = directive_escalate_overdue(directive_id=pk)
            if result["receipts"]:
                self.stdout.write(f"directive {pk}: {result['receipts']} receipts, {result['sms']} SMS")
