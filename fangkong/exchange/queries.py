"""Reads of file exchange and mail, each scoped to the user (anything else is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.core.errors import UserError
from fangkong.office.models import HEAD_POSTS, Directive, Person, Receipt, UnitTally
from fangkong.office.people import people_sync_staff
from fangkong.office.queries import person_of

from .models import Download, FileShare, FileVersion, MailParty, MailThread

# ---- people -------------------------------------------------------------------------------


def sender_person(user: Any) -> Person:
    """The signed-in user's office person (staff accounts get theirs made on first use)."""
    person = person_of(user)
    if person is None and getattr(user, "district_id", None):
        people_sync_staff(district_id=user.district_id)
        person = person_of(user)
    if person is None:
        raise UserError(_("您的账号还没有协同办公身份，请联系管理员。"))
    return person


def reads_unit_mailbox(person: Person) -> bool:
    return person.is_staff_account or person.post in HEAD_POSTS


def my_parties(person: Person) -> QuerySet[MailParty]:
    """The person's own parties, and their unit's mailbox if they are its staff or head."""
    where = Q(person=person)
    if reads_unit_mailbox(person):
        unit = Q(person__isnull=True, district_id=person.district_id)
        if person.committee_id:
            unit &= Q(committee_id=person.committee_id)
        elif person.town_id:
            unit &= Q(committee__isnull=True, town_id=person.town_id)
        else:
            unit &= Q(committee__isnull=True, town__isnull=True)
        where |= unit
    return MailParty.objects.filter(where)


# ---- mail ---------------------------------------------------------------------------------


def mail_threads(person: Person) -> QuerySet[MailThread]:
    mine = my_parties(person)
    unread = mine.filter(thread=OuterRef("pk")).filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=OuterRef("last_message_at")))
    return (MailThread.objects.filter(pk__in=mine.values("thread_id"))
            .annotate(unread=Exists(unread)).order_by("-last_message_at", "-id"))


def mail_unread_count(person: Person) -> int:
    unread = Q(last_read_at__isnull=True) | Q(last_read_at__lt=F("thread__last_message_at"))
    return my_parties(person).filter(unread).values("thread_id").distinct().count()


def mail_thread_or_404(person: Person, pk: int) -> MailThread:
    thread = mail_threads(person).filter(pk=pk).first()
    if thread is None:
        raise Http404
    return thread


def thread_detail(thread: MailThread) -> tuple[list[MailParty], list[Any]]:
    parties = list(thread.parties.select_related("person", "town", "committee").order_by("id"))
    messages = list(thread.messages.prefetch_related("attachments"))
    return parties, messages


# ---- files --------------------------------------------------------------------------------


def shares_sent(user: Any) -> QuerySet[FileShare]:
    """What the user's level sent or can oversee: like directives (a town also sees the district's,
    whose recipients it then sees for its own units only)."""
    return (FileShare.objects.filter(directive__in=Directive.objects.visible_to(user))
            .select_related("directive", "sender").order_by("-updated_at", "-id"))


def share_sent_or_404(user: Any, pk: int) -> FileShare:
    share = shares_sent(user).filter(pk=pk).first()
    if share is None:
        raise Http404
    return share


def shares_received(person: Person) -> QuerySet[FileShare]:
    mine = Receipt.objects.filter(person=person, directive_id=OuterRef("directive_id"))
    latest = Download.objects.filter(share=OuterRef("pk"), person=person).order_by("-version__number")
    return (FileShare.objects.filter(Exists(mine)).select_related("directive")
            .annotate(my_version=latest.values("version__number")[:1]).order_by("-updated_at", "-id"))


def share_received_or_404(person: Person, pk: int) -> tuple[FileShare, Receipt]:
    share = shares_received(person).filter(pk=pk).first()
    receipt = Receipt.objects.filter(person=person, directive_id=share.directive_id).first() if share else None
    if share is None or receipt is None:
        raise Http404
    return share, receipt


def version_for_download(user: Any, pk: int) -> tuple[FileVersion, Receipt | None]:
    """A recipient (with their receipt) or the sender's side may download; anyone else: 404."""
    version = FileVersion.objects.select_related("share").filter(pk=pk).first()
    if version is None:
        raise Http404
    person = person_of(user)
    if person is not None:
        receipt = Receipt.objects.filter(person=person, directive_id=version.share.directive_id).first()
        if receipt is not None:
            return version, receipt
    if shares_sent(user).filter(pk=version.share_id).exists():
        return version, None
    raise Http404


def recipients(user: Any, share: FileShare) -> QuerySet[Receipt]:
    """Each recipient the user may see, with the latest version downloaded and when."""
    downloads = Download.objects.filter(share=share, receipt=OuterRef("pk")).order_by("-at", "-id")
    return (Receipt.objects.visible_to(user).filter(directive_id=share.directive_id)
            .select_related("person", "town", "committee")
            .annotate(last_download=downloads.values("at")[:1], last_version=downloads.values("version__number")[:1])
            .order_by("town_id", "committee_id", "id"))  # the roll-up index: the subqueries run for the page only


def unit_rollup(user: Any, share: FileShare) -> list[dict[str, Any]]:
    """Per unit (committee, or a town's own level) the user may see: recipients (the office's
    ``UnitTally`` rows, ~1,300 for the whole district) and how many downloaded any version / the
    current one (one GROUP BY over the downloads, not a count over 80,000 receipts)."""
    tallies = (UnitTally.objects.visible_to(user).filter(directive_id=share.directive_id)
               .values("town_id", "town__name", "committee_id", "committee__name", "people")
               .order_by("town_id", "committee_id"))
    units: list[dict[str, Any]] = [dict(u) for u in tallies]
    downloads = (Download.objects.filter(share=share).order_by().values("town_id", "committee_id")
                 .annotate(downloaded=Count("receipt_id", distinct=True),
                           current=Count("receipt_id", distinct=True, filter=Q(version__number=share.current_version))))
    got: dict[tuple[Any, Any], dict[str, Any]] = {(r["town_id"], r["committee_id"]): dict(r) for r in downloads}
    for u in units:
        d: dict[str, Any] = got.get((u["town_id"], u["committee_id"]), {})
        u["downloaded"], u["current"] = d.get("downloaded", 0), d.get("current", 0)
    return units


def versions(share: FileShare) -> list[FileVersion]:
    return list(share.versions.all())
