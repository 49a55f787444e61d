"""A round's one-click exports (通知购买, 全表, 待定购买, 领取名单) for a committee, a town or the district.

Rows are always read through ``Booking.objects.visible_to(user)`` with ``values_list`` and
``iterator(chunk_size=…)`` (a server-side cursor on PostgreSQL), so a district-wide table of a
million bookings is streamed, never loaded. Personal data is masked unless the user holds
``orgs.export_unmasked``. ``export_request`` audits every export and decides whether it is
small enough to stream now or goes to the worker as an ``ExportJob``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import F, Func, Value
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import audit_log
from fangkong.core.exporters import ListExporter, Watermark
from fangkong.core.masking import mask_id_number, mask_name, mask_phone
from fangkong.core.models import ExportJob
from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import committees_in_scope, scope_of, towns_in_scope

from .models import Booking, BookingStatus, DecisionReason, IdType, Round

CHUNK_SIZE = 2000


class ExportKind(models.TextChoices):
    NOTIFIED = "notified", _("通知购买")
    FULL = "full", _("全表")
    ON_HOLD = "on_hold", _("待定购买")
    REDEEMED = "redeemed", _("领取名单")


# Sheet names and file names stay Chinese whatever the interface language: the files go to
# offices that file them by these names.
KIND_TITLE = {
    ExportKind.NOTIFIED: "通知购买导出",
    ExportKind.FULL: "全表导出",
    ExportKind.ON_HOLD: "待定购买",
    ExportKind.REDEEMED: "领取名单",
}
KIND_SHEET = {
    ExportKind.NOTIFIED: "通知购买",
    ExportKind.FULL: "全表",
    ExportKind.ON_HOLD: "待定购买",
    ExportKind.REDEEMED: "领取名单",
}
KIND_STATUSES: dict[str, tuple[str, ...] | None] = {
    ExportKind.NOTIFIED: (BookingStatus.APPROVED, BookingStatus.NOTIFIED),
    ExportKind.FULL: None,
    ExportKind.ON_HOLD: (BookingStatus.ON_HOLD,),
    ExportKind.REDEEMED: (BookingStatus.REDEEMED,),
}
FORMATS = ("xlsx", "csv")

HEADERS = (
    "序号", "预约编号", "姓名", "证件类型", "证件号码", "手机号", "地址", "小区", "居委会", "街镇",
    "家庭人数", "数量", "状态", "登记时间", "审核人", "审核时间", "原因",
)
FIELDS = (
    "booking_no", "name", "id_type", "id_number", "phone", "address_text", "compound",
    "committee__name", "town__name", "household_size", "quantity", "status", "created_at",
    "reviewed_by__display_name", "reviewed_by__username", "reviewed_at",
    "decision_reason_code", "decision_note",
)
# Timestamps the export shows as local "YYYY-MM-DD HH:MM" text.
TIME_FIELDS = ("created_at", "reviewed_at")
STATUS_LABEL = {s.value: str(s.label) for s in BookingStatus}
ID_TYPE_LABEL = {s.value: str(s.label) for s in IdType}
REASON_LABEL = {s.value: str(s.label) for s in DecisionReason}


@dataclass(frozen=True)
class ExportScope:
    """Which bookings: one committee, one town, or the user's whole district."""

    level: str  # "committee", "town" or "district"
    label: str
    committee_id: int | None = None
    town_id: int | None = None
    district_id: int | None = None

    def as_params(self) -> dict[str, Any]:
        return {"committee": self.committee_id, "town": self.town_id}


def export_scope(user: Any, *, committee_id: int | None = None, town_id: int | None = None) -> ExportScope | None:
    """The scope asked for, if the user may export it (``None``: answer 404).

    No parameter means the user's own scope. A committee must be among the user's
    committees; a town must be the user's own (town officer) or in her district.
    """
    scope = scope_of(user)
    if scope.is_none or scope.district_id is None:
        return None
    if committee_id is not None:
        committee = committees_in_scope(user).filter(pk=committee_id).first()
        if committee is None:
            return None
        return ExportScope("committee", committee.name, committee.pk, committee.town_id, committee.district_id)
    if town_id is not None:
        town = towns_in_scope(user).filter(pk=town_id).first()
        if town is None:
            return None
        return ExportScope("town", town.name, None, town.pk, town.district_id)
    if scope.level == "committee" and scope.committee_id is not None:
        committee = Committee.objects.get(pk=scope.committee_id)
        return ExportScope("committee", committee.name, committee.pk, committee.town_id, committee.district_id)
    if scope.level == "town" and scope.town_id is not None:
        town = Town.objects.get(pk=scope.town_id)
        return ExportScope("town", town.name, None, town.pk, town.district_id)
    district = District.objects.get(pk=scope.district_id)
    return ExportScope("district", district.name, None, None, district.pk)


def export_queryset(user: Any, round_: Round, kind: str, scope: ExportScope) -> models.QuerySet[Booking]:
    qs = Booking.objects.visible_to(user).filter(round=round_)
    if scope.committee_id is not None:
        qs = qs.filter(committee_id=scope.committee_id)
    elif scope.town_id is not None:
        qs = qs.filter(town_id=scope.town_id)
    statuses = KIND_STATUSES[kind]
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs


def file_name(round_: Round, kind: str, scope: ExportScope, *, fmt: str = "xlsx", at: datetime | None = None) -> str:
    """``口罩第二轮通知购买导出_齐河第二社区_20261125.xlsx``"""
    day = timezone.localtime(at or timezone.now()).strftime("%Y%m%d")
    round_name = round_.name.replace(" · ", "").replace(" ", "")
    return f"{round_name}{KIND_TITLE[ExportKind(kind)]}_{scope.label}_{day}.{fmt}"


def staff_label(user: Any) -> str:
    name = getattr(user, "display_name", "") or ""
    return f"{name}（{user.username}）" if name and name != user.username else user.username


class BookingExporter(ListExporter):
    headers: Sequence[str] = HEADERS
    # 序号 is a number; 预约编号, 证件号码 and 手机号 are text (already str; listed for clarity).
    text_columns = frozenset({1, 4, 5})
    column_widths: Sequence[int] = (7, 20, 10, 12, 22, 15, 36, 16, 16, 14, 9, 6, 9, 17, 14, 17, 24)

    extra_fields: tuple[str, ...] = ()

    def __init__(self, *, queryset: models.QuerySet[Booking], kind: str, title: str, watermark: Watermark, masked: bool) -> None:
        super().__init__(watermark=watermark, masked=masked)
        self.queryset = queryset
        self.sheet_name = KIND_SHEET[ExportKind(kind)]
        self.title = title

    def rows(self) -> Iterator[Sequence[Any]]:
        masked = self.masked
        rows = (
            self.queryset.order_by("town_id", "committee_id", "seq", "pk")
            .values_list(*self._columns(FIELDS), *self._columns(self.extra_fields))
            .iterator(chunk_size=CHUNK_SIZE)
        )
        base = len(FIELDS)
        for index, row in enumerate(rows, start=1):
            (
                booking_no, name, id_type, id_number, phone, address, compound, committee, town,
                household, quantity, status, created_at, reviewer_name, reviewer_username, reviewed_at,
                reason_code, note,
            ) = row[:base]
            reason = REASON_LABEL.get(reason_code, "") if reason_code else ""
            if note:
                reason = f"{reason}：{note}" if reason else note
            yield (
                index,
                booking_no,
                mask_name(name) if masked else name,
                ID_TYPE_LABEL.get(id_type, id_type),
                mask_id_number(id_number) if masked else id_number,
                mask_phone(phone) if masked else phone,
                address,
                compound,
                committee or "地址待核实",
                town,
                household,
                quantity,
                STATUS_LABEL.get(status, status),
                created_at,
                reviewer_name or reviewer_username or "",
                reviewed_at,
                reason,
                *row[base:],
            )

    def _columns(self, fields: Sequence[str]) -> list[Any]:
        """The fields to read; on PostgreSQL timestamps come back already as local text.

        Loading a timestamptz into an aware datetime (Django's loader is Python) and
        formatting it again cost ~5 µs of CPU a cell, over a quarter of a million-row
        export's; ``to_char`` in the database costs a fraction of that. Other databases get
        datetimes, which ``ListExporter`` formats the same way."""
        if connections[self.queryset.db].vendor != "postgresql":
            return list(fields)
        tz = timezone.get_current_timezone_name()
        return [local_minute(f, tz) if f in TIME_FIELDS or f.endswith("redeemed_at") else f for f in fields]


def local_minute(field: str, tz: str) -> Func:
    """PostgreSQL: ``to_char(timezone('Asia/Shanghai', field), 'YYYY-MM-DD HH24:MI')``."""
    local = Func(Value(tz), F(field), function="timezone", output_field=models.DateTimeField())
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=models.CharField())


class RedemptionExporter(BookingExporter):
    """领取名单: the booking columns plus the voucher (fangkong.pickup): code, point, when and where
    it was redeemed. The code is no personal data (it is useless without the clerk's account)."""

    headers = (*HEADERS, "领取码", "领取点", "领取时间", "实际领取点")
    text_columns = frozenset({1, 4, 5, len(HEADERS)})
    column_widths = (*BookingExporter.column_widths, 11, 22, 17, 22)
    extra_fields = ("voucher__code", "voucher__point__name", "voucher__redeemed_at", "voucher__redeemed_point__name")


@dataclass
class ExportPlan:
    """What ``export_request`` decided: stream ``exporter`` now, or wait for ``job``."""

    file_name: str
    fmt: str
    rows: int
    exporter: BookingExporter | None = None
    job: ExportJob | None = None


def build_exporter(
    *, user: Any, round_: Round, kind: str, scope: ExportScope, at: datetime | None = None
) -> BookingExporter:
    masked = not user.has_perm("orgs.export_unmasked")
    name = file_name(round_, kind, scope, at=at)
    exporter = RedemptionExporter if kind == ExportKind.REDEEMED else BookingExporter
    return exporter(
        queryset=export_queryset(user, round_, kind, scope),
        kind=kind,
        title=name.rsplit(".", 1)[0],
        watermark=Watermark(exporter=staff_label(user), at=at or timezone.now(), scope=scope.label),
        masked=masked,
    )


@transaction.atomic
def export_request(
    *, actor: Any, round_: Round, kind: str, scope: ExportScope, fmt: str = "xlsx", request: HttpRequest | None = None
) -> ExportPlan:
    """Count, audit, and either hand back an exporter to stream or queue a background job.

    The audit row, the job and its task are written in one transaction: a job exists only if
    its export was audited, and the worker never sees a job that did not commit.
    """
    if kind not in ExportKind.values or fmt not in FORMATS:
        raise ValueError(kind)
    now = timezone.now()
    exporter = build_exporter(user=actor, round_=round_, kind=kind, scope=scope, at=now)
    rows = exporter.queryset.count()
    name = file_name(round_, kind, scope, fmt=fmt, at=now)
    background = rows > settings.EXPORT_SYNC_MAX_ROWS
    audit_log(
        actor=actor,
        action="export",
        object_type="round",
        object_id=round_.pk,
        district_id=scope.district_id,
        town_id=scope.town_id,
        committee_id=scope.committee_id,
        request=request,
        detail={
            "kind": kind, "round": round_.pk, "scope": scope.label, "scope_level": scope.level,
            "rows": rows, "masked": exporter.masked, "format": fmt, "file": name, "background": background,
        },
    )
    if not background:
        return ExportPlan(file_name=name, fmt=fmt, rows=rows, exporter=exporter)
    from .tasks import export_run

    job = ExportJob.objects.create(
        owner=actor,
        kind=kind,
        params={"round": round_.pk, "kind": kind, "format": fmt, "at": now.isoformat(), **scope.as_params()},
        scope_label=scope.label,
        file_name=name,
        total=rows,
    )
    export_run.enqueue(job.pk)
    return ExportPlan(file_name=name, fmt=fmt, rows=rows, job=job)
