"""Queueing SMS with the caller's transaction, and delivering each one once, within limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from fangkong.core.messaging import queue_sms
from fangkong.core.models import DeliveredMessage, MessageStatus, OutboundMessage
from fangkong.core.tasks import BACKOFF_SECONDS, deliver_message

pytestmark = pytest.mark.django_db

Queue = Callable[..., OutboundMessage]


class BookingFailed(Exception):
    pass


def test_rolled_back_booking_leaves_no_message_and_no_job(queue_lookup_code: Queue) -> None:
    with pytest.raises(BookingFailed), transaction.atomic():
        queue_lookup_code()
        raise BookingFailed

    assert OutboundMessage.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_committed_message_has_its_delivery_job(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()

    job = DBTaskResult.objects.get()
    assert job.task_path == deliver_message.module_path
    assert job.args_kwargs["args"] == [message.pk]
    assert job.queue_name == "sms"


def test_same_key_queued_twice_is_one_message_and_one_job(queue_lookup_code: Queue) -> None:
    first = queue_lookup_code(key="lookup_code:42")
    second = queue_lookup_code(key="lookup_code:42")

    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_template_variables_are_checked_when_queued() -> None:
    with pytest.raises(ValueError, match="minutes"):
        queue_sms(phone="13916001234", template="lookup_code", variables={"code": "1"}, key="k")


def test_delivered_message_is_sent_with_the_rendered_text(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()

    assert deliver_message.call(message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id.startswith("outbox-")
    delivered = DeliveredMessage.objects.get()
    assert delivered.body == "【浦东防控】您的查询验证码为482913，10分钟内有效。如非本人操作，请忽略本短信。"


def test_running_the_job_twice_sends_once(queue_lookup_code: Queue) -> None:
    message = queue_lookup_code()

    results = [deliver_message.call(message.pk), deliver_message.call(message.pk)]

    assert results == ["sent", "skipped"]
    assert DeliveredMessage.objects.count() == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_phone_over_its_hourly_limit_is_suppressed(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_PER_PHONE_PER_HOUR = 2
    messages = [queue_lookup_code(key=f"lookup_code:{n}") for n in range(3)]

    results = [deliver_message.call(m.pk) for m in messages]

    assert results == ["sent", "sent", "suppressed"]
    assert DeliveredMessage.objects.count() == 2
    messages[2].refresh_from_db()
    assert messages[2].status == MessageStatus.SUPPRESSED


def test_phone_over_its_daily_limit_is_suppressed(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_PER_PHONE_PER_DAY = 2
    earlier = [queue_lookup_code(key=f"lookup_code:{n}") for n in range(2)]
    OutboundMessage.objects.filter(pk__in=[m.pk for m in earlier]).update(
        status=MessageStatus.SENT, sent_at=timezone.now() - timedelta(hours=5)
    )

    assert deliver_message.call(queue_lookup_code(key="lookup_code:3").pk) == "suppressed"


def test_other_phones_are_not_limited_by_one_busy_phone(
    settings: SettingsWrapper, queue_lookup_code: Queue
) -> None:
    settings.SMS_PER_PHONE_PER_HOUR = 1
    deliver_message.call(queue_lookup_code(phone="13916001234", key="a").pk)

    assert deliver_message.call(queue_lookup_code(phone="13916005678", key="b").pk) == "sent"


def test_retries_back_off_on_the_published_schedule(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_BACKEND = "tests.core.gateways.UnreachableGateway"
    settings.SMS_MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
    message = queue_lookup_code()
    delays = []
    for _ in BACKOFF_SECONDS:
        before = timezone.now()
        assert deliver_message.call(message.pk) == "retry"
        message.refresh_from_db()
        assert message.next_attempt_at is not None
        delays.append(round((message.next_attempt_at - before).total_seconds()))
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert delays == [5, 15, 60, 180, 600, 1800, 3600]


def test_retry_is_a_delayed_job_and_the_message_waits_for_it(
    settings: SettingsWrapper, queue_lookup_code: Queue
) -> None:
    settings.SMS_BACKEND = "tests.core.gateways.UnreachableGateway"
    message = queue_lookup_code()

    assert deliver_message.call(message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.last_error == "短信平台暂时无法连接"
    assert message.next_attempt_at is not None
    retry = DBTaskResult.objects.get(run_after=message.next_attempt_at)
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["args"] == [message.pk]
    assert deliver_message.call(message.pk) == "skipped"  # too early: next_attempt_at is ahead


def test_message_fails_after_the_last_attempt(settings: SettingsWrapper, queue_lookup_code: Queue) -> None:
    settings.SMS_BACKEND = "tests.core.gateways.UnreachableGateway"
    settings.SMS_MAX_ATTEMPTS = 3
    message = queue_lookup_code()
    results = []
    for _ in range(3):
        results.append(deliver_message.call(message.pk))
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert results == ["retry", "retry", "failed"]
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 3


def test_permanent_rejection_fails_at_once_without_retry(
    settings: SettingsWrapper, queue_lookup_code: Queue
) -> None:
    settings.SMS_BACKEND = "tests.core.gateways.RejectingGateway"
    message = queue_lookup_code()

    assert deliver_message.call(message.pk) == "failed"

    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.FAILED, "号码无效")
    assert DBTaskResult.objects.count() == 1  # only the original job
