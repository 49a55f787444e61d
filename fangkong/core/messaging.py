"""The outbox: queue a templated SMS or email inside the caller's transaction.

Chinese SMS providers send pre-approved templates with variables, so a message is a template
name plus variables; ``templates/sms/<name>.txt`` is the text our own gateways render, and
``SMS_TEMPLATE_CODES`` maps the name to the provider's template code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, models, transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Channel, MessageStatus, OutboundMessage
from .rawinsert import InsertShape, insert_shape

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
    # Review decisions and the lottery, for residents who gave an address (the SMS goes out too).
    "booking_rejected": ("name", "round", "booking_no", "reason", "committee", "note"),
    "booking_on_hold": ("name", "round", "booking_no", "reason", "follow_up_on", "committee", "note"),
    "booking_not_allocated": ("name", "round", "booking_no", "committee", "lottery_url"),
}


def shared_language() -> translation.override:
    """Text that is sent (SMS, e-mail) or stored for everyone (directive titles, notices, reasons)
    is built in the site's language (Chinese), whatever the language of the person acting:
    ``with shared_language(): title = _("【培训】%(t)s") % ...``."""
    return translation.override(settings.LANGUAGE_CODE)


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


@dataclass(frozen=True)
class SqlQueue:
    """``queue_sms``/``queue_email`` as parts of one PostgreSQL statement (data-modifying CTEs).

    ``messages(rows)`` inserts the outbox rows produced by ``rows`` (a SELECT of channel,
    recipient, template, variables (jsonb), idempotency_key); ``jobs(cte)`` inserts one
    ``deliver_message`` job per row that CTE returned, as ``deliver_message.enqueue`` writes it
    (django-tasks-db's row, random UUID, same priority, queue, backend and "run after"). Both run
    in the caller's statement, so a message, its delivery job and the data that caused them
    commit together or not at all — the guarantee ``queue_sms`` gives inside a transaction.
    Not sent: django-tasks' ``task_enqueued`` signal (its only receiver is a debug log line).
    """

    message: InsertShape
    job: InsertShape

    def messages(self, rows: str) -> str:
        return (
            f"INSERT INTO {_quoted(OutboundMessage)} ({self.message.columns}) "  # noqa: S608
            f"SELECT {self.message.values} FROM ({rows}) AS r RETURNING id"
        )

    def jobs(self, cte: str) -> str:
        from django_tasks_db.models import DBTaskResult

        return f"INSERT INTO {_quoted(DBTaskResult)} ({self.job.columns}) SELECT {self.job.values} FROM {cte} RETURNING 1"  # noqa: S608

    def params(self, now: datetime) -> dict[str, Any]:
        return {**self.message.params(now), **self.job.params(now)}


_sql_queue: SqlQueue | None = None


@receiver(setting_changed)
def _forget_sql_queue(*, setting: str, **kwargs: Any) -> None:
    global _sql_queue
    if setting in ("TASKS", "DATABASES"):
        _sql_queue = None


def _quoted(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def sql_queue() -> SqlQueue | None:
    """The one-statement form of queueing, or None where it does not apply (not PostgreSQL, or
    delivery jobs not in django-tasks-db's database backend with its default ids): callers then
    use ``queue_sms``/``queue_email``."""
    global _sql_queue
    if _sql_queue is not None or connection.vendor != "postgresql":
        return _sql_queue
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliver_message

    backend = deliver_message.get_backend()
    if type(backend) is not DatabaseBackend or backend.options.get("id_function"):
        return None
    message = insert_shape(
        OutboundMessage,
        {c: f"r.{c}" for c in ("channel", "recipient", "template", "variables", "idempotency_key")},
        prefix="_q_m_",
    )
    # The job row as the backend builds it, completed by django-tasks-db's pre_save handler.
    job_row = DBTaskResult(
        args_kwargs={"args": [], "kwargs": {}},
        priority=deliver_message.priority,
        task_path=deliver_message.module_path,
        queue_name=deliver_message.queue_name,
        run_after=deliver_message.run_after,  # type: ignore[misc]
        backend_name=backend.alias,
    )
    models.signals.pre_save.send(DBTaskResult, instance=job_row, raw=False, using="default", update_fields=None)
    given = {
        "id": "gen_random_uuid()",  # uuid.uuid4, the model's default
        "args_kwargs": "jsonb_build_object('args', jsonb_build_array(id), 'kwargs', '{}'::jsonb)",
    }
    static: dict[str, Any] = {}
    for f in DBTaskResult._meta.concrete_fields:
        if f.column in given or getattr(f, "auto_now_add", False):
            continue
        value = f.get_db_prep_save(getattr(job_row, f.attname), connection)
        static[f"_q_j_{f.column}"] = value
        given[f.column] = "NULL" if value is None else f"%(_q_j_{f.column})s::{f.db_type(connection)}"
    job = insert_shape(DBTaskResult, given, prefix="_q_j_")
    _sql_queue = SqlQueue(message, InsertShape(job.columns, job.values, {**job.static, **static}, job.dynamic))
    return _sql_queue


def check_variables(channel: str, template: str, variables: dict[str, Any]) -> None:
    """What ``queue_sms``/``queue_email`` check, for callers that queue through ``sql_queue``."""
    _check(SMS_TEMPLATES if channel == Channel.SMS else EMAIL_TEMPLATES, template, variables)


def sent_recently(phone: str, *, hours: int) -> int:
    since = timezone.now() - timedelta(hours=hours)
    return OutboundMessage.objects.filter(
        recipient=phone, status=MessageStatus.SENT, sent_at__gte=since
    ).count()
