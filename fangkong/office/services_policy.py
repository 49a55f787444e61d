"""Writes of the unified policy answers (统一口径): entries, versions, retirement, proposals.

Every edit is a new ``PolicyVersion`` (the old ones stay readable). Publishing version N
notifies every user whose last read was an older version: one ``PolicyNotice`` per user, entry
and version (a unique constraint, so calling it again adds nothing) and one SMS through the
outbox with the key ``office_policy:<entry>:v<N>:<user>`` (idempotent the same way).

Only the district writes answers. Staff (town officers, committee workers, office members)
propose questions; the district accepts (the proposal becomes an entry) or declines with a
reason; the proposer is told in-app and by SMS either way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms, shared_language
from fangkong.orgs.models import Role, User
from fangkong.orgs.scoping import scope_of

from .models import (
    PolicyCategory,
    PolicyEntry,
    PolicyNotice,
    PolicyProposal,
    PolicyRead,
    PolicyVersion,
    ProposalStatus,
)

PROPOSER_ROLES = (Role.TOWN_OFFICER, Role.COMMITTEE_WORKER, Role.OFFICE_MEMBER)


def _district_of(actor: Any) -> int:
    scope = scope_of(actor)
    if scope.level != "district" or scope.district_id is None:
        raise UserError(_("只有区级工作人员可以发布统一口径。"))
    return scope.district_id


def _clean(*, question: str, answer: str, category: str, keywords: str, effective_date: date | None) -> dict[str, Any]:
    question, answer, keywords = question.strip(), answer.strip(), " ".join(keywords.split())
    if not question:
        raise UserError(_("请填写问题。"), field="question")
    if len(question) > 200:
        raise UserError(_("问题不能超过200个字。"), field="question")
    if not answer:
        raise UserError(_("请填写统一答复。"), field="answer")
    if category not in PolicyCategory.values:
        raise UserError(_("请选择类别。"), field="category")
    if len(keywords) > 200:
        raise UserError(_("关键词不能超过200个字。"), field="keywords")
    if effective_date is None:
        raise UserError(_("请填写生效日期。"), field="effective_date")
    return {"question": question, "answer": answer, "category": category, "keywords": keywords,
            "effective_date": effective_date}


def policy_create(*, actor: Any, question: str, answer: str, category: str, effective_date: date | None,
                  keywords: str = "") -> PolicyEntry:
    district_id = _district_of(actor)
    data = _clean(question=question, answer=answer, category=category, keywords=keywords, effective_date=effective_date)
    now = timezone.now()
    with transaction.atomic():
        entry = PolicyEntry.objects.create(district_id=district_id, version=1, created_at=now, updated_at=now, **data)
        PolicyVersion.objects.create(entry=entry, number=1, author=actor, created_at=now, **data)
        audit_log(actor=actor, action="office.policy_create", object_type="policy", object_id=entry.pk,
                  district_id=district_id)
    return entry


def policy_revise(*, actor: Any, entry: PolicyEntry, question: str, answer: str, category: str,
                  effective_date: date | None, keywords: str = "", note: str = "") -> PolicyVersion:
    """Publish a new version and notify the readers of the older ones."""
    district_id = _district_of(actor)
    if entry.district_id != district_id:
        raise UserError(_("这条口径不在您的范围内。"))
    if entry.is_retired:
        raise UserError(_("这条口径已停用，不能再修改。"))
    data = _clean(question=question, answer=answer, category=category, keywords=keywords, effective_date=effective_date)
    current = {k: getattr(entry, k) for k in data}
    if current == data:
        raise UserError(_("内容没有变化，无需发布新版本。"))
    now = timezone.now()
    with transaction.atomic():
        locked = PolicyEntry.objects.select_for_update().get(pk=entry.pk)
        number = locked.version + 1
        PolicyEntry.objects.filter(pk=entry.pk).update(version=number, updated_at=now, **data)
        version = PolicyVersion.objects.create(entry=entry, number=number, author=actor, created_at=now,
                                               note=note.strip()[:200], **data)
        for k, v in data.items():
            setattr(entry, k, v)
        entry.version, entry.updated_at = number, now
        notified = policy_notify_readers(entry=entry, version=number)
        audit_log(actor=actor, action="office.policy_revise", object_type="policy", object_id=entry.pk,
                  district_id=district_id, detail={"version": number, "notified": notified})
    return version


def policy_notify_readers(*, entry: PolicyEntry, version: int) -> int:
    """Tell everyone who read an older version; idempotent per version. Returns new notices."""
    readers = list(
        PolicyRead.objects.filter(entry=entry, version__lt=version, user__is_active=True)
        .select_related("user").order_by("user_id")
    )
    already = set(PolicyNotice.objects.filter(entry=entry, version=version).values_list("user_id", flat=True))
    text = _("您看过的口径《%(q)s》已更新为第%(v)s版。") % {"q": entry.question[:60], "v": version}
    fresh = [r.user for r in readers if r.user_id not in already]
    PolicyNotice.objects.bulk_create(
        [PolicyNotice(user=u, entry=entry, version=version, text=text) for u in fresh], ignore_conflicts=True)
    for user in fresh:
        if user.phone:
            queue_sms(phone=user.phone, template="office_policy_updated",
                      variables={"question": entry.question[:30], "version": version},
                      key=f"office_policy:{entry.pk}:v{version}:{user.pk}")
    return len(fresh)


def policy_retire(*, actor: Any, entry: PolicyEntry, reason: str) -> PolicyEntry:
    district_id = _district_of(actor)
    if entry.district_id != district_id:
        raise UserError(_("这条口径不在您的范围内。"))
    reason = reason.strip()
    if not reason:
        raise UserError(_("请填写停用原因。"), field="reason")
    if len(reason) > 200:
        raise UserError(_("停用原因不能超过200个字。"), field="reason")
    now = timezone.now()
    with transaction.atomic():
        done = PolicyEntry.objects.filter(pk=entry.pk, is_retired=False).update(
            is_retired=True, retired_at=now, retired_by=actor, retire_reason=reason, updated_at=now)
        if not done:
            raise UserError(_("这条口径已经停用。"))
        entry.is_retired, entry.retired_at, entry.retire_reason = True, now, reason
        audit_log(actor=actor, action="office.policy_retire", object_type="policy", object_id=entry.pk,
                  district_id=district_id, detail={"reason": reason})
    return entry


def policy_mark_read(*, user: Any, entry: PolicyEntry) -> None:
    """Remember the version the user read (for update notices) and clear their notices of it."""
    if not user.is_authenticated:
        return
    PolicyRead.objects.update_or_create(entry=entry, user=user, defaults={"version": entry.version,
                                                                          "read_at": timezone.now()})
    PolicyNotice.objects.filter(user=user, entry=entry, seen_at__isnull=True).update(seen_at=timezone.now())


def proposal_submit(*, actor: Any, question: str, detail: str = "") -> PolicyProposal:
    if getattr(actor, "role", "") not in PROPOSER_ROLES or not actor.district_id:
        raise UserError(_("只有街镇、居村委工作人员和协同办公人员可以提交问题。"))
    question, detail = question.strip(), detail.strip()
    if not question:
        raise UserError(_("请填写问题。"), field="question")
    if len(question) > 200:
        raise UserError(_("问题不能超过200个字。"), field="question")
    if len(detail) > 2000:
        raise UserError(_("补充说明不能超过2000个字。"), field="detail")
    with transaction.atomic():
        proposal = PolicyProposal.objects.create(
            district_id=actor.district_id, town_id=actor.town_id, committee_id=actor.committee_id, proposer=actor,
            question=question, detail=detail)
        audit_log(actor=actor, action="office.policy_propose", object_type="policy_proposal", object_id=proposal.pk,
                  district_id=actor.district_id, town_id=actor.town_id, committee_id=actor.committee_id)
    return proposal


def _decide(proposal: PolicyProposal, actor: Any, status: str, **extra: Any) -> None:
    done = PolicyProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=timezone.now(), **extra)
    if not done:
        raise UserError(_("这个提问已经处理过了。"))
    proposal.status = status
    for k, v in extra.items():
        setattr(proposal, k, v)


def _tell_proposer(proposal: PolicyProposal, text: str, outcome: str) -> None:
    proposer: User = proposal.proposer
    PolicyNotice.objects.get_or_create(user=proposer, proposal=proposal, defaults={"text": text[:300],
                                                                                    "entry": proposal.entry})
    if proposer.phone and proposer.is_active:
        queue_sms(phone=proposer.phone, template="office_policy_proposal",
                  variables={"question": proposal.question[:30], "outcome": outcome},
                  key=f"office_policy_proposal:{proposal.pk}")


def proposal_accept(*, actor: Any, proposal: PolicyProposal, question: str, answer: str, category: str,
                    effective_date: date | None, keywords: str = "") -> PolicyEntry:
    district_id = _district_of(actor)
    if proposal.district_id != district_id:
        raise UserError(_("这个提问不在您的范围内。"))
    with transaction.atomic():
        entry = policy_create(actor=actor, question=question, answer=answer, category=category,
                              effective_date=effective_date, keywords=keywords)
        _decide(proposal, actor, ProposalStatus.ACCEPTED, entry=entry)
        with shared_language():  # stored notice and SMS
            text, outcome = _("您提出的问题《%(q)s》已发布统一口径。") % {"q": proposal.question[:60]}, _("已发布统一口径")
        _tell_proposer(proposal, text, outcome)
        audit_log(actor=actor, action="office.policy_proposal_accept", object_type="policy_proposal",
                  object_id=proposal.pk, district_id=district_id, detail={"entry": entry.pk})
    return entry


def proposal_decline(*, actor: Any, proposal: PolicyProposal, reason: str) -> PolicyProposal:
    district_id = _district_of(actor)
    if proposal.district_id != district_id:
        raise UserError(_("这个提问不在您的范围内。"))
    reason = reason.strip()
    if not reason:
        raise UserError(_("请填写未采纳的原因。"), field="reason")
    if len(reason) > 200:
        raise UserError(_("原因不能超过200个字。"), field="reason")
    with transaction.atomic():
        _decide(proposal, actor, ProposalStatus.DECLINED, decline_reason=reason)
        with shared_language():  # stored notice and SMS
            text = _("您提出的问题《%(q)s》未采纳：%(r)s") % {"q": proposal.question[:60], "r": reason}
            outcome = _("未采纳，原因见协同办公")
        _tell_proposer(proposal, text, outcome)
        audit_log(actor=actor, action="office.policy_proposal_decline", object_type="policy_proposal",
                  object_id=proposal.pk, district_id=district_id, detail={"reason": reason})
    return proposal
