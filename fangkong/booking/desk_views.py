"""Staff desk: round overview by level, the committee's booking list, the audited record view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.models import AuditEvent
from fangkong.orgs.models import Committee, Town, User
from fangkong.orgs.scoping import committees_in_scope, scope_of

from . import queries
from .dashboard import STATUS_GROUP_LABELS, STATUS_GROUPS, parse_hour
from .models import BookingStatus, DecisionReason, Goods, RoundStatus
from .round_forms import RoundForm
from .services import booking_reveal, round_create, round_set_status
from .workdays import overdue_cutoff, verification_deadline

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Cadres and volunteers have no desk (no residents' data): their place is the office inbox;
    # a pickup clerk's is the redemption page.
    role = getattr(request.user, "role", "")
    if role == "office_member":
        return redirect("office:inbox")
    if role == "pickup_clerk":
        return redirect("pickup:clerk")
    rounds = list(queries.rounds_for_staff(request.user)[:20])
    if len(rounds) >= 1 and rounds[0].status == "open" and not request.GET.get("all"):
        return redirect("desk:round", round_id=rounds[0].pk)
    scope = scope_of(request.user)
    # Open/close and allocation: the district for every round, a town officer for her town's.
    manageable = (
        {r.pk for r in rounds if scope.level == "district" or (r.town_id and r.town_id == scope.town_id)}
        if request.user.has_perm("orgs.manage_rounds")
        else set()
    )
    return render(request, "desk/home.html", {"rounds": rounds, "scope": scope, "manageable": manageable})


def _round_or_404(request: HttpRequest, round_id: int):  # type: ignore[no-untyped-def]
    round_ = queries.rounds_for_staff(request.user).filter(pk=round_id).first()
    if round_ is None:
        raise Http404(_("没有找到该轮次"))
    return round_


@login_required
def round_overview(request: HttpRequest, round_id: int) -> HttpResponse:
    """Committee workers get their list; towns see their committees; the district sees towns."""
    round_ = _round_or_404(request, round_id)
    scope = scope_of(request.user)
    if scope.level == "committee":
        return _booking_list(request, round_, committee=None)
    if scope.level == "town" and scope.town_id is not None:
        rows = queries.committee_counts_with_overdue(request.user, round_)
        town = Town.objects.get(pk=scope.town_id)
        return render(request, "desk/round_town.html", {"round": round_, "rows": rows, "town": town, "scope": scope})
    if scope.level == "district" and scope.district_id is not None:
        town_id = request.GET.get("town")
        if town_id and town_id.isdigit():
            drill = Town.objects.filter(pk=int(town_id), district_id=scope.district_id).first()
            if drill is None:
                raise Http404(_("没有找到该街镇"))
            rows = queries.committee_counts_with_overdue(request.user, round_, town_id=drill.pk)
            return render(request, "desk/round_town.html", {"round": round_, "rows": rows, "town": drill, "scope": scope})
        rows = queries.town_counts(request.user, round_)
        totals = {k: sum(r[k] for r in rows) for k in ("total", "unresolved", "n_overdue", *queries.STATUS_COUNTS)}
        return render(request, "desk/round_district.html", {"round": round_, "rows": rows, "totals": totals})
    raise Http404(_("您的账号没有可查看的范围"))


@login_required
def committee_bookings(request: HttpRequest, round_id: int, committee_id: int) -> HttpResponse:
    """A town or district officer drilling into one committee's list (committee_id 0: unresolved)."""
    round_ = _round_or_404(request, round_id)
    scope = scope_of(request.user)
    if committee_id == 0:
        if scope.level not in ("town", "district"):
            raise Http404(_("没有找到该列表"))
        return _booking_list(request, round_, committee=None, unresolved=True)
    committee = committees_in_scope(request.user).filter(pk=committee_id).first()
    if committee is None:
        raise Http404(_("没有找到该居委会"))
    return _booking_list(request, round_, committee=committee)


def _booking_list(request: HttpRequest, round_, *, committee: Committee | None, unresolved: bool = False) -> HttpResponse:  # type: ignore[no-untyped-def]
    # The worker's queue by default: pending, oldest first; "全部" (status=) shows everything.
    status = request.GET.get("status", BookingStatus.PENDING)
    # Dashboard drill-downs: a status group (e.g. 审核积压), an hour, overdue only, a town's unresolved.
    group = STATUS_GROUPS.get(status, ())
    if status not in BookingStatus.values and not group:
        status = ""
    hour = parse_hour(request.GET.get("hour", ""))
    overdue = request.GET.get("overdue") == "1"
    compound = request.GET.get("compound", "")
    search = request.GET.get("q", "")[:40]
    qs = queries.bookings_for_desk(
        request.user, round_, status="" if group else status, compound=compound, search=search,
        committee_id=committee.pk if committee else None, statuses=group, hour=hour,
        registered_before=overdue_cutoff() if overdue else None,
    )
    if unresolved:
        qs = qs.filter(committee__isnull=True)
        town = request.GET.get("town", "")
        if town.isdigit():
            qs = qs.filter(town_id=int(town))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown_committee = committee or _own_committee(request.user)
    return render(
        request,
        "desk/booking_list.html",
        {
            "round": round_,
            "committee": shown_committee,
            "quota": queries.committee_quota(round_, shown_committee) if not unresolved else None,
            "next": request.get_full_path(),
            "overdue_cutoff": overdue_cutoff(),
            "reasons": DecisionReason.choices,
            "today": timezone.localdate().isoformat(),
            "can_enter": round_.status == RoundStatus.OPEN and scope_of(request.user).level in ("committee", "town"),
            "unresolved": unresolved,
            "page": page,
            "status": status,
            "compound": compound,
            "q": search,
            "statuses": BookingStatus.choices,
            "status_groups": STATUS_GROUP_LABELS,
            "hour": hour,
            "overdue": overdue,
            "drill": [(k, request.GET[k]) for k in ("hour", "overdue", "town") if request.GET.get(k)],
            "compounds": queries.compounds_for_desk(request.user, round_) if not unresolved else [],
        },
    )


def _own_committee(user: User | object) -> Committee | None:
    scope = scope_of(user)
    return Committee.objects.select_related("town").filter(pk=scope.committee_id).first() if scope.committee_id else None


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = queries.booking_for_staff(request.user, pk)
    if booking is None:
        raise Http404(_("没有找到该预约"))
    unmasked = booking_reveal(actor=request.user, booking=booking, request=request)
    return render(
        request,
        "desk/booking_detail.html",
        {
            "b": booking,
            "unmasked": unmasked,
            "history": queries.decision_history(booking),
            "deadline": verification_deadline(booking.created_at),
            "overdue_cutoff": overdue_cutoff(),
            "reasons": DecisionReason.choices,
            "today": timezone.localdate().isoformat(),
            "next": request.get_full_path(),
        },
    )


@login_required
@permission_required("orgs.view_audit_log", raise_exception=True)
def audit_log_page(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    events = AuditEvent.objects.select_related("actor")
    if scope.level == "district":
        events = events.filter(district_id=scope.district_id) | events.filter(district_id__isnull=True)
    else:
        events = events.none()
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    page = Paginator(events.order_by("-at", "-id"), 100).get_page(request.GET.get("page"))
    actions = AuditEvent.objects.values_list("action", flat=True).distinct().order_by("action")
    return render(request, "desk/audit_log.html", {"page": page, "action": action, "actions": actions})


@login_required
@permission_required("orgs.manage_rounds", raise_exception=True)
def round_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        goods = data["goods"] or Goods.objects.get_or_create(
            name=data["new_goods"].strip(), defaults={"unit": (data["new_goods_unit"] or "个").strip()}
        )[0]
        try:
            if user.district is None:
                raise PermissionError(_("您的账号没有绑定区，不能创建轮次。"))
            round_ = round_create(
                actor=user,
                district=user.district,
                town=user.town if user.role == "town_officer" else None,
                goods=goods,
                number=data["number"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                per_person_limit=data["per_person_limit"],
                per_household_limit=data["per_household_limit"],
                total_quota=data["total_quota"],
                committee_quota=data["committee_quota"],
                allocation=data["allocation"],
                status=data["status"],
            )
        except IntegrityError:
            message = _("{goods}第{number}轮已存在。").format(goods=goods.name, number=data["number"])
            form.add_error("number", message)
        except PermissionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已创建{round}。").format(round=round_.name))
            return redirect("desk:round", round_id=round_.pk)
    return render(request, "desk/round_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_POST
def round_status(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _round_or_404(request, round_id)
    status = request.POST.get("status", "")
    if status not in RoundStatus.values:
        raise Http404(_("无效的状态"))
    try:
        round_set_status(actor=request.user, round_=round_, status=status)
    except (PermissionError, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        label = RoundStatus(status).label
        messages.success(request, _("{round}：{status}").format(round=round_.name, status=label))
    return redirect(f"{reverse('desk:home')}?all=1")
