"""Writes of the town direct line (城镇直通车): open, reply, assign, close, reopen, share.

Status moves follow ``TRANSITIONS`` and are conditional UPDATEs (two clicks at once: one wins):

    待处理 open     → 已答复 answered (a district reply) · 已关闭 closed
    已答复 answered → 待处理 open (the town follows up)  · 已关闭 closed
    已关闭 closed   → 待处理 open (reopened by either side)

Notifications: in-app through the thread's ``unread_town`` / ``unread_district`` flags (the
badges) and by SMS through the outbox — a town's message texts the assignee, a district reply
texts the thread's author, an assignment texts the new assignee; keys per message and person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms
from fangkong.orgs.models import Role, User
from fangkong.orgs.scoping import scope_of

from .directives import ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_COUNT, ATTACHMENT_TYPES, _check_files
from .models import (
    Priority,
    Side,
    Thread,
    ThreadAttachment,
    ThreadCategory,
    ThreadMessage,
    ThreadStatus,
)

TRANSITIONS: dict[str, set[str]] = {
    ThreadStatus.OPEN: {ThreadStatus.ANSWERED, ThreadStatus.CLOSED},
    ThreadStatus.ANSWERED: {ThreadStatus.OPEN, ThreadStatus.CLOSED},
    ThreadStatus.CLOSED: {ThreadStatus.OPEN},
}
BODY_MAX = 4000


class StaleStatus(UserError):
    code = "stale"


def side_of(user: Any, thread: Thread | None = None) -> str:
    """The user's side of a thread: the district, or the thread's own town; else refused."""
    scope = scope_of(user)
    if scope.level == "district" and (thread is None or thread.district_id == scope.district_id):
        return Side.DISTRICT
    if scope.level == "town" and (thread is None or thread.town_id == scope.town_id):
        return Side.TOWN
    raise UserError(_("您不能在这个城镇直通车中操作。"))


def _move(thread: Thread, to: str, **extra: Any) -> None:
    if to not in TRANSITIONS[thread.status]:
        raise StaleStatus(_("该问题当前为“%(s)s”，不能改为“%(t)s”。")
                          % {"s": ThreadStatus(thread.status).label, "t": ThreadStatus(to).label})
    done = Thread.objects.filter(pk=thread.pk, status=thread.status).update(status=to, **extra)
    if not done:
        raise StaleStatus(_("该问题的状态刚被其他人修改，请刷新后再试。"))
    thread.status = to
    for k, v in extra.items():
        setattr(thread, k, v)


def _text(user: User | None, thread: Thread, event: str, *, template: str) -> None:
    """SMS ``user`` about ``event`` (a message or an assignment): one per event and person."""
    if user is None or not user.phone or not user.is_active:
        return
    queue_sms(phone=user.phone, template=template,
              variables={"title": thread.title[:30], "town": thread.town.name},
              key=f"office_channel:{event}:{user.pk}")


def _body(body: str) -> str:
    body = body.strip()
    if not body:
        raise UserError(_("请填写内容。"), field="body")
    if len(body) > BODY_MAX:
        raise UserError(_("内容不能超过%(n)s个字。") % {"n": BODY_MAX}, field="body")
    return body


def _attach(thread: Thread, message: ThreadMessage | None, files: Sequence[UploadedFile]) -> None:
    for f in files:
        ThreadAttachment.objects.create(thread=thread, message=message, file=f, name=(f.name or "")[:200], size=f.size or 0)


def thread_open(*, actor: Any, title: str, body: str, category: str = ThreadCategory.POLICY,
                urgency: str = Priority.NORMAL, attachments: Sequence[UploadedFile] = ()) -> Thread:
    scope = scope_of(actor)
    if scope.level != "town" or scope.town_id is None or scope.district_id is None:
        raise UserError(_("只有街镇工作人员可以在城镇直通车提问。"))
    title = title.strip()
    if not title:
        raise UserError(_("请填写标题。"), field="title")
    if len(title) > 100:
        raise UserError(_("标题不能超过100个字。"), field="title")
    body = _body(body)
    if category not in ThreadCategory.values:
        raise UserError(_("请选择类别。"), field="category")
    if urgency not in Priority.values:
        raise UserError(_("请选择紧急程度。"), field="urgency")
    _check_files(attachments, types=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, max_count=ATTACHMENT_MAX_COUNT,
                 what=_("附件"))
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            district_id=scope.district_id, town_id=scope.town_id, author=actor, title=title, body=body,
            category=category, urgency=urgency, created_at=now, last_activity_at=now, unread_district=True,
        )
        _attach(thread, None, attachments)
        audit_log(actor=actor, action="office.thread_open", object_type="thread", object_id=thread.pk,
                  district_id=scope.district_id, town_id=scope.town_id, detail={"category": category, "urgency": urgency})
    return thread


def thread_reply(*, actor: Any, thread: Thread, body: str, attachments: Sequence[UploadedFile] = ()) -> ThreadMessage:
    """A reply: the district's answers the thread (→ 已答复), the town's follows up (→ 待处理)."""
    side = side_of(actor, thread)
    body = _body(body)
    _check_files(attachments, types=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, max_count=ATTACHMENT_MAX_COUNT,
                 what=_("附件"))
    if thread.status == ThreadStatus.CLOSED:
        raise UserError(_("该问题已关闭，请先重新打开再回复。"))
    now = timezone.now()
    with transaction.atomic():
        if side == Side.DISTRICT:
            extra: dict[str, Any] = {"last_activity_at": now, "unread_town": True, "unread_district": False}
            if thread.status == ThreadStatus.OPEN:
                extra["answered_at"] = now
                if thread.assignee_id is None:  # whoever answers first takes it
                    extra["assignee"] = actor
                _move(thread, ThreadStatus.ANSWERED, **extra)
            else:
                Thread.objects.filter(pk=thread.pk).update(**extra)
        else:
            extra = {"last_activity_at": now, "unread_district": True, "unread_town": False}
            if thread.status == ThreadStatus.ANSWERED:
                _move(thread, ThreadStatus.OPEN, **extra)
            else:
                Thread.objects.filter(pk=thread.pk).update(**extra)
        message = ThreadMessage.objects.create(thread=thread, author=actor, side=side, body=body, created_at=now)
        _attach(thread, message, attachments)
        if side == Side.DISTRICT:
            _text(thread.author, thread, f"message{message.pk}", template="office_channel_answered")
        else:
            _text(thread.assignee, thread, f"message{message.pk}", template="office_channel_followup")
        audit_log(actor=actor, action="office.thread_reply", object_type="thread", object_id=thread.pk,
                  district_id=thread.district_id, town_id=thread.town_id, detail={"message": message.pk, "side": side})
    return message


def thread_assign(*, actor: Any, thread: Thread, assignee_id: int) -> Thread:
    if side_of(actor, thread) != Side.DISTRICT:
        raise UserError(_("只有区级工作人员可以指派承办人。"))
    assignee = User.objects.filter(pk=assignee_id, role=Role.DISTRICT_OFFICER, district_id=thread.district_id,
                                   is_active=True).first()
    if assignee is None:
        raise UserError(_("承办人必须是本区的区级工作人员。"), field="assignee")
    if thread.status == ThreadStatus.CLOSED:
        raise UserError(_("该问题已关闭，不能再指派。"))
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(assignee=assignee)
        previous, thread.assignee = thread.assignee_id, assignee
        audit_log(actor=actor, action="office.thread_assign", object_type="thread", object_id=thread.pk,
                  district_id=thread.district_id, town_id=thread.town_id,
                  detail={"assignee": assignee.pk, "previous": previous})
        if assignee.pk != previous and assignee.pk != getattr(actor, "pk", None):
            _text(assignee, thread, f"assigned{thread.pk}", template="office_channel_assigned")
    return thread


def thread_close(*, actor: Any, thread: Thread) -> Thread:
    side = side_of(actor, thread)
    now = timezone.now()
    with transaction.atomic():
        flag = "unread_district" if side == Side.TOWN else "unread_town"
        _move(thread, ThreadStatus.CLOSED, closed_at=now, last_activity_at=now, **{flag: True})
        audit_log(actor=actor, action="office.thread_close", object_type="thread", object_id=thread.pk,
                  district_id=thread.district_id, town_id=thread.town_id)
    return thread


def thread_reopen(*, actor: Any, thread: Thread) -> Thread:
    side = side_of(actor, thread)
    now = timezone.now()
    with transaction.atomic():
        flag = "unread_district" if side == Side.TOWN else "unread_town"
        _move(thread, ThreadStatus.OPEN, closed_at=None, last_activity_at=now, **{flag: True})
        audit_log(actor=actor, action="office.thread_reopen", object_type="thread", object_id=thread.pk,
                  district_id=thread.district_id, town_id=thread.town_id)
    return thread


def message_share(*, actor: Any, message: ThreadMessage, shared: bool = True) -> ThreadMessage:
    """Mark (or unmark) a district answer as 经验做法, readable by every town of the district."""
    thread = message.thread
    if side_of(actor, thread) != Side.DISTRICT:
        raise UserError(_("只有区级工作人员可以标记经验做法。"))
    if message.side != Side.DISTRICT:
        raise UserError(_("只有区级的答复可以标记为经验做法。"))
    with transaction.atomic():
        ThreadMessage.objects.filter(pk=message.pk).update(
            is_shared=shared, shared_at=timezone.now() if shared else None, shared_by=actor if shared else None)
        message.is_shared = shared
        audit_log(actor=actor, action="office.thread_share" if shared else "office.thread_unshare",
                  object_type="thread", object_id=thread.pk, district_id=thread.district_id, town_id=thread.town_id,
                  detail={"message": message.pk})
    return message


def thread_seen(*, user: Any, thread: Thread) -> None:
    """Clear the user's side's badge for this thread (not audited: looking changes nothing)."""
    scope = scope_of(user)
    if scope.level == "district" and thread.unread_district:
        Thread.objects.filter(pk=thread.pk).update(unread_district=False)
        thread.unread_district = False
    elif scope.level == "town" and thread.unread_town:
        Thread.objects.filter(pk=thread.pk).update(unread_town=False)
        thread.unread_town = False
