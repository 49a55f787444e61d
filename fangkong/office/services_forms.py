"""Writes of form collection: publish a form, fill (and refill) it, remind those who have not.

Publishing reuses the directive machinery whole: ``directive_publish`` targets and fans out (so
the form reaches inboxes with an unread badge), then the assignments are made from the
directive's receipts in the same transaction — one per unit that has a recipient, or one per
recipient. Reminding reuses ``reminders.remind_receipts`` (cooldown, log, outbox SMS); only
"who is pending" differs: the recipients whose unit (or who themselves) have not filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import shared_language
from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import scope_of

from .directives import Target, directive_publish, publisher_scope, receipt_read
from .models import HEAD_POSTS, Person, Priority, Receipt, Reminder, ReplyKind
from .models_forms import (
    FillMode,
    FormAssignment,
    FormCollection,
    FormField,
    FormFile,
    FormSubmission,
    Prefill,
)
from .reminders import remind_receipts
from .validation_forms import FieldSpec, Question, check_spec, clean_answers

MAX_FIELDS = 60


class AnswerErrors(UserError):
    """The answers have mistakes; ``errors`` maps field keys to messages."""

    code = "answers"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("有%(n)s处需要修改，请查看标红的题目。") % {"n": len(errors)})
        self.errors = errors


def form_publish(
    *,
    actor: Any,
    title: str,
    description: str,
    fields: Sequence[FieldSpec],
    target: Target,
    deadline: datetime,
    mode: str = FillMode.UNIT,
    opens_at: datetime | None = None,
    priority: str = Priority.NORMAL,
    target_label: str = "",
) -> FormCollection:
    scope = publisher_scope(actor)
    title = title.strip()
    if not title:
        raise UserError(_("请填写表单名称。"), field="title")
    if len(title) > 90:
        raise UserError(_("表单名称不能超过90个字。"), field="title")
    if mode not in FillMode.values:
        raise UserError(_("请选择填写方式。"), field="mode")
    now = timezone.now()
    opens_at = opens_at or now
    if deadline <= now:
        raise UserError(_("截止时间必须晚于现在。"), field="deadline")
    if opens_at >= deadline:
        raise UserError(_("开始时间必须早于截止时间。"), field="opens_at")
    if not fields:
        raise UserError(_("请至少添加一道题目。"), field="fields")
    if len(fields) > MAX_FIELDS:
        raise UserError(_("一张表单最多%(n)s道题目。") % {"n": MAX_FIELDS}, field="fields")
    for n, spec in enumerate(fields, start=1):
        problems = check_spec(spec)
        if problems:
            raise UserError(_("第%(n)s题：%(msg)s") % {"n": n, "msg": " ".join(problems)}, field="fields")
    labels = [s.label.strip() for s in fields]
    if len(set(labels)) != len(labels):
        raise UserError(_("题目名称不能重复。"), field="fields")
    local_deadline = date_format(timezone.localtime(deadline), "Y-m-d H:i")
    with shared_language():  # the notice is stored once for every recipient
        how = FillMode(mode).label
        body = (description.strip() + "\n\n" if description.strip() else "") + _(
            "请在截止时间 %(deadline)s 前填写表单（%(how)s），打开本通知点击“去填写”，或在“填表”中找到它。"
        ) % {"deadline": local_deadline, "how": how}
        notice_title = _("【填表】%(t)s") % {"t": title}
    with transaction.atomic():
        directive = directive_publish(
            actor=actor, title=notice_title, body=body, target=target, priority=priority,
            reply=ReplyKind.NONE, target_label=target_label,
        )
        assert scope.district_id is not None
        form = FormCollection.objects.create(
            directive=directive, publisher=actor, district_id=scope.district_id, town_id=scope.town_id, title=title,
            description=description.strip(), mode=mode, opens_at=opens_at, deadline=deadline, created_at=now,
        )
        FormField.objects.bulk_create([
            FormField(form=form, position=n, key=f"f{n}", label=spec.label.strip(), kind=spec.kind, required=spec.required,
                      help_text=spec.help_text.strip()[:200], options=spec.options, prefill=spec.prefill)
            for n, spec in enumerate(fields, start=1)
        ])
        form.expected = _assign(form)
        FormCollection.objects.filter(pk=form.pk).update(expected=form.expected)
        audit_log(actor=actor, action="office.form_publish", object_type="form", object_id=form.pk,
                  district_id=scope.district_id, town_id=scope.town_id,
                  detail={"directive": directive.pk, "mode": mode, "expected": form.expected, "fields": len(fields)})
    return form


def _assign(form: FormCollection) -> int:
    """Make the assignments from the directive's receipts; returns how many."""
    if form.mode == FillMode.PERSON:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FormAssignment._meta.db_table} "  # noqa: S608 - table names from models, values are params
                "(form_id, district_id, town_id, committee_id, person_id, data, version, reminders, filler_name) "
                f"SELECT %s, district_id, town_id, committee_id, person_id, %s, 0, 0, '' FROM {Receipt._meta.db_table} "
                "WHERE directive_id = %s",
                [form.pk, "{}", form.directive_id],
            )
            return cursor.rowcount
    units = (Receipt.objects.filter(directive_id=form.directive_id).order_by()
             .values_list("district_id", "town_id", "committee_id").distinct())
    made = FormAssignment.objects.bulk_create(
        [FormAssignment(form=form, district_id=d, town_id=t, committee_id=c) for d, t, c in units], batch_size=1000
    )
    return len(made)


def unit_name(assignment: FormAssignment) -> str:
    if assignment.committee_id:
        return Committee.objects.filter(pk=assignment.committee_id).values_list("name", flat=True).first() or ""
    if assignment.town_id:
        return Town.objects.filter(pk=assignment.town_id).values_list("name", flat=True).first() or ""
    return District.objects.filter(pk=assignment.district_id).values_list("name", flat=True).first() or ""


def prefill_values(form: FormCollection, assignment: FormAssignment, person: Person | None,
                   fields: Sequence[FormField]) -> dict[str, Any]:
    """What the system knows, for the fields bound to it; computed only for the sources used."""
    wanted = {f.prefill for f in fields if f.prefill}
    if not wanted:
        return {}
    known: dict[str, Any] = {}
    unit = Q(town_id=assignment.town_id, committee_id=assignment.committee_id, district_id=assignment.district_id)
    if Prefill.UNIT_NAME in wanted:
        known[Prefill.UNIT_NAME] = unit_name(assignment)
    if Prefill.TOWN_NAME in wanted:
        known[Prefill.TOWN_NAME] = (Town.objects.filter(pk=assignment.town_id).values_list("name", flat=True).first()
                                    or "") if assignment.town_id else ""
    if Prefill.TOWN_COMMITTEES in wanted and assignment.town_id:
        known[Prefill.TOWN_COMMITTEES] = Committee.objects.filter(town_id=assignment.town_id).count()
    if Prefill.UNIT_PEOPLE in wanted:
        known[Prefill.UNIT_PEOPLE] = Person.objects.filter(unit).count()
    if wanted & {Prefill.UNIT_HEAD, Prefill.UNIT_HEAD_PHONE}:
        heads = sorted(Person.objects.filter(unit, post__in=HEAD_POSTS), key=lambda p: (HEAD_POSTS.index(p.post), p.pk))  # type: ignore[arg-type]
        if heads:
            known[Prefill.UNIT_HEAD], known[Prefill.UNIT_HEAD_PHONE] = heads[0].name, heads[0].phone
    if person is not None:
        known[Prefill.PERSON_NAME], known[Prefill.PERSON_PHONE] = person.name, person.phone
    return {f.key: known[f.prefill] for f in fields if f.prefill in known and known[f.prefill] not in ("", None)}


def questions_of(fields: Sequence[FormField]) -> list[Question]:
    return [Question(key=f.key, label=f.label, kind=f.kind, required=f.required, options=f.options) for f in fields]


def form_submit(
    *, actor: Any, person: Person, assignment: FormAssignment, raw: Mapping[str, Any], org_units: Mapping[int, str],
) -> FormSubmission:
    """Save a new version of the assignment's answers (the first fill or an edit before the deadline)."""
    form = assignment.form
    now = timezone.now()
    if now < form.opens_at:
        raise UserError(_("表单尚未开始填写，开始时间：%(at)s。")
                        % {"at": date_format(timezone.localtime(form.opens_at), "Y-m-d H:i")})
    if now >= form.deadline:
        raise UserError(_("已过截止时间（%(at)s），不能再提交或修改。")
                        % {"at": date_format(timezone.localtime(form.deadline), "Y-m-d H:i")})
    fields = list(form.fields.all())
    data, errors, uploads = clean_answers(questions_of(fields), raw, previous=assignment.data, org_units=org_units)
    if errors:
        raise AnswerErrors(errors)
    with transaction.atomic():
        locked = FormAssignment.objects.select_for_update().get(pk=assignment.pk)
        number = locked.version + 1
        for key, upload in uploads.items():
            saved = FormFile.objects.create(assignment=locked, field_key=key, file=upload, name=(upload.name or "")[:200],
                                            size=upload.size or 0, uploaded_at=now)
            data[key] = {"id": saved.pk, "name": saved.name, "size": saved.size}
        submission = FormSubmission.objects.create(assignment=locked, number=number, data=data, submitted_by=actor,
                                                   filler_name=person.name[:32], at=now)
        FormAssignment.objects.filter(pk=locked.pk).update(
            data=data, version=number, submitted_at=locked.submitted_at or now, updated_at=now, submitted_by=actor,
            filler_name=person.name[:32],
        )
        assignment.data, assignment.version, assignment.updated_at = data, number, now
        assignment.submitted_at = locked.submitted_at or now
        receipt = Receipt.objects.filter(directive_id=form.directive_id, person=person).first()
        if receipt is not None:
            receipt_read(receipt=receipt)  # filling it means having opened it
        audit_log(actor=actor, action="office.form_submit", object_type="form_assignment", object_id=locked.pk,
                  district_id=locked.district_id, town_id=locked.town_id, committee_id=locked.committee_id,
                  detail={"form": form.pk, "version": number, "files": len(uploads)})
    return submission


def _pending_receipts(form: FormCollection, pending: Any) -> Any:
    receipts = Receipt.objects.filter(directive_id=form.directive_id)
    if form.mode == FillMode.PERSON:
        return receipts.filter(person_id__in=pending.values("person_id"))
    where = Q(pk__in=[])
    units = list(pending.values_list("town_id", "committee_id"))
    committees = [c for _t, c in units if c]
    towns = [t for t, c in units if t and not c]
    if committees:
        where |= Q(committee_id__in=committees)
    if towns:
        where |= Q(committee__isnull=True, town_id__in=towns)
    if any(not t for t, _c in units):
        where |= Q(town__isnull=True)
    return receipts.filter(where)


def form_remind(*, actor: Any, form: FormCollection) -> Reminder:
    """一键提醒未填: in-app and SMS to the recipients whose unit (or who) has not filled."""
    scope = scope_of(actor)
    if scope.level not in ("district", "town"):
        raise UserError(_("只有发布方可以提醒未填写的单位。"))
    if form.is_closed:
        raise UserError(_("表单已截止，不能再提醒。"))
    town_id = scope.town_id if scope.level == "town" else None
    pending = FormAssignment.objects.filter(form=form, submitted_at__isnull=True)
    if town_id is not None:
        pending = pending.filter(town_id=town_id)
    with transaction.atomic():
        reminder = remind_receipts(
            actor=actor, directive=form.directive, pending=_pending_receipts(form, pending), town_id=town_id,
            action="office.form_remind", detail={"form": form.pk, "units": pending.count()},
        )
        pending.update(reminded_at=reminder.at, reminders=F("reminders") + 1)
    return reminder
