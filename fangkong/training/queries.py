"""Reads of 岗位培训: the publisher's courses with counts, the roll-up by level (district →
towns → units → people), and the learner's own courses. Through ``visible_to(user)``: a town
sees only its units' enrollments, even of the district's courses; other units are a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.office.models import Person
from fangkong.orgs import cache as org_cache
from fangkong.orgs.models import Committee
from fangkong.orgs.scoping import scope_of

from .models import Course, Enrollment, Material, MaterialView, Question


@dataclass
class Row:
    id: int = 0
    name: str = ""
    assigned: int = 0
    started: int = 0
    completed: int = 0

    @property
    def pct(self) -> int:
        return self.completed * 100 // self.assigned if self.assigned else 0


def courses_for_publisher(user: Any) -> QuerySet[Course]:
    return Course.objects.visible_to(user).select_related("publisher", "town", "directive")


def course_for_publisher_or_404(user: Any, pk: int) -> Course:
    course = courses_for_publisher(user).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def publisher_courses_with_counts(user: Any) -> list[Course]:
    scope = scope_of(user)
    in_scope = Q(enrollments__town_id=scope.town_id) if scope.level == "town" else Q()
    return list(courses_for_publisher(user).annotate(
        in_scope=Count("enrollments", filter=in_scope),
        done=Count("enrollments", filter=in_scope & Q(enrollments__completed_at__isnull=False)),
    )[:50])


def _counts(rows: QuerySet[Enrollment], *group: str) -> Any:
    return (rows.order_by().values_list(*group)
            .annotate(n=Count("id"), s=Count("id", filter=Q(started_at__isnull=False)),
                      c=Count("id", filter=Q(completed_at__isnull=False))))


def _town_in_scope(user: Any, town_id: int | None) -> int | None:
    scope = scope_of(user)
    if scope.level == "town":
        if town_id not in (None, scope.town_id):
            raise Http404
        return scope.town_id
    if town_id is not None:
        found = org_cache.town(town_id)
        if found is None or found.district_id != scope.district_id:
            raise Http404
    return town_id


def rollup(user: Any, course: Course, *, town_id: int | None = None) -> tuple[Row, list[Row]]:
    """(total, rows): rows per town, or per unit of ``town_id`` (a town is pinned to its own)."""
    town_id = _town_in_scope(user, town_id)
    rows = Enrollment.objects.visible_to(user).filter(course=course)
    if town_id is not None:
        rows = rows.filter(town_id=town_id)
    total = Row(name=_("合计"))
    parts: list[Row] = []
    for key, n, s, c in _counts(rows, "committee_id" if town_id is not None else "town_id"):
        total.assigned, total.started, total.completed = total.assigned + n, total.started + s, total.completed + c
        if town_id is not None:
            found_c = org_cache.committee(key) if key else None
            parts.append(Row(id=key or 0, name=found_c.name if found_c else _("街镇本级"), assigned=n, started=s, completed=c))
        else:
            found_t = org_cache.town(key) if key else None
            parts.append(Row(id=key or 0, name=found_t.name if found_t else _("区级"), assigned=n, started=s, completed=c))
    if town_id is not None:
        return total, sorted(parts, key=lambda u: (u.id != 0, u.pct, u.name))
    return total, sorted(parts, key=lambda t: (org_cache.town(t.id).code if t.id and org_cache.town(t.id) else ""))  # type: ignore[union-attr]


def learners(user: Any, course: Course, *, town_id: int, committee_id: int) -> QuerySet[Enrollment]:
    """The people of one committee (or, with 0, of the town's own level), unfinished first."""
    town_id = _town_in_scope(user, town_id) or 0
    rows = Enrollment.objects.visible_to(user).filter(course=course, town_id=town_id).select_related("person")
    if committee_id:
        if not Committee.objects.filter(pk=committee_id, town_id=town_id).exists():
            raise Http404
        rows = rows.filter(committee_id=committee_id)
    else:
        rows = rows.filter(committee__isnull=True)
    return rows.order_by(F("completed_at").asc(nulls_first=True), "person__name", "pk")


def my_enrollments(person: Person) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(person=person).select_related("course").order_by("completed_at", "-course__created_at")


def enrollment_for_person_or_404(person: Person | None, course_id: int) -> Enrollment:
    enrollment = (Enrollment.objects.filter(person=person, course_id=course_id).select_related("course").first()
                  if person is not None else None)
    if enrollment is None:
        raise Http404
    return enrollment


def materials_with_views(enrollment: Enrollment) -> list[tuple[Material, Any]]:
    seen = dict(MaterialView.objects.filter(enrollment=enrollment).values_list("material_id", "at"))
    return [(m, seen.get(m.pk)) for m in Material.objects.filter(course_id=enrollment.course_id)]


def questions_of(course: Course) -> list[Question]:
    return list(Question.objects.filter(course=course))


def course_for_directive(directive_id: int) -> Course | None:
    return Course.objects.filter(directive_id=directive_id).first()
