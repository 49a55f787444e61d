"""Staff pages for people beyond staff: the list, the XLSX import with its error report, the template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fangkong.core.errors import UserError
from fangkong.core.masking import mask_phone

from . import queries
from .forms import ImportForm
from .people import IMPORT_MAX_BYTES, import_template, people_import, read_xlsx_rows
from .views_publish import _publisher


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    people = queries.people_in_scope(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        people = people.filter(name__contains=q) if not q.isdigit() else people.filter(phone__endswith=q)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    for p in page:
        p.masked_phone = mask_phone(p.phone)  # type: ignore[attr-defined]
    return render(request, "office/people_list.html", {
        "page": page, "q": q, "counts": queries.people_counts(request.user),
    })


@login_required
def people_import_view(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error("file", _("文件超过5MB，请分批导入。"))
        elif not upload.name.lower().endswith(".xlsx"):
            form.add_error("file", _("请上传 .xlsx 文件（可先下载导入模板）。"))
        else:
            try:
                report = people_import(actor=request.user, rows=read_xlsx_rows(upload))
            except UserError as exc:
                form.add_error("file", exc.message)
    return render(request, "office/people_import.html", {"form": form, "report": report})


@login_required
def people_template(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    response = HttpResponse(
        import_template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    return response
