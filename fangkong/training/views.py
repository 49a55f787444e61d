"""Pages of 岗位培训: the publisher's list, the course builder, the roll-up by level with
提醒未完成; the learner's phone page (materials, quiz) and the material opener."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.office.queries import person_of
from fangkong.orgs import cache as org_cache
from fangkong.orgs.scoping import scope_of

from . import queries as q
from .forms import CoursePublishForm
from .models import Material, MaterialKind
from .services import course_publish, course_remind, material_open, quiz_submit


def _publisher(request: HttpRequest) -> str:
    level = scope_of(request.user).level
    if level not in ("district", "town"):
        raise PermissionDenied(_("只有区级和街镇工作人员可以发布培训和查看完成情况。"))
    return level


def _number(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    level = scope_of(request.user).level
    person = person_of(request.user)
    return render(request, "training/course_list.html", {
        "published": q.publisher_courses_with_counts(request.user) if level in ("district", "town") else None,
        "mine": list(q.my_enrollments(person)[:50]) if person else [],
    })


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    form = CoursePublishForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            course = course_publish(
                actor=request.user, title=d["title"], description=d.get("body") or "", target=form.target(),
                documents=d.get("documents") or [], videos=d.get("videos") or [], links=d.get("links") or [],
                questions=d.get("quiz") or [], pass_mark=d.get("pass_mark") or 0, deadline=d.get("deadline"),
                priority=d["priority"], target_label=form.target_label(),
            )
        except UserError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("培训已发布，应学 %(n)s 人。") % {"n": f"{course.assigned:,}"})
            return redirect("training:rollup", pk=course.pk)
    return render(request, "training/course_new.html", {"form": form}, status=422 if request.method == "POST" else 200)


@login_required
def course_rollup(request: HttpRequest, pk: int) -> HttpResponse:
    level = _publisher(request)
    course = q.course_for_publisher_or_404(request.user, pk)
    town_id = _number(request, "town")
    committee_id = _number(request, "committee")
    if committee_id is not None:
        town = town_id or scope_of(request.user).town_id or 0
        people = q.learners(request.user, course, town_id=town, committee_id=committee_id)
        unit = org_cache.committee(committee_id) if committee_id else org_cache.town(town)
        return render(request, "training/course_people.html", {
            "course": course, "people": people[:500], "unit": unit, "town_id": town, "level": level,
        })
    total, rows = q.rollup(request.user, course, town_id=town_id)
    pinned = town_id or scope_of(request.user).town_id
    return render(request, "training/course_rollup.html", {
        "course": course, "total": total, "rows": rows, "level": level,
        "town": org_cache.town(pinned) if pinned else None, "materials": course.materials.count(),
        "questions": course.questions.count(),
    })


@login_required
@require_POST
def course_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    _publisher(request)
    course = q.course_for_publisher_or_404(request.user, pk)
    try:
        reminder = course_remind(actor=request.user, course=course)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提醒 %(people)s 人（短信 %(sms)s 条）。") % {"people": reminder.people, "sms": reminder.sms})
    return redirect("training:rollup", pk=course.pk)


@login_required
def learn(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = q.enrollment_for_person_or_404(person_of(request.user), pk)
    course = enrollment.course
    questions = q.questions_of(course)
    error = ""
    if request.method == "POST":
        answers = {str(x.pk): request.POST.getlist(f"q{x.pk}") for x in questions}
        try:
            attempt = quiz_submit(actor=request.user, enrollment=enrollment, answers=answers)
        except UserError as exc:
            error = exc.message
        else:
            if attempt.passed:
                messages.success(request, _("测验得分 %(s)s，已通过。") % {"s": attempt.score})
            else:
                messages.error(request, _("测验得分 %(s)s，及格分 %(p)s，请复习后再试。") % {"s": attempt.score, "p": course.pass_mark})
            return redirect("training:learn", pk=course.pk)
    materials = q.materials_with_views(enrollment)
    return render(request, "training/course_learn.html", {
        "e": enrollment, "course": course, "materials": materials, "questions": questions, "error": error,
        "all_opened": all(at for _m, at in materials),
    }, status=422 if error else 200)


@login_required
def material_view(request: HttpRequest, pk: int, mid: int) -> HttpResponseBase:
    enrollment = q.enrollment_for_person_or_404(person_of(request.user), pk)
    material = Material.objects.filter(pk=mid, course_id=enrollment.course_id).first()
    if material is None:
        raise Http404
    material_open(enrollment=enrollment, material=material)
    if material.kind == MaterialKind.LINK:
        return redirect(material.url)
    if not material.file:
        raise Http404
    return FileResponse(material.file.open("rb"), filename=material.title,
                        as_attachment=material.kind == MaterialKind.DOCUMENT and not material.title.lower().endswith(".pdf"))


@login_required
def directive_fragment(request: HttpRequest, directive_id: int) -> HttpResponse:
    """On a directive's page in the inbox (htmx): 去学习 when the directive announces a course the
    user is enrolled in."""
    person = person_of(request.user)
    course = q.course_for_directive(directive_id)
    if course is not None and (person is None or not course.enrollments.filter(person=person).exists()):
        course = None
    return render(request, "training/_directive_link.html", {"course": course})
