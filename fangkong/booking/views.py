"""Resident pages: round list, booking form (works without JavaScript), confirmation, lookup."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from fangkong.addresses.queries import search_addresses
from fangkong.core.masking import mask_id_number, mask_name, mask_phone
from fangkong.orgs.models import Town

from . import lookup as lookup_service
from .forms import BookingForm, MemberForm, validate_members
from .identity import validate_identity
from .models import Booking, BookingSource, IdType
from .queries import rounds_public
from .services import BookingError, DuplicateBooking, booking_create

MEMBER_ROWS = 5
SUGGESTIONS = 10  # a phone screen's worth; typing more narrows the list
DONE_SALT = "fangkong.booking.done"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/round_list.html", {"rounds": rounds_public()[:20]})


def _member_forms(data: object | None) -> list[MemberForm]:
    return [MemberForm(data, prefix=f"m{i}") for i in range(1, MEMBER_ROWS + 1)]  # type: ignore[arg-type]


@ratelimit(key="ip", rate="120/m", method="POST", block=True)
def book(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(rounds_public(), pk=round_id)
    candidates: list = []
    if request.method != "POST":
        form = BookingForm(initial={"household_size": 1, "id_type": IdType.RESIDENT_ID})
        members = _member_forms(None)
    else:
        form = BookingForm(request.POST)
        members = _member_forms(request.POST)
        query = request.POST.get("address_query", "")
        if request.POST.get("action") == "search":
            candidates = search_addresses(query, limit=SUGGESTIONS)
            form = BookingForm(initial=request.POST.dict())
        elif form.is_valid():
            people, errors = validate_members(members, form.cleaned_data["id_number"])
            for message in errors.get("members", []):
                form.add_error(None, message)
            if not errors:
                try:
                    outcome = booking_create(round_=round_, data=form.booking_data(people), source=BookingSource.WEB)
                except DuplicateBooking as exc:
                    # A double tap or a retry: the same person and phone see their booking again.
                    if exc.existing.phone == form.cleaned_data["phone"]:
                        return redirect(_done_url(exc.existing))
                    form.add_error("id_number", exc.message)
                except BookingError as exc:
                    form.add_error(None if exc.field not in form.fields else exc.field, exc.message)
                else:
                    return redirect(_done_url(outcome.booking))
        elif query and not form.cleaned_data.get("address"):
            candidates = search_addresses(query, limit=SUGGESTIONS)
    return render(
        request,
        "booking/booking_form.html",
        {
            "round": round_,
            "form": form,
            "members": members,
            "candidates": candidates,
            "towns": Town.objects.order_by("code"),
            "address_query": request.POST.get("address_query", "") if request.method == "POST" else "",
            "members_open": any(not m.is_blank() for m in members) if request.method == "POST" else False,
        },
        status=200 if request.method != "POST" or not form.errors else 422,
    )


def _done_url(booking: Booking) -> str:
    return reverse("booking:done", args=[signing.dumps(booking.pk, salt=DONE_SALT, compress=True)])


def done(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pk = signing.loads(token, salt=DONE_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise Http404(_("链接无效或已过期")) from None
    booking = get_object_or_404(Booking.objects.select_related("round", "committee", "town"), pk=pk)
    members = list(booking.members.order_by("seq"))
    return render(
        request,
        "booking/booking_done.html",
        {
            "booking": booking,
            "members": [(m, mask_name(m.name), mask_id_number(m.id_number)) for m in members],
            "masked_id": mask_id_number(booking.id_number),
            "masked_phone": mask_phone(booking.phone),
            "masked_name": mask_name(booking.name),
        },
    )


@require_GET
@ratelimit(key="ip", rate="600/m", block=True)
def address_suggest(request: HttpRequest) -> HttpResponse:
    """htmx partial: candidate addresses as radio buttons for the booking form."""
    query = request.GET.get("address_query", "")
    candidates = search_addresses(query, limit=SUGGESTIONS) if len(query.strip()) >= 2 else []
    return render(
        request, "booking/_partials/address_candidates.html", {"candidates": candidates, "address_query": query}
    )


def lookup(request: HttpRequest) -> HttpResponse:
    """Two steps on one page: send a code, then enter it to see the bookings."""
    context: dict = {"id_number": "", "phone": "", "errors": {}, "stage": "request"}
    if request.method == "POST":
        raw_id, raw_phone = request.POST.get("id_number", ""), request.POST.get("phone", "")
        context.update(id_number=raw_id, phone=raw_phone)
        id_number, phone, field_errors = validate_identity(request.POST.get("id_type", ""), raw_id, raw_phone)
        errors = {field: " ".join(messages) for field, messages in field_errors.items()}
        status = 200
        if not errors:
            try:
                if request.POST.get("action") == "verify":
                    bookings = lookup_service.lookup_bookings(
                        request=request, id_number=id_number, phone=phone, code=request.POST.get("code", "")
                    )
                    context.update(stage="result", bookings=list(bookings))
                else:
                    lookup_service.lookup_code_request(request=request, id_number=id_number, phone=phone)
                    context.update(stage="verify", sent=True)
            except lookup_service.LookupError_ as exc:
                errors["general" if exc.field == "__all__" else exc.field] = exc.message
                status = exc.status
                if request.POST.get("action") == "verify" and exc.status != 429:
                    context["stage"] = "verify"
        else:
            status = 422
        context["errors"] = errors
        return render(request, "booking/lookup.html", context, status=status if errors else 200)
    return render(request, "booking/lookup.html", context)


def round_qr(request: HttpRequest, round_id: int) -> HttpResponse:
    import segno

    round_ = get_object_or_404(rounds_public(), pk=round_id)
    url = settings.SITE_URL.rstrip("/") + reverse("booking:book", args=[round_.pk])
    qr = segno.make(url, error="m")
    response = HttpResponse(qr.svg_inline(scale=8, border=2), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=300"
    return response


def round_poster(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(rounds_public(), pk=round_id)
    url = settings.SITE_URL.rstrip("/") + reverse("booking:book", args=[round_.pk])
    return render(request, "booking/round_poster.html", {"round": round_, "url": url})
