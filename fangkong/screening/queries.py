"""Reads of screening: work-order lists and details, observation checks, runs and their funnel.

Everything starts from ``visible_to(user)``: a town sees its orders, a committee its own, the
district all of them; anything else is a 404.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.masking import mask_id_number, mask_name, mask_phone
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import committees_in_scope, scope_of

from .models import (
    OPEN_STATUSES,
    CheckStatus,
    ObservationCheck,
    OrderEvent,
    OrderStatus,
    ScreeningRun,
    WorkOrder,
)

SOURCE_LABELS = {"checkpoint": gettext_lazy("道口登记"), "rail": gettext_lazy("铁路到达"),
                 "healthcloud": gettext_lazy("健康云"), "hotline": gettext_lazy("12345热线")}
IDENTIFICATION_LABELS = {"matched": gettext_lazy("匹配到房屋"), "committee_only": gettext_lazy("仅到居村委"),
                         "review": gettext_lazy("待人工确认"), "outside": gettext_lazy("不在本区"),
                         "no_address": gettext_lazy("无地址")}
RULE_LABELS = {"R1": gettext_lazy("重点地区来沪"), "R2": gettext_lazy("有症状"), "R3": gettext_lazy("12345疫情诉求")}


def orders_for(user: Any, *, status: str = "", order_type: str = "", committee_id: int | None = None,
               overdue: bool = False, search: str = "", day: date | None = None, town_id: int | None = None,
               accepted: bool = False) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.visible_to(user).select_related("town", "committee")
    if day is not None:
        orders = orders.filter(as_of=day)
    if town_id:
        orders = orders.filter(town_id=town_id)
    if accepted:  # the dashboard's 已签收: accepted at some point, whatever the state now
        orders = orders.filter(accept_seconds__isnull=False)
    if status == "open":
        orders = orders.filter(status__in=OPEN_STATUSES)
    elif status in OrderStatus.values:
        orders = orders.filter(status=status)
    if order_type:
        orders = orders.filter(order_type=order_type)
    if committee_id:
        orders = orders.filter(committee_id=committee_id)
    if overdue:
        now = timezone.now()
        orders = orders.filter(
            Q(status__in=[OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT], accept_due__lt=now)
            | Q(status__in=OPEN_STATUSES, result_due__lt=now))
    search = search.strip()
    if search:
        match = Q(order_id__icontains=search) | Q(address_label__icontains=search) | Q(name=search)
        if search.isdigit() and len(search) >= 4:
            match |= Q(phone__endswith=search)
        orders = orders.filter(match)
    return orders


def status_counts(user: Any) -> dict[str, int]:
    rows = WorkOrder.objects.visible_to(user).order_by().values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    counts["open"] = sum(counts.get(s, 0) for s in OPEN_STATUSES)
    return counts


def handling_times(user: Any) -> list[dict[str, Any]]:
    """Per committee in the user's scope: open and overdue orders, and the mean minutes from an
    order's creation to acceptance, to the door and to closing (one grouped query)."""
    now = timezone.now()
    late = (Q(status__in=[OrderStatus.PENDING_DISPATCH, OrderStatus.PENDING_ACCEPT], accept_due__lt=now)
            | Q(status__in=OPEN_STATUSES, result_due__lt=now))
    rows = (WorkOrder.objects.visible_to(user).filter(committee__isnull=False).order_by()
            .values("committee_id", "committee__name")
            .annotate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
                      overdue=Count("id", filter=late), accept=Avg("accept_seconds"), door=Avg("door_seconds"),
                      close=Avg("close_seconds"))
            .order_by("-overdue", "-open", "committee__name"))
    def minutes(seconds: float | None) -> int | None:
        return None if seconds is None else round(seconds / 60)

    return [{"committee_id": r["committee_id"], "committee": r["committee__name"], "total": r["total"],
             "open": r["open"], "overdue": r["overdue"], "accept": minutes(r["accept"]), "door": minutes(r["door"]),
             "close": minutes(r["close"])} for r in rows]


def order_or_404(user: Any, pk: int) -> WorkOrder:
    order = WorkOrder.objects.visible_to(user).select_related("town", "committee", "district").filter(pk=pk).first()
    if order is None:
        raise Http404(_("没有找到该工单"))
    return order


def orders_by_ids(user: Any, ids: list[int]) -> list[WorkOrder]:
    """The selected rows of a bulk action, as far as the user may see them, in id order."""
    return list(WorkOrder.objects.visible_to(user).filter(pk__in=ids).order_by("pk"))


def order_events(order: WorkOrder) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor").all()


PERSONAL_FIELDS = {"姓名": mask_name, "证件号码": mask_id_number, "身份证号": mask_id_number,
                   "手机号码": mask_phone, "手机号": mask_phone, "来电号码": mask_phone}


def order_explanation(order: WorkOrder, *, unmasked: bool = False) -> dict[str, Any]:
    """Rules fired (with the pipeline's sentence) and the source records behind them, in Chinese;
    names, ID numbers and phones in the records masked unless ``unmasked``."""
    exp = order.explanation if isinstance(order.explanation, dict) else {}
    rules = [{"rule": r.get("rule", ""), "label": RULE_LABELS.get(r.get("rule", ""), r.get("rule", "")),
              "text": r.get("text", "")} for r in exp.get("rules", []) if isinstance(r, dict)]
    if not rules:
        rules = [{"rule": r, "label": RULE_LABELS.get(r, r), "text": ""} for r in order.rule_list]
    records = []
    for rec in exp.get("records", []):
        if not isinstance(rec, dict):
            continue
        source = str(rec.get("source", ""))
        raw = rec.get("fields")
        fields: dict[str, Any] = raw if isinstance(raw, dict) else {}
        records.append({"id": rec.get("record_id", ""), "source": SOURCE_LABELS.get(source, source),
                        "time": rec.get("time", ""),
                        "fields": [(k, v if unmasked or k not in PERSONAL_FIELDS else PERSONAL_FIELDS[k](str(v)))
                                   for k, v in fields.items()]})
    if not records:
        records = [{"id": r, "source": SOURCE_LABELS.get(r.split(":")[0], _("12345热线")), "time": "", "fields": []}
                   for r in order.source_record_ids.split(";") if r]
    return {"rules": rules, "records": records, "address": str(exp.get("address") or "")}


def route_targets(user: Any) -> QuerySet[Committee]:
    return committees_in_scope(user).order_by("town__code", "code")


def route_towns(user: Any) -> QuerySet[Town]:
    scope = scope_of(user)
    if scope.level != "district" or scope.district_id is None:
        return Town.objects.none()
    return Town.objects.filter(district_id=scope.district_id)


def checks_today(user: Any) -> QuerySet[ObservationCheck]:
    return (ObservationCheck.objects.visible_to(user)
            .filter(day=timezone.localdate(), status=CheckStatus.PENDING)
            .select_related("observation__order"))


def check_or_404(user: Any, pk: int) -> ObservationCheck:
    check = ObservationCheck.objects.visible_to(user).select_related("observation").filter(pk=pk).first()
    if check is None:
        raise Http404(_("没有找到该观察记录"))
    return check


def runs_for(user: Any) -> QuerySet[ScreeningRun]:
    return ScreeningRun.objects.visible_to(user).select_related("created_by")


def run_or_404(user: Any, pk: int) -> ScreeningRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise Http404(_("没有找到该筛查批次"))
    return run


def run_funnel(run: ScreeningRun) -> list[tuple[str, int | None]]:
    """records → people → key people → orders (the pipeline's) → accepted → closed (the day's orders now)."""
    s = run.summary or {}
    done = WorkOrder.objects.filter(district=run.district, as_of=run.as_of).aggregate(
        accepted=Count("id", filter=Q(accept_seconds__isnull=False)),
        closed=Count("id", filter=Q(status=OrderStatus.CLOSED)))
    return [
        (_("源记录"), s.get("records")), (_("人员"), s.get("people")), (_("重点人员"), s.get("key_people")),
        (_("工单"), s.get("orders")), (_("已签收"), done["accepted"]), (_("已办结"), done["closed"]),
    ]


def rule_precision(run: ScreeningRun) -> list[dict[str, Any]]:
    """Per rule, the day's orders that fired it, those staff marked false positive, and the
    precision so far (1 − false positives / orders)."""
    rows = (WorkOrder.objects.filter(district=run.district, as_of=run.as_of).order_by()
            .values_list("rules", "false_positive"))
    stats: dict[str, list[int]] = {}
    for rules, false_positive in rows:
        for rule in (r for r in rules.split(";") if r):
            entry = stats.setdefault(rule, [0, 0])
            entry[0] += 1
            entry[1] += int(false_positive)
    return [{"rule": rule, "label": RULE_LABELS.get(rule, rule), "orders": n, "false_positives": fp,
             "precision": (n - fp) / n if n else None} for rule, (n, fp) in sorted(stats.items())]


# Field names of the pipeline's quality examples (raw source columns or its own names) that hold
# a person's name, ID number or phone; other values are scanned for ID-like and phone-like runs.
_EXAMPLE_MASKS = {**PERSONAL_FIELDS, "name": mask_name, "id_number": mask_id_number, "phone": mask_phone,
                  "id": mask_id_number}
_ID_OR_PHONE = re.compile(r"(?<![0-9０-９])[0-9０-９][0-9０-９xX\s\-]{9,22}[0-9０-９xX](?![0-9０-９])")


def _mask_digits(match: re.Match[str]) -> str:
    """15–19 characters: an ID number (perhaps mistyped); 1 and ten digits (after 86): a phone;
    anything else (dates such as 202002082010) stays."""
    raw = match.group(0)
    digits = unicodedata.normalize("NFKC", re.sub(r"[\s\-]", "", raw))
    if 15 <= len(digits) <= 19:
        return mask_id_number(digits)
    if re.fullmatch(r"(?:86)?1[0-9]{10}", digits):
        return mask_phone(digits)
    return raw


def mask_example(example: dict[str, Any]) -> dict[str, Any]:
    """A quality example with its personal values masked: by field name (姓名, 证件号码, 手机号…),
    and any ID-number or phone-like run of digits in other values and in the message."""
    field, value = str(example.get("field") or ""), "" if example.get("value") is None else str(example["value"])
    masker = _EXAMPLE_MASKS.get(field)
    masked = masker(value) if masker else _ID_OR_PHONE.sub(_mask_digits, value)
    return {**example, "value": masked, "message": _ID_OR_PHONE.sub(_mask_digits, str(example.get("message") or ""))}


def run_quality(run: ScreeningRun, *, unmasked: bool = False) -> list[dict[str, Any]]:
    """Per source: rows, kept, and each kind of problem with its count and examples (personal
    values masked unless ``unmasked``)."""
    out = []
    for name, data in (run.quality.get("sources") or {}).items():
        if not isinstance(data, dict):
            continue
        problems = []
        for kind, p in (data.get("problems") or {}).items():
            if not isinstance(p, dict):
                continue
            examples = [e if unmasked else mask_example(e) for e in p.get("examples", []) if isinstance(e, dict)][:3]
            problems.append({"kind": kind, "count": p.get("count", 0), "examples": examples,
                             "label": str(examples[0].get("message", "")) if examples else ""})
        found = (run.quality.get("identification") or {}).get(name) or {}
        out.append({"name": SOURCE_LABELS.get(name, name), "rows": data.get("rows"), "kept": data.get("kept"),
                    "problems": sorted(problems, key=lambda p: -int(p["count"] or 0)),
                    "identification": [(IDENTIFICATION_LABELS.get(k, k), v) for k, v in found.items()]})
    return out
