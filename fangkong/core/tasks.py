"""Background jobs of the core: delivering queued messages, and re-queueing stuck ones."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from .models import MessageStatus, OutboundMessage

logger = logging.getLogger("fangkong.outbox")

BACKOFF_SECONDS = [5, 15, 60, 180, 600, 1800, 3600]


def _backoff(attempt: int) -> int:
    return BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]


@task(queue_name="sms")
def deliver_message(message_id: int) -> str:
    """Claim the message, hand it to the gateway, record the outcome. Safe to run twice."""
    from .gateways import PermanentError, TransientError, get_gateway
    from .messaging import sent_recently

    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=message_id,
        status=MessageStatus.PENDING,
    ).update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)

    if (
        sent_recently(message.recipient, hours=1) >= settings.SMS_PER_PHONE_PER_HOUR
        or sent_recently(message.recipient, hours=24) >= settings.SMS_PER_PHONE_PER_DAY
    ):
        message.status = MessageStatus.SUPPRESSED
        message.last_error = "超出单个手机号的发送频率限制"
        message.save(update_fields=["status", "last_error"])
        logger.warning("suppressed message=%s recipient limit", message.pk)
        return "suppressed"

    try:
        provider_id = get_gateway().send(message)
    except PermanentError as exc:
        message.status = MessageStatus.FAILED
        message.last_error = str(exc)[:2000]
        message.save(update_fields=["status", "last_error"])
        logger.error("message=%s failed permanently: %s", message.pk, exc)
        return "failed"
    except (TransientError, OSError) as exc:
        message.last_error = str(exc)[:2000]
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.save(update_fields=["status", "last_error"])
            return "failed"
        delay = _backoff(message.attempts)
        with transaction.atomic():
            message.status = MessageStatus.PENDING
            message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            message.save(update_fields=["status", "last_error", "next_attempt_at"])
            deliver_message.using(run_after=message.next_attempt_at).enqueue(message.pk)
        logger.warning("message=%s attempt=%s retry in %ss: %s", message.pk, message.attempts, delay, exc)
        return "retry"

    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.provider_message_id = provider_id[:128]
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "provider_message_id", "last_error"])
    return "sent"


def requeue_stale_messages(*, older_than_seconds: int | None = None) -> int:
    """Give messages whose worker died (stuck in "sending", or pending with a lost job) a new job.

    A message left in "sending" may or may not have reached the gateway; the gateway's
    idempotency key makes the second attempt harmless.
    """
    age = older_than_seconds if older_than_seconds is not None else settings.OUTBOX_STALE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=age)
    stale = OutboundMessage.objects.filter(
        Q(status=MessageStatus.SENDING, claimed_at__lt=cutoff)
        | Q(status=MessageStatus.PENDING, created_at__lt=cutoff)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
    ).values_list("pk", flat=True)[:1000]
    count = 0
    for pk in list(stale):
        with transaction.atomic():
            if OutboundMessage.objects.filter(pk=pk, status__in=[MessageStatus.SENDING, MessageStatus.PENDING]).update(
                status=MessageStatus.PENDING, next_attempt_at=None
            ):
                deliver_message.enqueue(pk)
                count += 1
    if count:
        logger.warning("requeued %s stale messages", count)
    return count
