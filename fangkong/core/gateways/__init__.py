"""SMS gateways. Each takes a message and returns the provider's message id.

``TransientError`` means "try again later" (network, throttling); ``PermanentError`` means the
message can never be delivered (bad number, rejected template).

``SMS_BACKEND`` names a built-in gateway ("outbox", "console", "aliyun") or, like Django's
EMAIL_BACKEND, the dotted path of a class taking no arguments (tests use a slow one).
"""

from __future__ import annotations

import logging
from typing import Protocol, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from ..messaging import render_message
from ..models import DeliveredMessage, OutboundMessage

logger = logging.getLogger("fangkong.sms")


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class SmsGateway(Protocol):
    def send(self, message: OutboundMessage) -> str: ...


class OutboxGateway:
    """Demo default: "delivers" into the DeliveredMessage table, de-duplicated by key."""

    def send(self, message: OutboundMessage) -> str:
        body = render_message(message.template, message.variables)
        try:
            with transaction.atomic():
                delivered = DeliveredMessage.objects.create(
                    idempotency_key=message.idempotency_key,
                    channel=message.channel,
                    recipient=message.recipient,
                    body=body,
                )
        except IntegrityError:
            delivered = DeliveredMessage.objects.get(idempotency_key=message.idempotency_key)
        return f"outbox-{delivered.pk}"


class ConsoleGateway:
    def send(self, message: OutboundMessage) -> str:
        body = render_message(message.template, message.variables)
        logger.info("SMS to %s [%s]: %s", message.recipient, message.idempotency_key, body)
        return f"console-{message.pk}"


class EmailGateway:
    """E-mail through Django's configured EMAIL_BACKEND (console in the demo, SMTP in production).

    The Message-ID is derived from the idempotency key, so a resend after a crash carries the
    same id and mail clients show it once.
    """

    def send(self, message: OutboundMessage) -> str:
        from django.core.mail import EmailMessage

        from ..messaging import render_email

        subject, body = render_email(message.template, message.variables)
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "fangkong.local"
        message_id = f"<{message.idempotency_key.replace(':', '.')}@{domain}>"
        email = EmailMessage(subject, body, to=[message.recipient], headers={"Message-ID": message_id})
        try:
            email.send(fail_silently=False)
        except OSError as exc:  # SMTP connection problems: try again later
            raise TransientError(str(exc)) from exc
        return message_id


def get_gateway(name: str | None = None) -> SmsGateway:
    name = name or settings.SMS_BACKEND
    if name == "outbox":
        return OutboxGateway()
    if name == "console":
        return ConsoleGateway()
    if name == "aliyun":
        from .aliyun import AliyunSmsGateway

        return AliyunSmsGateway.from_settings()
    if "." in name:
        return cast(SmsGateway, import_string(name)())
    raise ValueError(f"unknown SMS_BACKEND {name!r}")
