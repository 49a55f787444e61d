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
    # Review decisions (fangkong.booking.workflow); ``name`` is masked (王**), never the full name.
    "booking_approved": ("name", "round", "booking_no", "committee"),
    "booking_rejected": ("name", "round", "booking_no", "reason", "committee"),
    "booking_on_hold": ("name", "round", "booking_no", "reason", "follow_up_on", "committee"),
    # The lottery at close (fangkong.booking.allocation): not drawn; the draw is public on /r/<round>/lottery/.
    "booking_not_allocated": ("name", "round", "booking_no", "committee"),
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


def _check(templates: dict[str, tuple[str, ...]], template: str, variables: dict[str, Any]) -> None:
    expected = templates.get(template)
    if expected is None:
        raise ValueError(f"unknown template {template!r}")
    missing = set(expected) - set(variables)
    if missing:
        raise ValueError(f"template {template!r} needs {sorted(missing)}")


def _queue(channel: str, recipient: str, template: str, variables: dict[str, Any], key: str, new_event: bool) -> OutboundMessage:
    from .tasks import deliver_message

    if new_event:
        # The caller's transaction has just created the event this key names, so the key cannot
        # exist yet: a plain INSERT (the unique key still guards it) saves a SELECT and savepoints.
        message = OutboundMessage.objects.create(
            channel=channel, recipient=recipient, template=template, variables=variables, idempotency_key=key
        )
        deliver_message.enqueue(message.pk)
        return message
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={"channel": channel, "recipient": recipient, "template": template, "variables": variables},
        )
        if created:
            deliver_message.enqueue(message.pk)
    return message


def queue_sms(
    *, phone: str, template: str, variables: dict[str, Any], key: str, new_event: bool = False
) -> OutboundMessage:
    """Write the message and its delivery job; both commit or neither does.

    ``key`` must identify the event (e.g. ``booking_created:B2-T04C027-00017``); queueing the
    same key twice returns the first message. ``new_event=True`` is for callers inside the
    transaction that created the event (the key is then known to be new).
    """
    _check(SMS_TEMPLATES, template, variables)
    return _queue(Channel.SMS, phone, template, variables, key, new_event)


def queue_email(
    *, to: str, template: str, variables: dict[str, Any], key: str, new_event: bool = False
) -> OutboundMessage:
    """Like ``queue_sms``, for e-mail (same outbox, same worker, same idempotency)."""
    _check(EMAIL_TEMPLATES, template, variables)
    return _queue(Channel.EMAIL, to, template, variables, key, new_event)


def sent_recently(phone: str, *, hours: int) -> int:
    since = timezone.now() - timedelta(hours=hours)
    return OutboundMessage.objects.filter(
        recipient=phone, status=MessageStatus.SENT, sent_at__gte=since
    ).count()
