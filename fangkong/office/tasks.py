"""Background jobs of the office: escalation at a directive's deadline, the SMS of large reminders."""

from __future__ import annotations

import logging
from typing import Any

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


def _form_exporter(job: Any, user: Any) -> Any:
    from datetime import datetime

    from .exports_forms import build_form_exporter
    from .queries_forms import Filters, fields_of, forms_for_publisher, results

    form = forms_for_publisher(user).filter(pk=job.params["form"]).first()
    if form is None:
        raise PermissionError("该表单已不在该用户的权限内")
    filters = Filters(**job.params["filters"])
    fields = fields_of(form)
    return build_form_exporter(actor=user, form=form, fields=fields, rows=results(user, form, filters, fields),
                               at=datetime.fromisoformat(job.params["at"]))


@task(queue_name="default")
def form_export_run(job_id: int) -> str:
    """A large form export (person-mode forms reach every cadre); see fangkong/core/export_jobs.py."""
    from fangkong.core.export_jobs import run_export_job

    return run_export_job(job_id, _form_exporter)
