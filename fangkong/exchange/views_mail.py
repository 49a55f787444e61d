"""Internal mail pages: mailbox, new mail, a thread with reply, attachments, and the nav badge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.office.queries import person_of

from . import queries as q
from .forms import MailForm
from .limits import hint
from .models import MailAttachment
from .services_mail import mail_mark_read, mail_reply, mail_send


@login_required
def mailbox(request: HttpRequest) -> HttpResponse:
    try:
        person = q.sender_person(request.user)
    except UserError as exc:
        return render(request, "exchange/mailbox.html", {"error": exc.message, "threads": []})
    threads = list(q.mail_threads(person)[:100])
    return render(request, "exchange/mailbox.html", {"threads": threads, "person": person,
                                                     "unit_reader": q.reads_unit_mailbox(person)})


@login_required
def mail_new(request: HttpRequest) -> HttpResponse:
    person = q.sender_person(request.user)
    form = MailForm(request.POST or None, district_id=person.district_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            thread = mail_send(actor=request.user, subject=d["subject"], body=d["body"], to=form.recipients(),
                               attachments=request.FILES.getlist("attachments"))
        except UserError as exc:
            form.add_error(exc.field if exc.field in ("subject", "body") else None, exc.message)
        else:
            messages.success(request, _("已发送。"))
            return redirect("exchange:thread", pk=thread.pk)
    return render(request, "exchange/mail_new.html", {"form": form, "hint": hint()})


@login_required
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    person = q.sender_person(request.user)
    t = q.mail_thread_or_404(person, pk)
    mail_mark_read(person=person, thread=t)
    parties, msgs = q.thread_detail(t)
    return render(request, "exchange/thread.html", {"thread": t, "parties": parties, "msgs": msgs, "hint": hint()})


@require_POST
@login_required
def thread_reply(request: HttpRequest, pk: int) -> HttpResponse:
    person = q.sender_person(request.user)
    t = q.mail_thread_or_404(person, pk)
    try:
        mail_reply(actor=request.user, thread=t, body=request.POST.get("body", ""),
                   attachments=request.FILES.getlist("attachments"))
    except UserError as exc:
        messages.error(request, exc.message)
    return redirect("exchange:thread", pk=t.pk)


@login_required
def mail_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = MailAttachment.objects.select_related("message").filter(pk=pk).first()
    person = person_of(request.user)
    if attachment is None or person is None:
        raise Http404
    q.mail_thread_or_404(person, attachment.message.thread_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def badge(request: HttpRequest) -> HttpResponse:
    """The nav's unread-mail badge, fetched by htmx after the page loads (like the office's)."""
    person = person_of(request.user) if request.user.is_authenticated else None
    n = q.mail_unread_count(person) if person is not None else 0
    if not n:
        return HttpResponse("")
    return HttpResponse(format_html('<span class="nav-badge" id="nav-mail-badge">{}</span>', n))
