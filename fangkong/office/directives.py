"""Publishing directives and what recipients do with them (read, acknowledge, report).

Fan-out is one ``INSERT INTO office_receipt … SELECT … FROM office_person WHERE <target>`` in
the publishing transaction: the directive and all its receipts commit together, so the moment
the publisher sees "已发布" every recipient's inbox has it (80,000 rows in well under 10 s on
PostgreSQL; see benchmarks/directive_fanout.py).

Target rule: (whole levels ∪ chosen units) ∩ chosen posts ∪ named people, always inside the
publisher's scope (a town only within its town). Posts alone mean "these posts in my scope".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import Scope, scope_of

from . import ack_write
from .ack_write import AckResult
from .models import (
    Directive,
    DirectiveAttachment,
    Person,
    Post,
    Priority,
    Receipt,
    ReplyKind,
    ReportPhoto,
    UnitTally,
)
from .people import people_sync_staff

ATTACHMENT_TYPES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".jpg", ".jpeg", ".png", ".zip"}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 5
PHOTO_TYPES = {".jpg", ".jpeg", ".png", ".heic", ".webp"}
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_COUNT = 6
LEVELS = {"towns": gettext_lazy("全部街镇人员"), "committees": gettext_lazy("全部居村委人员")}  # lazy: form choices


@dataclass
class Target:
    levels: list[str] = field(default_factory=list)  # "towns", "committees"
    towns: list[int] = field(default_factory=list)
    committees: list[int] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    people: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, list]:
        return {"levels": self.levels, "towns": self.towns, "committees": self.committees, "posts": self.posts,
                "people": self.people}

    @property
    def is_empty(self) -> bool:
        return not (self.levels or self.towns or self.committees or self.posts or self.people)


def publisher_scope(user: Any) -> Scope:
    scope = scope_of(user)
    if scope.level not in ("district", "town"):
        raise UserError(_("只有区级和街镇工作人员可以发布通知。"))
    return scope


def target_filter(scope: Scope, target: Target) -> Q:
    """The people a target names, inside the publisher's scope; raises for anything outside."""
    if target.is_empty:
        raise UserError(_("请选择发送范围：层级、单位、岗位或指定人员至少选一项。"), field="target")
    bad_levels = set(target.levels) - set(LEVELS)
    bad_posts = set(target.posts) - set(Post.values)
    if bad_levels or bad_posts:
        raise UserError(_("发送范围无效，请重新选择。"), field="target")
    district_id = scope.district_id
    assert district_id is not None
    within = Q(district_id=district_id)
    if scope.level == "town" and scope.town_id is not None:
        within &= Q(town_id=scope.town_id)
        if any(t != scope.town_id for t in target.towns):
            raise UserError(_("街镇只能向本街镇范围内发布通知。"), field="target")
    towns = Town.objects.filter(district_id=district_id, pk__in=target.towns)
    if towns.count() != len(set(target.towns)):
        raise UserError(_("所选街镇不存在或不在您的范围内。"), field="target")
    committees = Committee.objects.filter(district_id=district_id, pk__in=target.committees)
    if scope.level == "town" and scope.town_id is not None:
        committees = committees.filter(town_id=scope.town_id)
    if committees.count() != len(set(target.committees)):
        raise UserError(_("街镇只能向本街镇范围内发布通知：所选居村委不在本街镇。"), field="target")
    if target.people and Person.objects.filter(within, pk__in=target.people).count() != len(set(target.people)):
        raise UserError(_("指定人员中有人不在您的发布范围内。"), field="target")
    units = Q()
    if "towns" in target.levels:
        units |= Q(town__isnull=False, committee__isnull=True)
    if "committees" in target.levels:
        units |= Q(committee__isnull=False)
    if target.towns:
        units |= Q(town_id__in=target.towns)
    if target.committees:
        units |= Q(committee_id__in=target.committees)
    chosen = Q(pk__in=[])
    if units or target.posts:
        chosen = units & Q(post__in=target.posts) if target.posts else units
    if target.people:
        chosen |= Q(pk__in=target.people)
    return within & chosen


def _check_files(files: Sequence[UploadedFile], *, types: set[str], max_bytes: int, max_count: int, what: str) -> None:
    if len(files) > max_count:
        raise UserError(_("%(what)s最多%(n)s个。") % {"what": what, "n": max_count}, field="files")
    for f in files:
        ext = os.path.splitext(f.name or "")[1].lower()
        if ext not in types:
            raise UserError(
                _("“%(name)s”的类型不支持，%(what)s只能是：%(types)s。")
                % {"name": f.name, "what": what, "types": " ".join(sorted(types))},
                field="files",
            )
        if (f.size or 0) > max_bytes:
            raise UserError(
                _("“%(name)s”超过%(mb)sMB。") % {"name": f.name, "mb": max_bytes // (1024 * 1024)}, field="files"
            )


def _fan_out(directive: Directive, where: Q) -> int:
    select = (
        Person.objects.filter(where)
        .order_by()
        .annotate(_d=Value(directive.pk), _r=Value(0), _t=Value(""))
        .values_list("_d", "id", "district_id", "town_id", "committee_id", "_r", "_t")
    )
    sql, params = select.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Receipt._meta.db_table} "  # noqa: S608 - the SELECT is Django-built, values are params
            "(directive_id, person_id, district_id, town_id, committee_id, reminders, report_text) " + sql,
            params,
        )
        count = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {UnitTally._meta.db_table} "  # noqa: S608 - table names from models, values are params
            "(directive_id, district_id, town_id, committee_id, people, read, acknowledged, reported) "
            "SELECT directive_id, district_id, town_id, committee_id, COUNT(*), 0, 0, 0 "
            f"FROM {Receipt._meta.db_table} WHERE directive_id = %s GROUP BY directive_id, district_id, town_id, committee_id",
            [directive.pk],
        )
        return count


def _tally(receipt: Receipt) -> QuerySet[UnitTally]:
    tally = UnitTally.objects.filter(directive_id=receipt.directive_id)
    tally = tally.filter(town_id=receipt.town_id) if receipt.town_id else tally.filter(town__isnull=True)
    return tally.filter(committee_id=receipt.committee_id) if receipt.committee_id else tally.filter(committee__isnull=True)


def _count(receipt: Receipt, field: str) -> None:
    """Move the receipt's unit tally by one (inside the caller's transaction)."""
    _tally(receipt).update(**{field: F(field) + 1})


def _mark(receipt: Receipt, field: str, now: datetime, **extra: Any) -> bool:
    """Set ``field`` if still empty and count it; True when this call set it."""
    done = Receipt.objects.filter(pk=receipt.pk, **{f"{field}__isnull": True}).update(**{field: now}, **extra)
    if done:
        _count(receipt, {"read_at": "read", "acknowledged_at": "acknowledged", "reported_at": "reported"}[field])
        setattr(receipt, field, now)
    return bool(done)


def directive_publish(
    *,
    actor: Any,
    title: str,
    body: str,
    target: Target,
    priority: str = Priority.NORMAL,
    reply: str = ReplyKind.ACK,
    deadline: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    target_label: str = "",
) -> Directive:
    scope = publisher_scope(actor)
    title, body = title.strip(), body.strip()
    if not title:
        raise UserError(_("请填写标题。"), field="title")
    if len(title) > 100:
        raise UserError(_("标题不能超过100个字。"), field="title")
    if not body:
        raise UserError(_("请填写正文。"), field="body")
    if priority not in Priority.values or reply not in ReplyKind.values:
        raise UserError(_("紧急程度或回复要求无效。"))
    now = timezone.now()
    if deadline is not None and deadline <= now:
        raise UserError(_("截止时间必须晚于现在。"), field="deadline")
    _check_files(attachments, types=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, max_count=ATTACHMENT_MAX_COUNT,
                 what=_("附件"))
    assert scope.district_id is not None
    where = target_filter(scope, target)
    people_sync_staff(district_id=scope.district_id)
    with transaction.atomic():
        directive = Directive.objects.create(
            publisher=actor, district_id=scope.district_id, town_id=scope.town_id, title=title, body=body,
            priority=priority, reply=reply, deadline=deadline, target=target.as_json(),
            target_label=target_label[:300], published_at=now,
        )
        count = _fan_out(directive, where)
        if count == 0:
            raise UserError(_("所选范围内没有人员，请调整发送范围。"), field="target")
        Directive.objects.filter(pk=directive.pk).update(recipients_count=count)
        directive.recipients_count = count
        for f in attachments:
            DirectiveAttachment.objects.create(directive=directive, file=f, name=(f.name or "")[:200], size=f.size or 0)
        audit_log(
            actor=actor, action="office.directive_publish", object_type="directive", object_id=directive.pk,
            district_id=scope.district_id, town_id=scope.town_id,
            detail={"recipients": count, "target": target.as_json(), "priority": priority},
        )
        if deadline is not None:
            from .tasks import directive_escalate

            directive_escalate.using(run_after=deadline).enqueue(directive.pk)
    return directive


def receipt_done_q(reply: str) -> Q:
    """What "done" means for a receipt: read (no reply needed), acknowledged, or reported."""
    if reply == ReplyKind.NONE:
        return Q(read_at__isnull=False)
    if reply == ReplyKind.REPORT:
        return Q(reported_at__isnull=False)
    return Q(acknowledged_at__isnull=False)


def receipt_read(*, receipt: Receipt) -> bool:
    """Mark read (first opening only); not audited, reading is not a change of anything."""
    if receipt.read_at is not None:
        return False
    with transaction.atomic():
        return _mark(receipt, "read_at", timezone.now())


def receipt_acknowledge(*, actor: Any, receipt: Receipt) -> bool:
    if receipt.directive.reply == ReplyKind.NONE:
        raise UserError(_("此通知无需回复。"))
    now = timezone.now()
    with transaction.atomic():
        done = False
        if receipt.read_at is None:
            # 收到 straight from the inbox: read and acknowledged by one UPDATE and one tally UPDATE.
            done = bool(Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True, acknowledged_at__isnull=True)
                        .update(read_at=now, acknowledged_at=now))
            if done:
                _tally(receipt).update(read=F("read") + 1, acknowledged=F("acknowledged") + 1)
                receipt.read_at = receipt.acknowledged_at = now
        if not done:
            _mark(receipt, "read_at", now)
            done = _mark(receipt, "acknowledged_at", now)
        if done:
            audit_log(actor=actor, action="office.receipt_ack", object_type="receipt", object_id=receipt.pk,
                      district_id=receipt.district_id, town_id=receipt.town_id, committee_id=receipt.committee_id)
    return done


def receipt_acknowledge_own(*, actor: Any, receipt_id: int) -> AckResult | None:
    """收到 by receipt id for the signed-in recipient (the 收到 button and the JSON API); None
    when the receipt is not the actor's. One round trip on PostgreSQL (``ack_write``), the ORM
    path elsewhere: same rows, same audit event, same tally moves."""
    now = timezone.now()
    if ack_write.applies():
        result = ack_write.acknowledge(user=actor, receipt_id=receipt_id, now=now)
        if result is not None and result.reply == ReplyKind.NONE:
            raise UserError(_("此通知无需回复。"))
        return result
    receipt = Receipt.objects.filter(pk=receipt_id, person__user=actor).select_related("directive").first()
    if receipt is None:
        return None
    done = receipt_acknowledge(actor=actor, receipt=receipt)
    return AckResult(receipt_id=receipt.pk, reply=receipt.directive.reply, done=done, read_at=receipt.read_at,
                     acknowledged_at=receipt.acknowledged_at)


def receipt_report(*, actor: Any, receipt: Receipt, text: str, photos: Sequence[UploadedFile] = ()) -> None:
    if receipt.directive.reply != ReplyKind.REPORT:
        raise UserError(_("此通知不需要提交完成情况。"))
    if receipt.reported_at is not None:
        raise UserError(_("您已提交过完成情况。"))
    text = text.strip()
    if not text:
        raise UserError(_("请填写完成情况。"), field="text")
    if len(text) > 2000:
        raise UserError(_("完成情况不能超过2000个字。"), field="text")
    _check_files(photos, types=PHOTO_TYPES, max_bytes=PHOTO_MAX_BYTES, max_count=PHOTO_MAX_COUNT, what=_("照片"))
    now = timezone.now()
    with transaction.atomic():
        if not _mark(receipt, "reported_at", now, report_text=text):
            raise UserError(_("您已提交过完成情况。"))
        _mark(receipt, "read_at", now)
        _mark(receipt, "acknowledged_at", now)
        for f in photos:
            ReportPhoto.objects.create(receipt=receipt, file=f, name=(f.name or "")[:200], size=f.size or 0)
        audit_log(actor=actor, action="office.receipt_report", object_type="receipt", object_id=receipt.pk,
                  district_id=receipt.district_id, town_id=receipt.town_id, committee_id=receipt.committee_id,
                  detail={"photos": len(photos)})
