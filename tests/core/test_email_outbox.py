"""E-mail goes through the same outbox and worker as SMS, through Django's mail backend."""

from __future__ import annotations

import pytest
from django.core import mail

from fangkong.core.messaging import queue_email
from fangkong.core.models import Channel, MessageStatus, OutboundMessage
from fangkong.core.tasks import deliver_message

pytestmark = pytest.mark.django_db

VARS = {"name": "王小明", "round": "口罩 · 第二轮", "booking_no": "B2-T04C027-00001", "queue_position": 1, "committee": "齐河第二社区"}


def test_email_is_queued_and_delivered_once(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = queue_email(to="wang@example.com", template="booking_created", variables=VARS, key="k1")
    queue_email(to="wang@example.com", template="booking_created", variables=VARS, key="k1")
    assert OutboundMessage.objects.filter(channel=Channel.EMAIL).count() == 1
    assert deliver_message.call(message.pk) == "sent"
    assert deliver_message.call(message.pk) == "skipped"
    [sent] = mail.outbox
    assert sent.subject == "【浦东防控】预约成功：口罩 · 第二轮（B2-T04C027-00001）"
    assert "排队序号：第1位" in sent.body and sent.to == ["wang@example.com"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.provider_message_id == sent.extra_headers["Message-ID"]


def test_unknown_email_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown template"):
        queue_email(to="a@example.com", template="nope", variables={}, key="k2")


def test_smtp_failure_is_retried(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    message = queue_email(to="wang@example.com", template="booking_created", variables=VARS, key="k3")
    assert deliver_message.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.next_attempt_at is not None
