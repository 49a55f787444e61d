"""Pages of the town direct line (城镇直通车): list, ask, thread with replies and actions,
shared practice (经验做法), attachments. Thin: parse, call a service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs.scoping import scope_of

from . import queries_channel as q
from .forms_channel import ReplyForm, ThreadForm
from .models import ThreadStatus
from .services_channel import (
    message_share,
    thread_assign,
    thread_close,
    thread_open,
    thread_reopen,
    thread_reply,
    thread_seen,
)


def _form_error(form: ThreadForm | ReplyForm, exc: UserError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    level = scope_of(request.user).level
    if level not in ("district", "town"):
        return redirect("office:shared")  # committees: shared practice only
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    try:
        town_id = int(request.GET.get("town") or 0) or None
    except ValueError:
        town_id = None
    page = Paginator(q.threads_for(request.user, status=status, mine=mine, town_id=town_id), 30).get_page(
        request.GET.get("page"))
    return render(request, "office/channel_list.html", {
        "page": page, "status": status, "mine": mine, "level": level, "statuses": ThreadStatus.choices,
        "badge": q.channel_badge(request.user),
    })


@login_required
def channel_new(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level != "town":
        raise PermissionDenied(_("只有街镇工作人员可以在城镇直通车提问。"))
    form = ThreadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                thread = thread_open(actor=request.user, title=d["title"], body=d["body"], category=d["category"],
                                     urgency=d["urgency"], attachments=request.FILES.getlist("attachments"))
            except UserError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("问题已提交，区防控办会尽快答复。"))
                return redirect("office:thread", pk=thread.pk)
        status = 422
    return render(request, "office/channel_new.html", {"form": form}, status=status)


def _thread_page(request: HttpRequest, thread_pk: int, reply_form: ReplyForm | None = None,
                 status: int = 200) -> HttpResponse:
    thread = q.thread_or_404(request.user, thread_pk)
    thread_seen(user=request.user, thread=thread)
    level = scope_of(request.user).level
    return render(request, "office/channel_thread.html", {
        "thread": thread, "items": q.thread_messages(thread), "level": level,
        "attachments": [a for a in thread.attachments.all() if a.message_id is None],
        "form": reply_form or ReplyForm(), "officers": q.district_officers(thread) if level == "district" else [],
    }, status=status)


@login_required
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _thread_page(request, pk)


@require_POST
@login_required
def thread_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    thread = q.thread_or_404(request.user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            thread_reply(actor=request.user, thread=thread, body=form.cleaned_data["body"],
                         attachments=request.FILES.getlist("attachments"))
        except UserError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已回复。"))
            return redirect("office:thread", pk=thread.pk)
    return _thread_page(request, pk, form, status=422)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    thread = q.thread_or_404(request.user, pk)
    try:
        if action == "assign":
            try:
                assignee_id = int(request.POST.get("assignee") or 0)
            except ValueError:
                assignee_id = 0
            thread_assign(actor=request.user, thread=thread, assignee_id=assignee_id)
            messages.success(request, _("已指派承办人。"))
        elif action == "close":
            thread_close(actor=request.user, thread=thread)
            messages.success(request, _("已关闭。"))
        else:
            thread_reopen(actor=request.user, thread=thread)
            messages.success(request, _("已重新打开。"))
    except UserError as exc:
        messages.error(request, exc.message)
    return redirect("office:thread", pk=thread.pk)


@require_POST
@login_required
def thread_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "assign")


@require_POST
@login_required
def thread_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "close")


@require_POST
@login_required
def thread_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reopen")


@require_POST
@login_required
def message_share_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = q.message_or_404(request.user, pk)
    shared = request.POST.get("shared", "1") == "1"
    try:
        message_share(actor=request.user, message=message, shared=shared)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记为经验做法，各街镇均可查看。") if shared else _("已取消经验做法。"))
    return redirect("office:thread", pk=message.thread_id)


@login_required
def shared_list(request: HttpRequest) -> HttpResponse:
    if not q.can_see_shared(request.user):
        raise Http404
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(q.shared_practice(request.user, query), 20).get_page(request.GET.get("page"))
    for m in page:
        m.hl_title = q.highlight(m.thread.title, query)  # type: ignore[attr-defined]
        m.hl_question = q.highlight(m.thread.body, query, around=40)  # type: ignore[attr-defined]
        m.hl_body = q.highlight(m.body, query, around=80)  # type: ignore[attr-defined]
    return render(request, "office/channel_shared.html", {"page": page, "q": query})


@login_required
def thread_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = q.attachment_or_404(request.user, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def nav_badge(request: HttpRequest, kind: str) -> HttpResponse:
    """The navigation's badge, fetched by htmx after the page loads so that no office page pays
    for the counts (each page keeps its pinned query budget); without JavaScript the lists show
    the same news (the "新" marks, the notices above the search)."""
    if not request.user.is_authenticated:
        return HttpResponse("")  # a session that expired: no badge rather than a login page in the nav
    if kind == "channel":
        n, html_id = q.channel_badge(request.user), "nav-channel-badge"
    elif kind == "policy":
        n, html_id = q.policy_notices(request.user).count(), "nav-policy-badge"
    else:
        raise Http404
    if not n:
        return HttpResponse("")
    return HttpResponse(format_html('<span class="nav-badge" id="{}">{}</span>', html_id, n))
