"""Reads of the direct line and the policy answers: scoped lists, searches, badges, highlighting.

Search is ``icontains`` over a few text columns, AND-ed per whitespace-separated term. It runs
the same on SQLite and PostgreSQL and is fast enough at this size (a district holds hundreds of
answers and a few thousand threads); a trigram or zhparser index would be the next step.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from fangkong.orgs.models import Role, User
from fangkong.orgs.scoping import scope_of

from .models import (
    PolicyEntry,
    PolicyNotice,
    PolicyProposal,
    PolicyVersion,
    ProposalStatus,
    Thread,
    ThreadAttachment,
    ThreadMessage,
    ThreadStatus,
)

MAX_TERMS = 5


def terms_of(q: str) -> list[str]:
    return [t for t in q.split() if t][:MAX_TERMS]


def _search(qs: QuerySet, fields: tuple[str, ...], q: str) -> QuerySet:
    for term in terms_of(q):
        match = Q()
        for f in fields:
            match |= Q(**{f"{f}__icontains": term})
        qs = qs.filter(match)
    return qs


def highlight(text: str, q: str, *, around: int = 0) -> SafeString:
    """``text`` escaped, with each search term wrapped in <mark>; ``around`` > 0 cuts a snippet
    of that many characters either side of the first hit."""
    terms = terms_of(q)
    if around and terms:
        lower = text.lower()
        hits = [i for i in (lower.find(t.lower()) for t in terms) if i >= 0]
        if hits:
            start = max(0, min(hits) - around)
            end = min(len(text), min(hits) + around * 2)
            text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        elif len(text) > around * 3:
            text = text[: around * 3] + "…"
    elif around and len(text) > around * 3:
        text = text[: around * 3] + "…"
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


# ---- direct line ---------------------------------------------------------------------------

def threads_for(user: Any, *, status: str = "", mine: bool = False, town_id: int | None = None) -> QuerySet[Thread]:
    threads = Thread.objects.visible_to(user).select_related("town", "author", "assignee")
    if status in ThreadStatus.values:
        threads = threads.filter(status=status)
    if mine:
        threads = threads.filter(assignee=user)
    if town_id:
        threads = threads.filter(town_id=town_id)
    return threads


def thread_or_404(user: Any, pk: int) -> Thread:
    thread = Thread.objects.visible_to(user).select_related("town", "author", "assignee").filter(pk=pk).first()
    if thread is None:
        raise Http404
    return thread


def thread_messages(thread: Thread) -> list[ThreadMessage]:
    return list(thread.messages.select_related("author").prefetch_related("attachments"))


def message_or_404(user: Any, pk: int) -> ThreadMessage:
    message = ThreadMessage.objects.filter(pk=pk, thread__in=Thread.objects.visible_to(user)).select_related(
        "thread", "thread__town").first()
    if message is None:
        raise Http404
    return message


def district_officers(thread: Thread) -> QuerySet[User]:
    return User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=thread.district_id, is_active=True).order_by(
        "display_name", "username")


def can_see_shared(user: Any) -> bool:
    """Shared practice is for staff of the district: the district, towns and committees (their
    work is what the practice is about; it holds no personal data). Office members (volunteers)
    and pickup clerks do not see it."""
    return scope_of(user).level in ("district", "town", "committee")


def shared_practice(user: Any, q: str = "") -> QuerySet[ThreadMessage]:
    if not can_see_shared(user):
        return ThreadMessage.objects.none()
    scope = scope_of(user)
    shared = ThreadMessage.objects.filter(is_shared=True, thread__district_id=scope.district_id or 0).select_related(
        "thread", "thread__town", "author").prefetch_related("attachments").order_by("-shared_at", "-id")
    return _search(shared, ("body", "thread__title", "thread__body"), q)


def attachment_or_404(user: Any, pk: int) -> ThreadAttachment:
    """A thread's files for the thread's two sides; a shared answer's files for all who see it."""
    attachment = ThreadAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    if Thread.objects.visible_to(user).filter(pk=attachment.thread_id).exists():
        return attachment
    if attachment.message_id and shared_practice(user).filter(pk=attachment.message_id).exists():
        return attachment
    raise Http404


def channel_badge(user: Any) -> int:
    """Threads with something new for the user's side (the district: assigned to them or not yet
    assigned to anyone)."""
    scope = scope_of(user)
    if scope.level == "town":
        return Thread.objects.filter(town_id=scope.town_id or 0, unread_town=True).count()
    if scope.level == "district":
        return Thread.objects.filter(district_id=scope.district_id or 0, unread_district=True).filter(
            Q(assignee=user) | Q(assignee__isnull=True)).count()
    return 0


# ---- policy answers ------------------------------------------------------------------------

def can_read_policy(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.district_id)


def policies_for(user: Any, *, q: str = "", category: str = "", retired: bool = False) -> QuerySet[PolicyEntry]:
    if not can_read_policy(user):
        return PolicyEntry.objects.none()
    entries = PolicyEntry.objects.filter(district_id=user.district_id)
    # Retired answers are kept but hidden from search; the district can list them on purpose.
    if retired and scope_of(user).level == "district":
        entries = entries.filter(is_retired=True)
    else:
        entries = entries.filter(is_retired=False)
    if category:
        entries = entries.filter(category=category)
    return _search(entries, ("question", "answer", "keywords"), q)


def policy_or_404(user: Any, pk: int) -> PolicyEntry:
    """Retired entries still open by link (with a banner): a notice or a bookmark keeps working."""
    if not can_read_policy(user):
        raise Http404
    entry = PolicyEntry.objects.filter(pk=pk, district_id=user.district_id).first()
    if entry is None:
        raise Http404
    return entry


def policy_version_or_404(entry: PolicyEntry, number: int) -> PolicyVersion:
    version = PolicyVersion.objects.filter(entry=entry, number=number).select_related("author").first()
    if version is None:
        raise Http404
    return version


def policy_notices(user: Any) -> QuerySet[PolicyNotice]:
    return PolicyNotice.objects.filter(user=user, seen_at__isnull=True).select_related("entry", "proposal")


def proposals_for(user: Any, *, status: str = "") -> QuerySet[PolicyProposal]:
    """The district's queue for district officers; one's own proposals for everybody else."""
    if not can_read_policy(user):
        return PolicyProposal.objects.none()
    proposals = PolicyProposal.objects.select_related("proposer", "town", "committee", "entry")
    if scope_of(user).level == "district":
        proposals = proposals.filter(district_id=user.district_id)
    else:
        proposals = proposals.filter(proposer=user)
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    return proposals


def proposal_or_404(user: Any, pk: int) -> PolicyProposal:
    proposal = proposals_for(user).filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal
