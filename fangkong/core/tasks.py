"""Background jobs of the core: delivering queued messages, and recovering from dead workers.

Owns the outbox's life cycle: pending → sending → sent | failed | suppressed. A transient
failure puts the message back to pending with ``next_attempt_at`` and a delayed job; a worker
killed mid-delivery leaves it in "sending", which ``requeue_stale_messages`` (the worker's
maintenance pass) turns back into pending with a new job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .models import MessageStatus, OutboundMessage

logger = logging.getLogger("fangkong.outbox")

BACKOFF_SECONDS = [5, 15, 60, 180, 600, 1800, 3600]
REQUEUE_BATCH = 1000


class WorkerLost(Exception):
    """Recorded on a delivery job whose worker died while running it."""


def _backoff(attempt: int) -> int:
    return BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]


@task(queue_name="sms")
def deliver_message(message_id: int) -> str:
    """Claim the message, hand it to the gateway, record the outcome. Safe to run twice."""
    from .gateways import EmailGateway, PermanentError, TransientError, get_gateway
    from .messaging import sent_recently
    from .models import Channel

    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=message_id,
        status=MessageStatus.PENDING,
    ).update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)

    is_sms = message.channel == Channel.SMS
    if is_sms and (
        sent_recently(message.recipient, hours=1) >= settings.SMS_PER_PHONE_PER_HOUR
        or sent_recently(message.recipient, hours=24) >= settings.SMS_PER_PHONE_PER_DAY
    ):
        message.status = MessageStatus.SUPPRESSED
        message.last_error = "超出单个手机号的发送频率限制"
        message.save(update_fields=["status", "last_error"])
        logger.warning("suppressed message=%s recipient limit", message.pk)
        return "suppressed"

    try:
        provider_id = (get_gateway() if is_sms else EmailGateway()).send(message)
    except PermanentError as exc:
        return _fail(message, str(exc))
    except Exception as exc:
        # Transient by contract; anything else (a bug, a locked database) is retried the same
        # way, so the attempt limit still ends it instead of a stale-requeue loop.
        if not isinstance(exc, TransientError | OSError):
            logger.exception("message=%s unexpected gateway error", message.pk)
        return _retry(message, exc)

    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.provider_message_id = provider_id[:128]
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "provider_message_id", "last_error"])
    return "sent"


def _fail(message: OutboundMessage, error: str) -> str:
    message.status = MessageStatus.FAILED
    message.last_error = error[:2000]
    message.save(update_fields=["status", "last_error"])
    logger.error("message=%s failed: %s", message.pk, error)
    return "failed"


def _retry(message: OutboundMessage, exc: Exception) -> str:
    if message.attempts >= settings.SMS_MAX_ATTEMPTS:
        return _fail(message, f"{message.attempts} 次尝试均失败: {exc}")
    delay = _backoff(message.attempts)
    with transaction.atomic():
        message.status = MessageStatus.PENDING
        message.last_error = str(exc)[:2000]
        message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        message.save(update_fields=["status", "last_error", "next_attempt_at"])
        deliver_message.using(run_after=message.next_attempt_at).enqueue(message.pk)
    logger.warning("message=%s attempt=%s retry in %ss: %s", message.pk, message.attempts, delay, exc)
    return "retry"


def requeue_stale_messages(*, older_than_seconds: int | None = None) -> int:
    """Give messages whose worker died a new job; returns how many were re-queued.

    Stale means: "sending" since before the cutoff (the worker died mid-delivery), or "pending"
    since before the cutoff with no delivery job waiting or running (the job was lost). A
    message left in "sending" may or may not have reached the gateway; the gateway's
    idempotency key makes the second attempt harmless where the provider honours it.
    """
    age = older_than_seconds if older_than_seconds is not None else settings.OUTBOX_STALE_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=age)
    fail_orphaned_jobs(cutoff)
    _fail_exhausted(cutoff)

    # Re-checked in the UPDATE, and a requeued message gets next_attempt_at=now, so two
    # maintenance passes racing each other enqueue one job, not two.
    stale = Q(status=MessageStatus.SENDING, claimed_at__lt=cutoff) | (
        Q(status=MessageStatus.PENDING, created_at__lt=cutoff)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
    )
    candidates = list(OutboundMessage.objects.filter(stale).values_list("pk", "status")[:REQUEUE_BATCH])
    waiting = _with_live_job([pk for pk, status in candidates if status == MessageStatus.PENDING])
    count = 0
    for pk, _status in candidates:
        if pk in waiting:
            continue
        with transaction.atomic():
            if OutboundMessage.objects.filter(stale, pk=pk).update(
                status=MessageStatus.PENDING, next_attempt_at=now
            ):
                deliver_message.enqueue(pk)
                count += 1
    if count:
        logger.warning("requeued %s stale messages", count)
    return count


def fail_orphaned_jobs(cutoff: datetime) -> int:
    """Mark delivery jobs still "running" since before the cutoff as failed (their worker died).

    django-tasks-db never revisits a job whose worker was killed; without this they would stay
    RUNNING forever. Only ``deliver_message`` jobs: they last seconds, other jobs may not.
    """
    orphans = DBTaskResult.objects.filter(
        task_path=deliver_message.module_path,
        status=TaskResultStatus.RUNNING,
        started_at__lt=cutoff,
    )[:REQUEUE_BATCH]
    count = 0
    for job in orphans:
        job.set_failed(WorkerLost(f"worker {','.join(job.worker_ids)} died while running this job"))
        count += 1
    if count:
        logger.warning("marked %s orphaned delivery jobs failed", count)
    return count


def _fail_exhausted(cutoff: datetime) -> None:
    """A message whose worker died on every attempt is failed, not re-queued forever."""
    OutboundMessage.objects.filter(
        status=MessageStatus.SENDING,
        claimed_at__lt=cutoff,
        attempts__gte=settings.SMS_MAX_ATTEMPTS,
    ).update(status=MessageStatus.FAILED, last_error="每次发送中工作进程都中断，已放弃")


def _with_live_job(message_ids: list[int]) -> set[int]:
    """The messages among ``message_ids`` that have a delivery job waiting or running."""
    if not message_ids:
        return set()
    jobs = DBTaskResult.objects.filter(
        task_path=deliver_message.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args__0__in=message_ids,
    ).values_list("args_kwargs", flat=True)
    return {job["args"][0] for job in jobs}


def export_files_cleanup(*, older_than_hours: float | None = None) -> int:
    """Delete export files older than ``EXPORT_KEEP_HOURS`` and mark their jobs expired.

    Run by the worker's maintenance loop; returns how many files were removed.
    """
    from pathlib import Path

    from .models import ExportJob, ExportStatus

    hours = older_than_hours if older_than_hours is not None else settings.EXPORT_KEEP_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    count = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).exclude(status=ExportStatus.EXPIRED)[:REQUEUE_BATCH]:
        if job.file_path:
            Path(job.file_path).unlink(missing_ok=True)
            count += 1
        job.status = ExportStatus.EXPIRED
        job.file_path = ""
        job.save(update_fields=["status", "file_path"])
    if count:
        logger.info("removed %s expired export files", count)
    return count
