"""The worker's maintenance pass: messages and jobs left behind by a dead worker are recovered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from fangkong.core.models import DeliveredMessage, MessageStatus, OutboundMessage
from fangkong.core.tasks import deliver_message, requeue_stale_messages

pytestmark = pytest.mark.django_db

Queue = Callable[..., OutboundMessage]
LONG_AGO = timedelta(minutes=10)


def jobs_for(message: OutboundMessage, status: str = TaskResultStatus.READY) -> int:
    return DBTaskResult.objects.filter(args_kwargs__args__0=message.pk, status=status).count()


def left_sending(message: OutboundMessage, ago: timedelta) -> None:
    """As if a worker claimed the message ``ago`` and then died."""
    claimed = timezone.now() - ago
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=claimed, created_at=claimed, attempts=1
    )
    DBTaskResult.objects.filter(args_kwargs__args__0=message.pk).update(
        status=TaskResultStatus.RUNNING, started_at=claimed
    )


def lose_jobs(message: OutboundMessage, *, created_ago: timedelta) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - created_ago)
    DBTaskResult.objects.filter(args_kwargs__args__0=message.pk).delete()


def test_message_left_sending_by_a_dead_worker_gets_a_new_job(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    left_sending(message, LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert jobs_for(message) == 1
    assert deliver_message.call(message.pk) == "sent"


def test_message_sending_right_now_is_left_alone(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    left_sending(message, timedelta(seconds=3))

    assert requeue_stale_messages(older_than_seconds=120) == 0

    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING


def test_pending_message_whose_job_was_lost_gets_a_new_job(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    lose_jobs(message, created_ago=LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 1

    assert jobs_for(message) == 1


def test_fresh_pending_message_is_left_alone(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    lose_jobs(message, created_ago=timedelta(seconds=3))

    assert requeue_stale_messages(older_than_seconds=120) == 0


def test_old_pending_message_still_waiting_in_the_queue_gets_no_second_job(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 0

    assert jobs_for(message) == 1


def test_message_waiting_for_its_retry_is_left_alone(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_BACKEND = "tests.core.gateways.UnreachableGateway"
    message = queue_lookup_code()
    deliver_message.call(message.pk)
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 0


def test_two_maintenance_passes_enqueue_one_job(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    left_sending(message, LONG_AGO)

    requeue_stale_messages(older_than_seconds=120)
    requeue_stale_messages(older_than_seconds=120)

    assert jobs_for(message) == 1


def test_orphaned_running_job_of_a_dead_worker_is_marked_failed(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    left_sending(message, LONG_AGO)

    requeue_stale_messages(older_than_seconds=120)

    orphan = DBTaskResult.objects.get(args_kwargs__args__0=message.pk, status=TaskResultStatus.FAILED)
    assert orphan.exception_class_path == "fangkong.core.tasks.WorkerLost"
    assert orphan.finished_at is not None


def test_recently_started_job_is_not_marked_failed(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()
    left_sending(message, timedelta(seconds=3))

    requeue_stale_messages(older_than_seconds=120)

    assert jobs_for(message, TaskResultStatus.RUNNING) == 1


def test_pending_message_whose_only_job_is_orphaned_gets_a_new_job(queue_lookup_code: Queue) -> None:
    """The worker took the job and died before claiming the message."""
    message = queue_lookup_code()
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - LONG_AGO)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=timezone.now() - LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 1

    assert jobs_for(message) == 1


def test_message_whose_worker_died_on_every_attempt_fails(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_MAX_ATTEMPTS = 1
    message = queue_lookup_code()
    left_sending(message, LONG_AGO)

    assert requeue_stale_messages(older_than_seconds=120) == 0

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_redelivery_after_a_crash_past_the_gateway_does_not_send_twice(queue_lookup_code: Queue) -> None:
    """The worker died after the outbox gateway delivered but before the message was marked sent."""
    message = queue_lookup_code()
    deliver_message.call(message.pk)
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)
    left_sending(message, LONG_AGO)

    requeue_stale_messages(older_than_seconds=120)
    deliver_message.call(message.pk)

    assert DeliveredMessage.objects.filter(idempotency_key=message.idempotency_key).count() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
