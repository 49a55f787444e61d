"""Core pages: the demo SMS outbox viewer and the "too many requests" answer."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .masking import mask_phone
from .models import DeliveredMessage


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("请求过于频繁，请稍后再试。")
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"__all__": [message]}}, status=429)
    return render(request, "core/ratelimited.html", {"message": message}, status=429)


def outbox(request: HttpRequest) -> HttpResponse:
    """What the demo gateway "sent". Open to everyone in DEBUG (so a newcomer can read the
    lookup code), otherwise only to staff who may read the audit log."""
    if settings.SMS_BACKEND != "outbox":
        raise Http404(_("短信发件箱只在演示网关（SMS_BACKEND=outbox）下可用"))
    user = request.user
    if not (settings.DEBUG or (user.is_authenticated and user.has_perm("orgs.view_audit_log"))):
        raise Http404(_("无权查看"))
    phone = request.GET.get("phone", "").strip()
    messages = DeliveredMessage.objects.all()
    if phone:
        messages = messages.filter(recipient=phone)
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    rows = [(m, mask_phone(m.recipient)) for m in page]
    return render(request, "core/outbox.html", {"page": page, "rows": rows, "phone": phone})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
