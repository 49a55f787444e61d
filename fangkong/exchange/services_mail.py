"""Writes of internal mail: start a thread, reply in it, mark it read.

Parties are people or unit mailboxes of the sender's district. A new thread texts the named
people who have a phone (outbox, one key per thread and person); replies show as unread in the
nav badge and the mailbox list. Opening a thread marks all the reader's parties in it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms
from fangkong.office.models import Person
from fangkong.orgs.models import Committee, Town

from .limits import check_files
from .models import MailAttachment, MailMessage, MailParty, MailThread
from .queries import my_parties, sender_person

BODY_MAX = 5000


@dataclass
class Recipients:
    people: list[int] = field(default_factory=list)
    committees: list[int] = field(default_factory=list)
    towns: list[int] = field(default_factory=list)  # a town's own mailbox
    district_office: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.people or self.committees or self.towns or self.district_office)


def _clean_body(body: str, attachments: Sequence[UploadedFile]) -> str:
    body = body.strip()
    if not body:
        raise UserError(_("请填写正文。"), field="body")
    if len(body) > BODY_MAX:
        raise UserError(_("正文不能超过%(n)s个字。") % {"n": BODY_MAX}, field="body")
    check_files(attachments, what=_("附件"))
    return body


def _add_message(*, actor: Any, me: Person, thread: MailThread, body: str, attachments: Sequence[UploadedFile],
                 now: Any) -> MailMessage:
    message = MailMessage.objects.create(thread=thread, sender=actor, sender_name=me.name[:64], body=body, at=now)
    for f in attachments:
        MailAttachment.objects.create(message=message, file=f, name=(f.name or "")[:200], size=f.size or 0)
    MailThread.objects.filter(pk=thread.pk).update(last_message_at=now, messages_count=F("messages_count") + 1)
    thread.last_message_at = now
    return message


def mail_send(*, actor: Any, subject: str, body: str, to: Recipients,
              attachments: Sequence[UploadedFile] = ()) -> MailThread:
    me = sender_person(actor)
    subject = subject.strip()
    if not subject:
        raise UserError(_("请填写主题。"), field="subject")
    if len(subject) > 100:
        raise UserError(_("主题不能超过100个字。"), field="subject")
    if to.is_empty:
        raise UserError(_("请至少选择一个收件人或单位信箱。"), field="to")
    body = _clean_body(body, attachments)
    district_id = me.district_id
    people = list(Person.objects.filter(district_id=district_id, pk__in=set(to.people)).exclude(pk=me.pk))
    committees = list(Committee.objects.filter(district_id=district_id, pk__in=set(to.committees)))
    towns = list(Town.objects.filter(district_id=district_id, pk__in=set(to.towns)))
    if len(people) != len(set(to.people) - {me.pk}) or len(committees) != len(set(to.committees)) \
            or len(towns) != len(set(to.towns)):
        raise UserError(_("收件人中有不在本区的人员或单位。"), field="to")
    if not (people or committees or towns or to.district_office):
        raise UserError(_("不能只发给自己。"), field="to")
    now = timezone.now()
    with transaction.atomic():
        thread = MailThread.objects.create(district_id=district_id, subject=subject, created_by=actor, created_at=now,
                                           last_message_at=now)
        parties = [MailParty(thread=thread, person=me, district_id=district_id, town_id=me.town_id,
                             committee_id=me.committee_id, last_read_at=now)]
        parties += [MailParty(thread=thread, person=p, district_id=district_id, town_id=p.town_id,
                              committee_id=p.committee_id) for p in people]
        parties += [MailParty(thread=thread, district_id=district_id, town_id=c.town_id, committee=c) for c in committees]
        parties += [MailParty(thread=thread, district_id=district_id, town=t) for t in towns]
        if to.district_office:
            parties.append(MailParty(thread=thread, district_id=district_id))
        MailParty.objects.bulk_create(parties)
        _add_message(actor=actor, me=me, thread=thread, body=body, attachments=attachments, now=now)
        for p in people:
            if p.phone:
                queue_sms(phone=p.phone, template="exchange_mail", variables={"subject": subject, "sender": me.name},
                          key=f"exchange_mail:{thread.pk}:{p.pk}", new_event=True)
        audit_log(actor=actor, action="exchange.mail_send", object_type="mail_thread", object_id=thread.pk,
                  district_id=district_id, town_id=me.town_id, committee_id=me.committee_id,
                  detail={"people": len(people), "committees": len(committees), "towns": len(towns),
                          "district_office": to.district_office, "attachments": len(attachments)})
    return thread


def mail_reply(*, actor: Any, thread: MailThread, body: str, attachments: Sequence[UploadedFile] = ()) -> MailMessage:
    """Reply in a thread the actor is a party of (the view fetched it scoped: others get a 404)."""
    me = sender_person(actor)
    mine = my_parties(me).filter(thread=thread)
    if not mine.exists():
        raise UserError(_("您不是此邮件的收发方。"))
    body = _clean_body(body, attachments)
    now = timezone.now()
    with transaction.atomic():
        message = _add_message(actor=actor, me=me, thread=thread, body=body, attachments=attachments, now=now)
        mine.update(last_read_at=now)
        audit_log(actor=actor, action="exchange.mail_reply", object_type="mail_thread", object_id=thread.pk,
                  district_id=thread.district_id, town_id=me.town_id, committee_id=me.committee_id,
                  detail={"message": message.pk, "attachments": len(attachments)})
    return message


def mail_mark_read(*, person: Person, thread: MailThread) -> None:
    """Opening a thread; not audited (reading changes nothing)."""
    my_parties(person).filter(thread=thread).update(last_read_at=timezone.now())
