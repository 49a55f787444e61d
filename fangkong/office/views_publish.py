"""Publisher pages: directive list, publish form, roll-up with drill-down, 提醒未读, files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.core.masking import mask_phone
from fangkong.orgs import cache as org_cache
from fangkong.orgs.scoping import scope_of

from . import queries
from .directives import directive_publish
from .forms import DirectiveForm
from .models import DirectiveAttachment, Receipt, ReportPhoto
from .reminders import directive_remind


def _publisher(request: HttpRequest) -> str:
    level = scope_of(request.user).level
    if level not in ("district", "town"):
        raise PermissionDenied(_("只有区级和街镇工作人员可以查看发布情况。"))
    return level


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level in ("district", "town"):
        return redirect("office:directives")
    return redirect("office:inbox")


@login_required
def directive_list(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    directives = list(queries.directives_for_publisher(request.user)[:50])
    return render(request, "office/directive_list.html", {"directives": directives,
                                                          "person": queries.person_of(request.user)})


@login_required
def directive_new(request: HttpRequest) -> HttpResponse:
    _publisher(request)
    form = DirectiveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            directive = directive_publish(
                actor=request.user, title=d["title"], body=d["body"], target=form.target(), priority=d["priority"],
                reply=d["reply"], deadline=d.get("deadline"), attachments=request.FILES.getlist("attachments"),
                target_label=form.target_label(),
            )
        except UserError as exc:
            form.add_error(None if exc.field in ("__all__", "target", "files") else exc.field, exc.message)
        else:
            messages.success(request, _("已发布，%(n)s 人已收到。") % {"n": f"{directive.recipients_count:,}"})
            return redirect("office:directive", pk=directive.pk)
    return render(request, "office/directive_new.html", {"form": form})


@login_required
def directive_rollup(request: HttpRequest, pk: int) -> HttpResponse:
    level = _publisher(request)
    directive = queries.directive_for_publisher_or_404(request.user, pk)
    town_id = None
    if level == "district" and request.GET.get("town"):
        try:
            town_id = int(request.GET["town"])
        except ValueError:
            raise Http404 from None
        if org_cache.town(town_id) is None:
            raise Http404
    result = queries.rollup(request.user, directive, town_id=town_id)
    town = org_cache.town(town_id or scope_of(request.user).town_id or 0)
    return render(request, "office/directive_rollup.html", {
        "directive": directive, "r": result, "town": town if (town_id or level == "town") else None,
        "level": level, "log": queries.reminder_log(request.user, directive),
    })


@login_required
def directive_unit(request: HttpRequest, pk: int, committee_id: int) -> HttpResponse:
    """The people of one committee (or, with id 0, of a town's own level) and their status."""
    level = _publisher(request)
    directive = queries.directive_for_publisher_or_404(request.user, pk)
    committee = org_cache.committee(committee_id) if committee_id else None
    if committee_id and committee is None:
        raise Http404
    receipts = queries.committee_receipts(request.user, directive, committee_id)
    if not committee_id:
        town_id = scope_of(request.user).town_id if level == "town" else request.GET.get("town")
        if not town_id:
            raise Http404
        receipts = receipts.filter(town_id=town_id)
    rows = list(receipts[:500])
    if not rows:
        raise Http404
    for r in rows:
        r.masked_phone = mask_phone(r.person.phone)  # type: ignore[attr-defined]
    return render(request, "office/directive_unit.html", {
        "directive": directive, "rows": rows, "committee": committee, "town": org_cache.town(rows[0].town_id or 0),
    })


@require_POST
@login_required
def directive_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    _publisher(request)
    directive = queries.directive_for_publisher_or_404(request.user, pk)
    try:
        reminder = directive_remind(actor=request.user, directive=directive)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提醒 %(people)s 人（站内），其中 %(sms)s 人发送短信。") % {
            "people": f"{reminder.people:,}", "sms": f"{reminder.sms:,}"})
    back = request.POST.get("next", "")
    if back.startswith(f"/office/directives/{directive.pk}/"):
        return redirect(back)
    return redirect("office:directive", pk=directive.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Publishers who can see the directive, and its recipients, may download its attachments."""
    attachment = DirectiveAttachment.objects.select_related("directive").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    person = queries.person_of(request.user)
    allowed = queries.directives_for_publisher(request.user).filter(pk=attachment.directive_id).exists() or (
        person is not None and Receipt.objects.filter(directive_id=attachment.directive_id, person=person).exists()
    )
    if not allowed:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def photo_download(request: HttpRequest, pk: int) -> FileResponse:
    photo = ReportPhoto.objects.select_related("receipt").filter(pk=pk).first()
    if photo is None:
        raise Http404
    person = queries.person_of(request.user)
    receipt = photo.receipt
    mine = person is not None and receipt.person_id == person.pk
    visible = Receipt.objects.visible_to(request.user).filter(pk=receipt.pk).exists() and \
        queries.directives_for_publisher(request.user).filter(pk=receipt.directive_id).exists()
    if not (mine or visible):
        raise Http404
    return FileResponse(photo.file.open("rb"), filename=photo.name)
