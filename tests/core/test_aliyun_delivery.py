"""End to end with SMS_BACKEND=aliyun: queue_sms → deliver_message → fake Alibaba endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from fangkong.core.models import MessageStatus, OutboundMessage
from fangkong.core.tasks import deliver_message

from .fake_aliyun import FakeAliyun

pytestmark = pytest.mark.django_db

Queue = Callable[..., OutboundMessage]


def test_accepted_message_is_sent_with_the_provider_biz_id(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun, queue_lookup_code: Queue
) -> None:
    fake_aliyun.answer("OK")
    message = queue_lookup_code(key="lookup_code:7")

    assert deliver_message.call(message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "900000^0"
    [request] = fake_aliyun.requests
    assert (request["OutId"], request["TemplateCode"]) == ("lookup_code:7", "SMS_480002")


def test_throttled_message_waits_for_a_retry_job(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun, queue_lookup_code: Queue
) -> None:
    fake_aliyun.answer("isv.BUSINESS_LIMIT_CONTROL")
    message = queue_lookup_code()

    assert deliver_message.call(message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert "isv.BUSINESS_LIMIT_CONTROL" in message.last_error
    assert message.next_attempt_at is not None
    assert abs(message.next_attempt_at - (timezone.now() + timedelta(seconds=5))) < timedelta(seconds=2)
    retry = DBTaskResult.objects.get(run_after=message.next_attempt_at)
    assert (retry.status, retry.args_kwargs["args"]) == (TaskResultStatus.READY, [message.pk])


def test_provider_outage_then_recovery_sends_on_the_retry(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun, queue_lookup_code: Queue
) -> None:
    fake_aliyun.answer("ServiceUnavailable", status=503)
    fake_aliyun.answer("OK")
    message = queue_lookup_code()
    deliver_message.call(message.pk)
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert deliver_message.call(message.pk) == "sent"

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_illegal_number_fails_the_message(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun, queue_lookup_code: Queue
) -> None:
    fake_aliyun.answer("isv.MOBILE_NUMBER_ILLEGAL")
    message = queue_lookup_code(phone="1391600")

    assert deliver_message.call(message.pk) == "failed"

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "isv.MOBILE_NUMBER_ILLEGAL" in message.last_error
    assert DBTaskResult.objects.count() == 1  # no retry job


def test_template_missing_from_the_code_map_fails_the_message(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun, queue_lookup_code: Queue
) -> None:
    aliyun_settings.SMS_TEMPLATE_CODES = '{"booking_created": "SMS_480001"}'
    message = queue_lookup_code()

    assert deliver_message.call(message.pk) == "failed"

    message.refresh_from_db()
    assert "lookup_code" in message.last_error
    assert fake_aliyun.requests == []
