"""The outbox: queue a templated SMS or email inside the caller's transaction.

Chinese SMS providers send pre-approved templates with variables, so a message is a template
name plus variables; ``templates/sms/<name>.txt`` is the text our own gateways render, and
``SMS_TEMPLATE_CODES`` maps the name to the provider's template code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Channel, MessageStatus, OutboundMessage

# Templates and the variables each one takes (documented here, checked when queued).
SMS_TEMPLATES: dict[str, tuple[str, ...]] = {
    "booking_created": ("name", "round", "booking_no", "queue_position", "committee"),
    "booking_unresolved": ("name", "round", "booking_no", "town"),
    "lookup_code": ("code", "minutes"),
}


# E-mail templates: templates/emails/<name>_subject.txt and <name>.txt.
EMAIL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "booking_created": ("name", "round", "booking_no", "queue_position", "committee"),
    "booking_unresolved": ("name", "round", "booking_no", "town"),
}


def render_email(template: str, variables: dict[str, Any]) -> tuple[str, str]:
    context = {**variables, "sign": settings.SMS_SIGN_NAME}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    return subject, render_to_string(f"emails/{template}.txt", context)


def render_message(template: str, variables: dict[str, Any]) -> str:
    body = render_to_string(f"sms/{template}.txt", {**variables, "sign": settings.SMS_SIGN_NAME})
    return " ".join(body.split())


def queue_sms(*, phone: str, template: str, variables: dict[str, Any], key: str) -> OutboundMessage:
    """Write the message and its delivery job; both commit or neither does.

    ``key`` must identify the event (e.g. ``booking_created:B2-T04C027-00017``); queueing the
    same key twice returns the first message.
    """
    expected = SMS_TEMPLATES.get(template)
    if expected is None:
        raise ValueError(f"unknown SMS template {template!r}")
    missing = set(expected) - set(variables)
    if missing:
        raise ValueError(f"SMS template {template!r} needs {sorted(missing)}")
    from .tasks import deliver_message

    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "channel": Channel.SMS,
                "recipient": phone,
                "template": template,
                "variables": variables,
            },
        )
        if created:
            deliver_message.enqueue(message.pk)
    return message


def queue_email(*, to: str, template: str, variables: dict[str, Any], key: str) -> OutboundMessage:
    """Like ``queue_sms``, for e-mail (same outbox, same worker, same idempotency)."""
    expected = EMAIL_TEMPLATES.get(template)
    if expected is None:
        raise ValueError(f"unknown e-mail template {template!r}")
    missing = set(expected) - set(variables)
    if missing:
        raise ValueError(f"e-mail template {template!r} needs {sorted(missing)}")
    from .tasks import deliver_message

    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={"channel": Channel.EMAIL, "recipient": to, "template": template, "variables": variables},
        )
        if created:
            deliver_message.enqueue(message.pk)
    return message


def sent_recently(phone: str, *, hours: int) -> int:
    since = timezone.now() - timedelta(hours=hours)
    return OutboundMessage.objects.filter(
        recipient=phone, status=MessageStatus.SENT, sent_at__gte=since
    ).count()
