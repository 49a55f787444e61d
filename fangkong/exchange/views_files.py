"""File exchange pages: sent list and send form (district/town), received list (everyone), a
file's page (sender: versions, per-person and per-unit download status; recipient: versions to
download), new version, and the scoped, audited download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.core.masking import mask_phone
from fangkong.office.queries import person_of
from fangkong.orgs.scoping import scope_of

from . import queries as q
from .forms import FileSendForm, VersionForm
from .limits import hint
from .services_files import file_download, file_new_version, file_send


def _is_publisher(request: HttpRequest) -> bool:
    return scope_of(request.user).level in ("district", "town")


@login_required
def file_list(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    received = list(q.shares_received(person)[:50]) if person is not None else []
    sent = list(q.shares_sent(request.user)[:50]) if _is_publisher(request) else []
    return render(request, "exchange/file_list.html", {"received": received, "sent": sent,
                                                       "publisher": _is_publisher(request)})


@login_required
def file_new(request: HttpRequest) -> HttpResponse:
    form = FileSendForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            share = file_send(actor=request.user, title=d["title"], note=d.get("body") or "",
                              upload=request.FILES.get("file"), target=form.target(),
                              target_label=form.target_label(), priority=d["priority"])
        except UserError as exc:
            form.add_error(None if exc.field in ("__all__", "target", "files", "file") else exc.field, exc.message)
        else:
            messages.success(request, _("已发送，%(n)s 人已收到。") % {"n": f"{share.directive.recipients_count:,}"})
            return redirect("exchange:file_sent", pk=share.pk)
    return render(request, "exchange/file_new.html", {"form": form, "hint": hint()})


@login_required
def file_sent(request: HttpRequest, pk: int) -> HttpResponse:
    share = q.share_sent_or_404(request.user, pk)
    rows = list(q.recipients(request.user, share)[:500])
    for r in rows:
        r.masked_phone = mask_phone(r.person.phone)  # type: ignore[attr-defined]
    units = q.unit_rollup(request.user, share)
    people = sum(u["people"] for u in units)
    downloaded = sum(u["downloaded"] for u in units)
    return render(request, "exchange/file_sent.html", {
        "share": share, "versions": q.versions(share), "rows": rows, "units": units, "people": people,
        "downloaded": downloaded, "version_form": VersionForm(), "hint": hint(),
    })


@login_required
def file_received(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return redirect("exchange:files")
    share, _receipt = q.share_received_or_404(person, pk)
    return render(request, "exchange/file_received.html", {"share": share, "versions": q.versions(share)})


@require_POST
@login_required
def version_new(request: HttpRequest, pk: int) -> HttpResponse:
    share = q.share_sent_or_404(request.user, pk)
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise UserError(_("版本说明不能超过200个字。"))
        version = file_new_version(actor=request.user, share=share, upload=request.FILES.get("file"),
                                   note=form.cleaned_data.get("note") or "")
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已上传第%(n)s版，已通知接收人。") % {"n": version.number})
    return redirect("exchange:file_sent", pk=share.pk)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    version, receipt = q.version_for_download(request.user, pk)
    file_download(actor=request.user, version=version, receipt=receipt)
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.name)
