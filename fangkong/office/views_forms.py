"""Pages of form collection (智能填表): the builder, results with roll-up, filters and export,
the 未填写 list with 一键提醒, and the filler's phone page (prefilled, history kept)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs import cache as org_cache
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import scope_of

from . import queries
from . import queries_forms as q
from .exports_forms import form_export, masked_answer
from .forms_forms import FieldFormSet, FormPublishForm, default_deadline, raw_answers, table_rows
from .models_forms import FieldKind, FormAssignment, FormCollection, FormField
from .services_forms import AnswerErrors, form_publish, form_remind, form_submit, prefill_values
from .validation_forms import display_value


def _publisher(request: HttpRequest) -> str:
    level = scope_of(request.user).level
    if level not in ("district", "town"):
        raise PermissionDenied(_("只有区级和街镇工作人员可以发布表单和查看结果。"))
    return level


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    level = scope_of(request.user).level
    person = queries.person_of(request.user)
    return render(request, "office/forms/form_list.html", {
        "published": q.publisher_forms_with_counts(request.user) if level in ("district", "town") else None,
        "todo": list(q.my_assignments(person)[:50]) if person else [],
    })


@login_required
def form_new(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    form = FormPublishForm(request.POST or None, user=request.user, initial={"deadline": default_deadline()})
    fields = FieldFormSet(request.POST or None, prefix="q")
    if request.method == "POST" and form.is_valid() and fields.is_valid():
        d = form.cleaned_data
        try:
            published = form_publish(
                actor=request.user, title=d["title"], description=d.get("body") or "", fields=fields.specs(),
                target=form.target(), deadline=d["deadline"], mode=d["mode"], opens_at=d.get("opens_at"),
                priority=d["priority"], target_label=form.target_label(),
            )
        except UserError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("表单已发布，应填 %(n)s 份。") % {"n": f"{published.expected:,}"})
            return redirect("office:form_results", pk=published.pk)
    return render(request, "office/forms/form_new.html", {"form": form, "fields": fields},
                  status=422 if request.method == "POST" else 200)


def _filters(request: HttpRequest, level: str) -> q.Filters:
    def number(name: str) -> int | None:
        try:
            return int(request.GET.get(name, "")) or None
        except ValueError:
            return None

    status = request.GET.get("status", "")
    return q.Filters(town=number("town") if level == "district" else None, committee=number("committee"),
                     status=status if status in ("filled", "pending") else "", field=request.GET.get("field", ""),
                     value=request.GET.get("value", "")[:50])


def _row(a: FormAssignment, fields: list[FormField], masked: bool) -> dict[str, Any]:
    cells = []
    for f in fields:
        value = masked_answer(f, a.data.get(f.key)) if masked else a.data.get(f.key)
        cells.append({"field": f, "text": display_value(f.kind, value, columns=f.columns),
                      "file": value if f.kind == FieldKind.FILE and value else None,
                      "rows": len(value) if f.kind == FieldKind.TABLE and value else 0})
    return {"a": a, "unit": q.unit_label(a), "cells": cells}


@login_required
def form_results(request: HttpRequest, pk: int) -> HttpResponse:
    level = _publisher(request)
    form = q.form_for_publisher_or_404(request.user, pk)
    filters = _filters(request, level)
    if filters.town and org_cache.town(filters.town) is None:
        raise Http404
    fields = q.fields_of(form)
    total, rollup_rows = q.rollup(request.user, form, town_id=filters.town)
    page = Paginator(q.results(request.user, form, filters, fields), q.PAGE_SIZE).get_page(request.GET.get("page"))
    masked = True  # pages always mask ID numbers and phones; the audited export may unmask
    town_id = filters.town or scope_of(request.user).town_id
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "office/forms/form_results.html", {
        "f": form, "fields": fields, "total": total, "rollup": rollup_rows, "level": level, "filters": filters,
        "town": org_cache.town(town_id) if town_id else None, "page": page, "query": query.urlencode(),
        "rows": [_row(a, fields, masked) for a in page.object_list],
        "towns": Town.objects.filter(district_id=form.district_id) if level == "district" else [],
        "committees": Committee.objects.filter(town_id=town_id) if town_id else [],
    })


@login_required
def form_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    level = _publisher(request)
    form = q.form_for_publisher_or_404(request.user, pk)
    filters = _filters(request, level)
    fields = q.fields_of(form)
    plan = form_export(actor=request.user, form=form, fields=fields,
                       rows=q.results(request.user, form, filters, fields), filters=filters)
    if plan.job is not None:
        return redirect("desk:export_job", job_id=plan.job.pk)
    response = HttpResponse(plan.content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, plan.name)
    return response


@login_required
def form_pending(request: HttpRequest, pk: int) -> HttpResponse:
    _publisher(request)
    form = q.form_for_publisher_or_404(request.user, pk)
    rows = list(q.pending(request.user, form)[:500])
    return render(request, "office/forms/form_pending.html", {
        "f": form, "rows": [{"a": a, "unit": q.unit_label(a)} for a in rows],
        "log": queries.reminder_log(request.user, form.directive),
    })


@require_POST
@login_required
def form_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    _publisher(request)
    form = q.form_for_publisher_or_404(request.user, pk)
    try:
        reminder = form_remind(actor=request.user, form=form)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提醒未填写的 %(people)s 人（站内），其中 %(sms)s 人发送短信。")
                         % {"people": f"{reminder.people:,}", "sms": f"{reminder.sms:,}"})
    return redirect("office:form_pending", pk=form.pk)


@login_required
def entry_detail(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    """One unit's (or person's) answers and every earlier version, for the publisher."""
    _publisher(request)
    form = q.form_for_publisher_or_404(request.user, pk)
    a = q.assignment_for_publisher_or_404(request.user, form, aid)
    fields = q.fields_of(form)
    masked = True  # pages always mask ID numbers and phones; the audited export may unmask
    versions = [{"v": v, "cells": _row(FormAssignment(data=v.data), fields, masked)["cells"]} for v in a.versions.all()]
    return render(request, "office/forms/entry_detail.html", {
        "f": form, "a": a, "unit": q.unit_label(a), "current": _row(a, fields, masked)["cells"], "versions": versions,
    })


def _items(fields: list[FormField], values: dict[str, Any], errors: dict[str, list[str]], prefilled: set[str],
           org_units: dict[int, str]) -> list[dict[str, Any]]:
    items = []
    for f in fields:
        value = values.get(f.key)
        item: dict[str, Any] = {"f": f, "value": "" if value is None else value, "errors": errors.get(f.key, []),
                                "prefilled": f.key in prefilled}
        if f.kind == FieldKind.TABLE:
            item["rows"] = table_rows(f, value)
        elif f.kind == FieldKind.ORG_UNIT:
            item["units"] = [(str(k), v) for k, v in org_units.items()]
            item["chosen"] = str(value.get("id") if isinstance(value, dict) else value or "")
        elif f.kind == FieldKind.MULTI:
            item["chosen"] = value if isinstance(value, list) else []
        items.append(item)
    return items


@login_required
def fill(request: HttpRequest, aid: int) -> HttpResponse:
    person = queries.person_of(request.user)
    a = q.assignment_for_filler_or_404(person, aid)
    assert person is not None
    form: FormCollection = a.form
    fields = q.fields_of(form)
    org_units = q.org_unit_choices(a) if any(f.kind == FieldKind.ORG_UNIT for f in fields) else {}
    errors: dict[str, list[str]] = {}
    status = 200
    prefilled: set[str] = set()
    summary = ""
    if request.method == "POST":
        raw = raw_answers(fields, request.POST, request.FILES)
        try:
            submission = form_submit(actor=request.user, person=person, assignment=a, raw=raw, org_units=org_units)
        except AnswerErrors as exc:
            errors, status, summary = exc.errors, 422, exc.message
            values = {k: v for k, v in raw.items() if not hasattr(v, "read")}
            values.update({f.key: a.data.get(f.key) for f in fields if f.kind == FieldKind.FILE})
        except UserError as exc:
            messages.error(request, exc.message)
            return redirect("office:form_fill", aid=a.pk)
        else:
            messages.success(request, _("已提交（第%(n)s版）。截止前可以修改，修改会保留历史版本。") % {"n": submission.number})
            return redirect("office:form_fill", aid=a.pk)
    elif a.version:
        values = dict(a.data)
    else:
        values = prefill_values(form, a, person, fields)
        prefilled = set(values)
    return render(request, "office/forms/form_fill.html", {
        "f": form, "a": a, "unit": unit_label_for(a), "items": _items(fields, values, errors, prefilled, org_units),
        "versions": list(a.versions.all()[:20]) if a.version else [], "summary": summary,
    }, status=status)


def unit_label_for(a: FormAssignment) -> str:
    return a.person.name if a.person_id and a.person else q.unit_label(a)


@login_required
def todo_fragment(request: HttpRequest) -> HttpResponse:
    """The inbox's "待填表单" block (htmx): open forms the user (or their unit) has not filled."""
    person = queries.person_of(request.user)
    todo = [a for a in q.my_assignments(person).filter(submitted_at__isnull=True)[:20] if not a.form.is_closed] if person else []
    return render(request, "office/forms/_todo.html", {"todo": todo})


@login_required
def directive_fragment(request: HttpRequest, directive_id: int) -> HttpResponse:
    """On a directive's page (htmx): the 去填写 button when the directive announces a form."""
    a = q.assignment_for_directive(queries.person_of(request.user), directive_id)
    return render(request, "office/forms/_directive_link.html", {"a": a})


@login_required
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    found = q.file_visible_or_404(request.user, queries.person_of(request.user), pk)
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
