"""Recipients' pages (phone-first): inbox with unread badge, a directive, 收到, report; activation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError

from . import queries
from .activation import activation_code_request, person_activate
from .directives import receipt_acknowledge_own, receipt_read, receipt_report
from .forms import ActivateForm, PhoneForm, ReportForm


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    person = queries.person_of(request.user)
    receipts = list(queries.inbox(person)[:100]) if person else []
    unread = sum(1 for r in receipts if r.read_at is None)
    return render(request, "office/inbox.html", {"person": person, "receipts": receipts, "unread": unread})


@login_required
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_of(request.user)
    receipt = queries.receipt_for_person_or_404(person, pk)
    receipt_read(receipt=receipt)
    return render(request, "office/receipt_detail.html", {
        "receipt": receipt, "directive": receipt.directive, "form": ReportForm(), "person": person,
    })


@require_POST
@login_required
def receipt_ack(request: HttpRequest, pk: int) -> HttpResponse:
    """收到. With htmx the answer is the reply box's new state (a fragment, no redirect and no
    page re-render); without JavaScript a message and a redirect back to the directive."""
    htmx = bool(getattr(request, "htmx", False))
    try:
        result = receipt_acknowledge_own(actor=request.user, receipt_id=pk)
    except UserError as exc:
        if htmx:
            return HttpResponse(render_to_string("office/_receipt_ack.html", {"error": exc.message}))
        messages.error(request, exc.message)
        return redirect("office:receipt", pk=pk)
    if result is None:
        raise Http404
    if htmx:
        return HttpResponse(render_to_string("office/_receipt_ack.html", {"acknowledged_at": result.acknowledged_at}))
    messages.success(request, _("已确认收到。"))
    return redirect("office:receipt", pk=pk)


@require_POST
@login_required
def receipt_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_of(request.user)
    receipt = queries.receipt_for_person_or_404(person, pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            receipt_report(actor=request.user, receipt=receipt, text=form.cleaned_data["text"],
                           photos=request.FILES.getlist("photos"))
        except UserError as exc:
            form.add_error(None if exc.field in ("__all__", "files") else exc.field, exc.message)
        else:
            messages.success(request, _("完成情况已提交。"))
            return redirect("office:receipt", pk=receipt.pk)
    return render(request, "office/receipt_detail.html", {
        "receipt": receipt, "directive": receipt.directive, "form": form, "person": person,
    }, status=422)


def activate(request: HttpRequest) -> HttpResponse:
    """Step 1 asks for the phone and sends a code; step 2 takes the code and a new password."""
    step = request.POST.get("step", "phone")
    phone_form = PhoneForm(request.POST if step == "phone" and request.method == "POST" else None)
    form = ActivateForm(request.POST if step == "verify" else None)
    status = 200
    if request.method == "POST" and step == "phone":
        if phone_form.is_valid():
            phone = phone_form.cleaned_data["phone"]
            try:
                activation_code_request(request=request, phone=phone)
            except UserError as exc:
                phone_form.add_error("phone" if exc.field == "phone" else None, exc.message)
                status = 429
            else:
                messages.info(request, _("如果该手机号已登记，验证码短信已发送，%(m)s分钟内有效。") % {"m": 10})
                form = ActivateForm(initial={"phone": phone})
                step = "verify"
    elif request.method == "POST" and step == "verify":
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = person_activate(request=request, phone=d["phone"], code=d["code"], password=d["password"])
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 422
            else:
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("激活成功。以后请用手机号和密码登录。"))
                return redirect("office:inbox")
        else:
            status = 422
    return render(request, "office/activate.html", {"phone_form": phone_form, "form": form, "step": step},
                  status=status)
