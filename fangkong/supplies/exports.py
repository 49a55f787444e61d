"""Supply requests as XLSX through the project's ``ListExporter``: one row per request line in the
user's scope (with the list page's filters); audited and watermarked with who, when and scope.
No personal data beyond the requesting officer's display name."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.booking.exports import staff_label
from fangkong.core.audit import audit_log
from fangkong.core.exporters import ListExporter, Watermark
from fangkong.orgs.scoping import scope_of

from .models import SupplyRequest


class RequestExporter(ListExporter):
    sheet_name = "物资申请"
    title = "物资申请"
    headers = ("申请编号", "街镇", "申请单位", "紧急程度", "状态", "申请时间", "物资", "单位",
               "申请数量", "批准数量", "发出数量", "实收数量", "短缺", "申请理由", "驳回理由", "短缺说明")
    text_columns = frozenset({0})
    column_widths = (11, 14, 18, 8, 10, 17, 10, 6, 9, 9, 9, 9, 6, 30, 20, 20)

    def __init__(self, *, rows: QuerySet[SupplyRequest], watermark: Watermark) -> None:
        super().__init__(watermark=watermark, masked=False)
        self.queryset = rows

    def rows(self) -> Iterator[Sequence[Any]]:
        for r in self.queryset:
            unit = r.committee.name if r.committee else f"{r.town.name}（街镇）"
            for line in r.lines.all():
                yield [r.number, r.town.name, unit, r.get_urgency_display(), r.get_status_display(), r.created_at,
                       line.item.name, line.item.unit, line.requested, line.approved, line.sent, line.received,
                       line.shortfall or None, r.reason, r.reject_reason, r.shortfall_note]


def requests_export(*, actor: Any, rows: QuerySet[SupplyRequest], filters: dict[str, Any]) -> tuple[str, bytes]:
    now = timezone.now()
    scope = scope_of(actor)
    label = {"district": actor.district, "town": actor.town, "committee": actor.committee}.get(scope.level)
    exporter = RequestExporter(rows=rows, watermark=Watermark(exporter=staff_label(actor), at=now, scope=str(label)))
    buffer = io.BytesIO()
    count = exporter.write_xlsx(buffer)
    name = f"物资申请_{label}_{timezone.localtime(now):%Y%m%d}.xlsx"
    audit_log(actor=actor, action="export", object_type="supply_request", district_id=scope.district_id,
              town_id=scope.town_id, committee_id=scope.committee_id,
              detail={"kind": "supply_requests", "rows": count, "file": name, "filters": filters})
    return name, buffer.getvalue()
