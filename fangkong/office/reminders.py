"""提醒未读 and escalation of overdue receipts.

A reminder goes only to recipients who are not done (see ``receipt_done_q``) within the
reminding user's scope (a town reminds its own units only): in-app (their inbox marks the item
"催办") and by SMS through the outbox for those with a phone — queued in the request up to
``REMIND_INLINE_SMS``, beyond that by the worker job ``reminder_send_sms`` (same keys, so a
retried job sends nothing twice). One reminder per
directive and scope every ``REMIND_COOLDOWN`` (5 minutes); every reminder is logged.

Escalation (``directive_escalate``, run by the worker at the deadline and by
``manage.py office_escalate``): receipts past the deadline and not done are reported by SMS to
the head of their unit — the people with post 书记 or 主任 at that committee (or, for town-level
recipients, at that town). Each receipt escalates once (``escalated_at``), each SMS has an
idempotency key, so running it again sends nothing new. A unit without a head is logged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms, shared_language
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import scope_of

from .directives import receipt_done_q
from .models import HEAD_POSTS, Directive, Person, Receipt, Reminder, ReminderKind

REMIND_COOLDOWN = timedelta(minutes=5)
# Up to this many SMS are queued in the request; more (a district-wide reminder) by a worker job.
REMIND_INLINE_SMS = 2000


class CoolingDown(UserError):
    code = "cooldown"


def directive_remind(*, actor: Any, directive: Directive) -> Reminder:
    scope = scope_of(actor)
    if scope.level not in ("district", "town"):
        raise UserError(_("只有发布方可以提醒未读。"))
    town_id = scope.town_id if scope.level == "town" else None
    pending = Receipt.objects.filter(directive=directive).exclude(receipt_done_q(directive.reply))
    return remind_receipts(actor=actor, directive=directive, pending=pending, town_id=town_id,
                           action="office.directive_remind")


def remind_receipts(
    *, actor: Any, directive: Directive, pending: QuerySet[Receipt], town_id: int | None, action: str,
    detail: dict[str, Any] | None = None,
) -> Reminder:
    """Remind the ``pending`` receipts (narrowed to ``town_id``) of ``directive``: cooldown, log,
    in-app mark and SMS. Shared by 提醒未读 and the forms' 提醒未填 (fangkong/office/services_forms.py),
    which only differ in who is pending."""
    now = timezone.now()
    with transaction.atomic():
        # Serialise reminders of one directive so two clicks cannot both pass the cooldown.
        Directive.objects.select_for_update().filter(pk=directive.pk).first()
        log = Reminder.objects.filter(directive=directive, kind=ReminderKind.REMIND)
        last = (log.filter(town_id=town_id) if town_id is not None else log.filter(town__isnull=True)).first()
        if last is not None and now - last.at < REMIND_COOLDOWN:
            again = timezone.localtime(last.at + REMIND_COOLDOWN)
            raise CoolingDown(
                _("%(min)s分钟内只能提醒一次，上次提醒在 %(last)s，请在 %(again)s 之后再试。")
                % {"min": int(REMIND_COOLDOWN.total_seconds() // 60),
                   "last": date_format(timezone.localtime(last.at), "H:i"), "again": date_format(again, "H:i")}
            )
        if town_id is not None:
            pending = pending.filter(town_id=town_id)
        reminder = Reminder.objects.create(directive=directive, kind=ReminderKind.REMIND, actor=actor, town_id=town_id, at=now)
        people = pending.update(reminded_at=now, reminders=F("reminders") + 1)
        sms = _reminded(reminder).exclude(person__phone="").count()
        Reminder.objects.filter(pk=reminder.pk).update(people=people, sms=sms)
        reminder.people, reminder.sms = people, sms
        if sms <= REMIND_INLINE_SMS:
            reminder_queue_sms(reminder=reminder, new_event=True)
        else:
            from .tasks import reminder_send_sms

            reminder_send_sms.enqueue(reminder.pk)
        Directive.objects.filter(pk=directive.pk).update(last_reminded_at=now)
        audit_log(actor=actor, action=action, object_type="directive", object_id=directive.pk,
                  district_id=directive.district_id, town_id=town_id,
                  detail={"people": people, "sms": sms, **(detail or {})})
    return reminder


def _reminded(reminder: Reminder) -> QuerySet[Receipt]:
    receipts = Receipt.objects.filter(directive_id=reminder.directive_id, reminded_at=reminder.at)
    return receipts.filter(town_id=reminder.town_id) if reminder.town_id else receipts


def reminder_queue_sms(*, reminder: Reminder, new_event: bool = False) -> int:
    """Queue the reminder's SMS, one per reminded recipient with a phone; idempotent by key."""
    directive = reminder.directive
    with shared_language():  # SMS
        priority = str(directive.get_priority_display())
    variables = {"title": directive.title[:30], "priority": priority}
    queued = 0
    targets = _reminded(reminder).exclude(person__phone="").values_list("pk", "person__phone")
    for pk, phone in targets.iterator(chunk_size=2000):
        queue_sms(phone=phone, template="office_directive_reminder", variables=variables,
                  key=f"office_remind:{reminder.pk}:{pk}", new_event=new_event)
        queued += 1
    return queued


def directive_escalate_overdue(*, directive_id: int) -> dict[str, int]:
    """Escalate this directive's overdue receipts to their units' heads. Idempotent."""
    directive = Directive.objects.filter(pk=directive_id).first()
    now = timezone.now()
    if directive is None or directive.deadline is None or directive.deadline > now:
        return {"receipts": 0, "sms": 0}
    with transaction.atomic():
        overdue = (
            Receipt.objects.select_for_update()
            .filter(directive=directive, escalated_at__isnull=True)
            .exclude(receipt_done_q(directive.reply))
        )
        by_unit: dict[tuple[str, int], int] = defaultdict(int)
        ids = []
        for pk, town_id, committee_id in overdue.values_list("pk", "town_id", "committee_id"):
            ids.append(pk)
            if committee_id:
                by_unit[("committee", committee_id)] += 1
            elif town_id:
                by_unit[("town", town_id)] += 1
        if not ids:
            return {"receipts": 0, "sms": 0}
        Receipt.objects.filter(pk__in=ids).update(escalated_at=now)
        committee_ids = [u for kind, u in by_unit if kind == "committee"]
        town_ids = [u for kind, u in by_unit if kind == "town"]
        heads: dict[tuple[str, int], list[Person]] = defaultdict(list)
        names = {("committee", c.pk): c.name for c in Committee.objects.filter(pk__in=committee_ids)}
        names.update({("town", t.pk): t.name for t in Town.objects.filter(pk__in=town_ids)})
        for p in Person.objects.filter(
            Q(committee_id__in=committee_ids) | Q(town_id__in=town_ids, committee__isnull=True), post__in=HEAD_POSTS
        ):
            heads[("committee", p.committee_id) if p.committee_id else ("town", p.town_id)].append(p)  # type: ignore[index]
        sms = headless = 0
        deadline = date_format(timezone.localtime(directive.deadline), "m-d H:i")
        for unit, count in sorted(by_unit.items()):
            if not heads.get(unit):
                headless += 1
            for head in heads.get(unit, []):
                if not head.phone:
                    continue
                queue_sms(
                    phone=head.phone, template="office_directive_escalation",
                    variables={"unit": names.get(unit, ""), "title": directive.title[:30], "pending": count,
                               "deadline": deadline},
                    key=f"office_escalate:{directive.pk}:{unit[0]}{unit[1]}:{head.pk}",
                )
                sms += 1
        Reminder.objects.create(directive=directive, kind=ReminderKind.ESCALATE, at=now, people=len(ids), sms=sms)
        Directive.objects.filter(pk=directive.pk).update(escalated_at=now)
        audit_log(actor=None, action="office.directive_escalate", object_type="directive", object_id=directive.pk,
                  district_id=directive.district_id, town_id=directive.town_id,
                  detail={"receipts": len(ids), "units": len(by_unit), "sms": sms, "units_without_head": headless})
    return {"receipts": len(ids), "sms": sms}
