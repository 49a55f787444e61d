"""Reads of the office: the publisher's roll-up by level, people lists, recipients' inboxes.

Roll-up (from ``UnitTally``, the per-unit counters kept by fangkong/office/directives.py).
Rule (also stated on the page): a unit (街镇 or 居村委) counts as 已读 when at least one
of its recipients has read the directive, and as 已确认 when at least one has done what the
directive asks (acknowledged 收到; submitted the report when a report is required; read when no
reply is needed). People count one by one. A town officer's roll-up covers only its own town.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.orgs import cache as org_cache
from fangkong.orgs.scoping import scope_of

from .models import Directive, Person, Post, Receipt, Reminder, ReplyKind, UnitTally


@dataclass
class Tally:
    """One row of the roll-up: a town, a committee, or a whole level."""

    id: int | None = None
    name: str = ""
    people: int = 0
    read: int = 0
    done: int = 0
    reported: int = 0
    units: int = 0
    units_read: int = 0
    units_done: int = 0

    def add(self, row: Any) -> None:
        self.people += row["n"]
        self.read += row["read"]
        self.done += row["done"]
        self.reported += row["reported"]

    @property
    def pending(self) -> int:
        return self.people - self.done

    @property
    def read_pct(self) -> int:
        return self.read * 100 // self.people if self.people else 0

    @property
    def done_pct(self) -> int:
        return self.done * 100 // self.people if self.people else 0


@dataclass
class Rollup:
    towns: Tally = field(default_factory=Tally)
    committees: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    rows: list[Tally] = field(default_factory=list)  # the drill-down level's units


def directives_for_publisher(user: Any) -> QuerySet[Directive]:
    return Directive.objects.visible_to(user).select_related("publisher", "town")


def directive_for_publisher_or_404(user: Any, pk: int) -> Directive:
    directive = directives_for_publisher(user).filter(pk=pk).first()
    if directive is None:
        raise Http404
    return directive


def receipts_in_scope(user: Any, directive: Directive) -> QuerySet[Receipt]:
    return Receipt.objects.visible_to(user).filter(directive=directive)


def rollup(user: Any, directive: Directive, *, town_id: int | None = None) -> Rollup:
    """Counts per level for the user's scope; ``rows`` per town, or per committee of ``town_id``."""
    tallies = UnitTally.objects.visible_to(user).filter(directive=directive)
    scope = scope_of(user)
    if scope.level == "town":
        town_id = scope.town_id
    if town_id is not None:
        tallies = tallies.filter(town_id=town_id)
    done_field = {ReplyKind.NONE: "read", ReplyKind.REPORT: "reported"}.get(directive.reply, "acknowledged")  # type: ignore[call-overload]
    grouped = [
        {"town_id": t, "committee_id": c, "n": n, "read": r, "reported": rep, "done": {"read": r, "acknowledged": a,
                                                                                      "reported": rep}[done_field]}
        for t, c, n, r, a, rep in tallies.values_list("town_id", "committee_id", "people", "read", "acknowledged", "reported")
    ]
    result = Rollup()
    towns: dict[int, Tally] = {}
    rows: dict[int, Tally] = {}
    for row in grouped:
        result.people.add(row)
        tid, cid = row["town_id"], row["committee_id"]
        if tid is None:
            continue
        town = towns.setdefault(tid, Tally(id=tid))
        town.add(row)
        if cid is not None:
            result.committees.units += 1
            result.committees.units_read += row["read"] > 0
            result.committees.units_done += row["done"] > 0
            town.units += 1
            town.units_read += row["read"] > 0
            town.units_done += row["done"] > 0
        if town_id is not None:
            key = cid or 0
            unit = rows.setdefault(key, Tally(id=cid))
            unit.add(row)
            unit.units, unit.units_read, unit.units_done = 1, int(row["read"] > 0), int(row["done"] > 0)
    for tally in towns.values():
        result.towns.units += 1
        result.towns.units_read += tally.read > 0
        result.towns.units_done += tally.done > 0
        found = org_cache.town(tally.id or 0)
        tally.name = found.name if found else ""
    if town_id is None:
        result.rows = sorted(towns.values(), key=lambda t: (org_cache.town(t.id or 0).code if t.id else ""))  # type: ignore[union-attr]
    else:
        for key, tally in rows.items():
            committee = org_cache.committee(key) if key else None
            tally.name = committee.name if committee else _("街镇本级")
        result.rows = sorted(rows.values(), key=lambda t: (t.id is not None, t.done_pct, t.name))
    return result


def committee_receipts(user: Any, directive: Directive, committee_id: int) -> QuerySet[Receipt]:
    """The people of one committee (0 = the town-level people of the user's town)."""
    receipts = receipts_in_scope(user, directive).select_related("person").prefetch_related("photos")
    if committee_id:
        receipts = receipts.filter(committee_id=committee_id)
    else:
        scope = scope_of(user)
        receipts = receipts.filter(committee__isnull=True, town__isnull=False)
        if scope.level == "town" and scope.town_id is not None:
            receipts = receipts.filter(town_id=scope.town_id)
    return receipts.order_by("read_at", "person__name")


def reminder_log(user: Any, directive: Directive) -> QuerySet[Reminder]:
    log = Reminder.objects.filter(directive=directive).select_related("actor", "town")
    scope = scope_of(user)
    if scope.level == "town":
        log = log.filter(Q(town_id=scope.town_id) | Q(town__isnull=True))
    return log[:20]


def person_of(user: Any) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).first()


def inbox(person: Person) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(person=person)
        .select_related("directive", "directive__publisher", "directive__town")
        .order_by("-directive__published_at", "-directive_id")
    )


def unread_count(person: Person) -> int:
    return Receipt.objects.filter(person=person, read_at__isnull=True).count()


def receipt_for_person_or_404(person: Person | None, receipt_id: int) -> Receipt:
    if person is None:
        raise Http404
    receipt = (
        Receipt.objects.filter(person=person, pk=receipt_id)
        .select_related("directive", "directive__publisher", "directive__town")
        .prefetch_related("directive__attachments", "photos")
        .first()
    )
    if receipt is None:
        raise Http404
    return receipt


def people_in_scope(user: Any) -> QuerySet[Person]:
    return Person.objects.visible_to(user).select_related("town", "committee")


def people_counts(user: Any) -> dict[str, Any]:
    people = Person.objects.visible_to(user)
    return {
        "total": people.count(),
        "activated": people.filter(activated_at__isnull=False).count(),
        "by_post": [  # the post's label (the value is the Chinese name)
            {"post": Post(row["post"]).label if row["post"] in Post.values else row["post"], "n": row["n"]}
            for row in people.order_by().values("post").annotate(n=Count("id")).order_by("-n")
        ],
    }
