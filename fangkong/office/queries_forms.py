"""Reads of form collection: the publisher's forms, roll-up by town, results with filters, the
未填写 list; the filler's own assignments. Everything through ``visible_to(user)``: a town sees
only its units' assignments, even of the district's forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.orgs import cache as org_cache
from fangkong.orgs.models import Committee
from fangkong.orgs.scoping import scope_of

from .models import Person, Receipt
from .models_forms import FieldKind, FillMode, FormAssignment, FormCollection, FormField, FormFile

PAGE_SIZE = 50


@dataclass
class UnitCount:
    id: int | None = None
    name: str = ""
    expected: int = 0
    filled: int = 0
    units: list[UnitCount] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.expected - self.filled

    @property
    def pct(self) -> int:
        return self.filled * 100 // self.expected if self.expected else 0


@dataclass
class Filters:
    town: int | None = None
    committee: int | None = None
    status: str = ""  # "filled", "pending" or ""
    field: str = ""
    value: str = ""

    @property
    def active(self) -> bool:
        return bool(self.town or self.committee or self.status or self.value)


def forms_for_publisher(user: Any) -> QuerySet[FormCollection]:
    return FormCollection.objects.visible_to(user).select_related("publisher", "town", "directive")


def form_for_publisher_or_404(user: Any, pk: int) -> FormCollection:
    form = forms_for_publisher(user).filter(pk=pk).first()
    if form is None:
        raise Http404
    return form


def publisher_forms_with_counts(user: Any) -> list[FormCollection]:
    """The publisher's forms, each with ``filled``/``in_scope`` counted within the user's scope."""
    scope = scope_of(user)
    in_scope = Q(assignments__town_id=scope.town_id) if scope.level == "town" else Q()
    return list(
        forms_for_publisher(user)
        .annotate(in_scope=Count("assignments", filter=in_scope),
                  filled=Count("assignments", filter=in_scope & Q(assignments__submitted_at__isnull=False)))[:50]
    )


def fields_of(form: FormCollection) -> list[FormField]:
    return list(FormField.objects.filter(form=form))


def assignments_in_scope(user: Any, form: FormCollection) -> QuerySet[FormAssignment]:
    return FormAssignment.objects.visible_to(user).filter(form=form)


def _unit_label(town_id: int | None, committee_id: int | None) -> str:
    if committee_id:
        c = org_cache.committee(committee_id)
        return c.name if c else ""
    if town_id:
        return _("街镇本级")
    return _("区级")


def rollup(user: Any, form: FormCollection, *, town_id: int | None = None) -> tuple[UnitCount, list[UnitCount]]:
    """(the whole scope, rows): rows per town, or per unit of ``town_id`` (a town's own view)."""
    scope = scope_of(user)
    if scope.level == "town":
        town_id = scope.town_id
    counts = assignments_in_scope(user, form)
    if town_id is not None:
        counts = counts.filter(town_id=town_id)
    grouped = (counts.order_by().values_list("town_id", "committee_id")
               .annotate(n=Count("id"), done=Count("id", filter=Q(submitted_at__isnull=False))))
    total = UnitCount(name=_("合计"))
    towns: dict[int, UnitCount] = {}
    units: list[UnitCount] = []
    for tid, cid, n, done in grouped:
        total.expected += n
        total.filled += done
        if town_id is not None:
            units.append(UnitCount(id=cid or 0, name=_unit_label(tid, cid), expected=n, filled=done))
            continue
        key = tid or 0
        town = towns.get(key)
        if town is None:
            found = org_cache.town(key) if key else None
            town = towns[key] = UnitCount(id=key, name=found.name if found else _("区级"))
        town.expected += n
        town.filled += done
    if town_id is not None:
        return total, sorted(units, key=lambda u: (u.id != 0, u.pct, u.name))
    return total, sorted(towns.values(), key=lambda t: (org_cache.town(t.id).code if t.id and org_cache.town(t.id) else ""))  # type: ignore[union-attr]


def results(user: Any, form: FormCollection, filters: Filters, fields: list[FormField]) -> QuerySet[FormAssignment]:
    rows = assignments_in_scope(user, form).select_related("person")
    if filters.town:
        rows = rows.filter(town_id=filters.town)
    if filters.committee:
        rows = rows.filter(committee_id=filters.committee)
    if filters.status == "filled":
        rows = rows.filter(submitted_at__isnull=False)
    elif filters.status == "pending":
        rows = rows.filter(submitted_at__isnull=True)
    chosen = next((f for f in fields if f.key == filters.field), None)
    if chosen is not None and filters.value:
        value = filters.value.strip()
        if chosen.kind in (FieldKind.ORG_UNIT, FieldKind.FILE):
            rows = rows.filter(**{f"data__{chosen.key}__name__icontains": value})
        elif chosen.kind == FieldKind.CHOICE:
            rows = rows.filter(**{f"data__{chosen.key}": value})
        else:  # text, number, date, ID, phone; a multiple choice or a table row containing the text
            rows = rows.filter(**{f"data__{chosen.key}__icontains": value})
    return rows.order_by("town_id", "committee_id", "person__name", "pk")


def pending(user: Any, form: FormCollection) -> QuerySet[FormAssignment]:
    return (assignments_in_scope(user, form).filter(submitted_at__isnull=True).select_related("person")
            .order_by("town_id", "committee_id", "person__name", "pk"))


def assignment_for_publisher_or_404(user: Any, form: FormCollection, pk: int) -> FormAssignment:
    found = assignments_in_scope(user, form).select_related("person", "submitted_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _fillable(person: Person) -> Q:
    """A person fills their own assignments, and their unit's if they received the form."""
    received = Exists(Receipt.objects.filter(directive_id=OuterRef("form__directive_id"), person_id=person.pk))
    unit = Q(person__isnull=True, district_id=person.district_id, town_id=person.town_id,
             committee_id=person.committee_id) & Q(received)
    return Q(person_id=person.pk) | unit


def my_assignments(person: Person) -> QuerySet[FormAssignment]:
    return (FormAssignment.objects.filter(_fillable(person)).select_related("form")
            .order_by("submitted_at", "form__deadline", "-form_id"))


def assignment_for_filler_or_404(person: Person | None, pk: int) -> FormAssignment:
    if person is None:
        raise Http404
    found = FormAssignment.objects.filter(_fillable(person), pk=pk).select_related("form", "form__town").first()
    if found is None:
        raise Http404
    return found


def assignment_for_directive(person: Person | None, directive_id: int) -> FormAssignment | None:
    if person is None:
        return None
    return FormAssignment.objects.filter(_fillable(person), form__directive_id=directive_id).select_related("form").first()


def org_unit_choices(assignment: FormAssignment) -> dict[int, str]:
    """The committees one may pick in an 单位 field: those of the filler's town (or district)."""
    committees = Committee.objects.filter(district_id=assignment.district_id)
    if assignment.town_id:
        committees = committees.filter(town_id=assignment.town_id)
    return {c.pk: f"{c.town.name} · {c.name}" for c in committees.select_related("town").order_by("code")}


def file_visible_or_404(user: Any, person: Person | None, pk: int) -> FormFile:
    found = FormFile.objects.select_related("assignment", "assignment__form").filter(pk=pk).first()
    if found is None:
        raise Http404
    mine = person is not None and my_assignments(person).filter(pk=found.assignment_id).exists()
    publisher = (forms_for_publisher(user).filter(pk=found.assignment.form_id).exists()
                 and FormAssignment.objects.visible_to(user).filter(pk=found.assignment_id).exists())
    if not (mine or publisher):
        raise Http404
    return found


def unit_label(a: FormAssignment) -> str:
    town = org_cache.town(a.town_id) if a.town_id else None
    base = f"{town.name} · {_unit_label(a.town_id, a.committee_id)}" if town else _unit_label(a.town_id, a.committee_id)
    return base


def is_person_mode(form: FormCollection) -> bool:
    return form.mode == FillMode.PERSON
