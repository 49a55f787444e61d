"""Pages of the unified policy answers (统一口径): search, an answer and its versions, the
district's editing, retirement and proposal queue, and staff proposals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs.scoping import scope_of

from . import queries_channel as q
from .forms_channel import PolicyForm, PolicyReviseForm, ProposalForm, ReasonForm
from .models import PolicyCategory, ProposalStatus
from .services_policy import (
    PROPOSER_ROLES,
    policy_create,
    policy_mark_read,
    policy_retire,
    policy_revise,
    proposal_accept,
    proposal_decline,
    proposal_submit,
)


def _reader(request: HttpRequest) -> str:
    if not q.can_read_policy(request.user):
        raise Http404
    return scope_of(request.user).level


def _can_propose(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") in set(PROPOSER_ROLES)


def _district(request: HttpRequest) -> None:
    if scope_of(request.user).level != "district":
        raise PermissionDenied(_("只有区级工作人员可以编辑统一口径。"))


def _form_error(form: PolicyForm | ReasonForm | ProposalForm, exc: UserError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    level = _reader(request)
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    category = category if category in PolicyCategory.values else ""
    retired = request.GET.get("retired") == "1"
    entries = q.policies_for(request.user, q=query, category=category, retired=retired)
    page = Paginator(entries, 20).get_page(request.GET.get("page"))
    for e in page:
        e.hl_question = q.highlight(e.question, query)  # type: ignore[attr-defined]
        e.hl_answer = q.highlight(e.answer, query, around=60)  # type: ignore[attr-defined]
        e.hl_keywords = q.highlight(e.keywords, query)  # type: ignore[attr-defined]
    return render(request, "office/policy_list.html", {
        "page": page, "q": query, "category": category, "categories": PolicyCategory.choices, "retired": retired,
        "level": level, "notices": list(q.policy_notices(request.user)[:10]),
        "can_propose": _can_propose(request),
        "pending": q.proposals_for(request.user, status=ProposalStatus.PENDING).count() if level == "district" else 0,
    })


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    level = _reader(request)
    entry = q.policy_or_404(request.user, pk)
    policy_mark_read(user=request.user, entry=entry)
    return render(request, "office/policy_detail.html", {
        "entry": entry, "versions": list(entry.versions.select_related("author")), "level": level,
        "retire_form": ReasonForm(),
    })


@login_required
def policy_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    _reader(request)
    entry = q.policy_or_404(request.user, pk)
    version = q.policy_version_or_404(entry, number)
    return render(request, "office/policy_version.html", {"entry": entry, "version": version})


@login_required
def policy_new(request: HttpRequest) -> HttpResponse:
    _reader(request)
    _district(request)
    form = PolicyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = policy_create(actor=request.user, **form.cleaned_data)
            except UserError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("统一口径已发布。"))
                return redirect("office:policy", pk=entry.pk)
        status = 422
    return render(request, "office/policy_form.html", {"form": form, "entry": None}, status=status)


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    _district(request)
    entry = q.policy_or_404(request.user, pk)
    initial = {k: getattr(entry, k) for k in ("question", "category", "answer", "keywords", "effective_date")}
    form = PolicyReviseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = policy_revise(actor=request.user, entry=entry, **form.cleaned_data)
            except UserError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("已发布第%(v)s版，看过旧版本的人会收到更新提醒。") % {"v": version.number})
                return redirect("office:policy", pk=entry.pk)
        status = 422
    return render(request, "office/policy_form.html", {"form": form, "entry": entry}, status=status)


@require_POST
@login_required
def policy_retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    _district(request)
    entry = q.policy_or_404(request.user, pk)
    try:
        policy_retire(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已停用，搜索中不再显示。"))
    return redirect("office:policy", pk=entry.pk)


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    level = _reader(request)
    status = request.GET.get("status", ProposalStatus.PENDING if level == "district" else "")
    page = Paginator(q.proposals_for(request.user, status=status), 30).get_page(request.GET.get("page"))
    can_propose = _can_propose(request)
    form = ProposalForm(request.POST or None) if can_propose else None
    code = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有街镇、居村委工作人员和协同办公人员可以提交问题。"))
        if form.is_valid():
            try:
                proposal_submit(actor=request.user, **form.cleaned_data)
            except UserError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("问题已提交给区防控办，有答复时会通知您。"))
                return redirect("office:proposals")
        code = 422
    return render(request, "office/policy_proposals.html", {
        "page": page, "status": status, "statuses": ProposalStatus.choices, "level": level, "form": form,
    }, status=code)


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    level = _reader(request)
    proposal = q.proposal_or_404(request.user, pk)
    answer_form = PolicyForm(initial={"question": proposal.question})
    decline_form = ReasonForm()
    code = 200
    if request.method == "POST":
        _district(request)
        try:
            if request.POST.get("action") == "decline":
                decline_form = ReasonForm(request.POST)
                if decline_form.is_valid():
                    proposal_decline(actor=request.user, proposal=proposal, reason=decline_form.cleaned_data["reason"])
                    messages.success(request, _("已答复提问人：未采纳。"))
                    return redirect("office:proposals")
            else:
                answer_form = PolicyForm(request.POST)
                if answer_form.is_valid():
                    entry = proposal_accept(actor=request.user, proposal=proposal, **answer_form.cleaned_data)
                    messages.success(request, _("已发布统一口径并通知提问人。"))
                    return redirect("office:policy", pk=entry.pk)
        except UserError as exc:
            target = decline_form if request.POST.get("action") == "decline" else answer_form
            _form_error(target, exc)
        code = 422
    return render(request, "office/policy_proposal.html", {
        "proposal": proposal, "level": level, "answer_form": answer_form, "decline_form": decline_form,
    }, status=code)
