"""Background jobs of the office: escalation at a directive's deadline, the SMS of large reminders."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("fangkong.office")


@task(queue_name="default")
def directive_escalate(directive_id: int) -> dict[str, int]:
    """Enqueued at publish with ``run_after=deadline``; idempotent (see reminders.py)."""
    from .reminders import directive_escalate_overdue

    result = directive_escalate_overdue(directive_id=directive_id)
    logger.info("office escalate directive=%s receipts=%s sms=%s", directive_id, result["receipts"], result["sms"])
    return result


@task(queue_name="default")
def reminder_send_sms(reminder_id: int) -> int:
    """The SMS of a large 提醒未读, queued by the worker; idempotent (each message has its key)."""
    from .models import Reminder
    from .reminders import reminder_queue_sms

    reminder = Reminder.objects.select_related("directive").get(pk=reminder_id)
    queued = reminder_queue_sms(reminder=reminder)
    logger.info("office reminder=%s sms=%s", reminder_id, queued)
    return queued
