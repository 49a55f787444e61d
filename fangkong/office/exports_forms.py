"""A form's results as XLSX through the project's ``ListExporter``: one row per assignment in the
user's scope (with the page's filters), one column per question; ID numbers and phones written
as text and masked — also inside table rows — unless the user holds ``orgs.export_unmasked``;
every export audited and watermarked with who, when and which scope."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fangkong.booking.exports import staff_label
from fangkong.core.audit import audit_log
from fangkong.core.exporters import ListExporter, Watermark
from fangkong.core.masking import mask_id_number, mask_name, mask_phone
from fangkong.core.models import ExportJob
from fangkong.orgs.scoping import scope_of

from .models_forms import FieldKind, FillMode, FormAssignment, FormCollection, FormField
from .queries_forms import Filters, unit_label
from .validation_forms import display_value

PERSONAL: dict[str, Callable[[str], str]] = {FieldKind.ID_NUMBER: mask_id_number, FieldKind.PHONE: mask_phone}


def masked_answer(f: FormField, value: Any) -> Any:
    """The answer with ID numbers and phones masked, also in a table's cells."""
    if not value:
        return value
    if f.kind in PERSONAL:
        return PERSONAL[f.kind](str(value))
    if f.kind == FieldKind.TABLE:
        personal = {c["key"]: PERSONAL[c["kind"]] for c in f.columns if c["kind"] in PERSONAL}
        return [{k: personal[k](str(v)) if k in personal and v else v for k, v in row.items()} for row in value]
    return value


class FormExporter(ListExporter):
    sheet_name = "填报结果"

    def __init__(self, *, form: FormCollection, fields: list[FormField], rows: QuerySet[FormAssignment],
                 watermark: Watermark, masked: bool) -> None:
        super().__init__(watermark=watermark, masked=masked)
        self.form, self.fields, self.queryset = form, fields, rows
        self.title = form.title
        self.person_mode = form.mode == FillMode.PERSON
        base = ["序号", "街镇", "单位"] + (["姓名", "手机号"] if self.person_mode else []) + ["状态", "填报人", "提交时间", "版本"]
        self.headers = base + [f.label for f in fields]
        text = {len(base) + i for i, f in enumerate(fields) if f.kind in (FieldKind.ID_NUMBER, FieldKind.PHONE)}
        self.text_columns = frozenset(text | ({4} if self.person_mode else set()))
        self.column_widths = [6, 14, 18] + ([10, 14] if self.person_mode else []) + [8, 10, 17, 6] + [18] * len(fields)

    def _value(self, f: FormField, value: Any) -> Any:
        if self.masked:
            value = masked_answer(f, value)
        if f.kind == FieldKind.NUMBER and isinstance(value, int | float):
            return value
        return display_value(f.kind, value, columns=f.columns)

    def rows(self) -> Iterator[Sequence[Any]]:
        for n, a in enumerate(self.queryset.iterator(chunk_size=2000), start=1):
            town_unit = unit_label(a).split(" · ", 1)
            town, unit = (town_unit[0], town_unit[1]) if len(town_unit) == 2 else ("", town_unit[0])
            person = []
            if self.person_mode:
                name, phone = (a.person.name, a.person.phone) if a.person else ("", "")
                person = [mask_name(name) if self.masked else name, mask_phone(phone) if self.masked and phone else phone]
            filler = mask_name(a.filler_name) if self.masked and a.filler_name else a.filler_name
            yield [n, town, unit, *person, "已填" if a.submitted_at else "未填", filler, a.updated_at,
                   a.version or "", *[self._value(f, a.data.get(f.key)) for f in self.fields]]


def _scope_label(actor: Any) -> str:
    return str(actor.town) if scope_of(actor).level == "town" else str(actor.district)


def build_form_exporter(*, actor: Any, form: FormCollection, fields: list[FormField],
                        rows: QuerySet[FormAssignment], at: datetime) -> FormExporter:
    masked = not actor.has_perm("orgs.export_unmasked")
    return FormExporter(form=form, fields=fields, rows=rows, masked=masked,
                        watermark=Watermark(exporter=staff_label(actor), at=at, scope=_scope_label(actor)))


@dataclass
class FormExportPlan:
    """The file (``content``) when it was small enough to write in the request, else the job."""

    name: str
    content: bytes | None = None
    job: ExportJob | None = None


def form_export(*, actor: Any, form: FormCollection, fields: list[FormField], rows: QuerySet[FormAssignment],
                filters: Filters) -> FormExportPlan:
    """Audit, then write the workbook in the request — or, above ``EXPORT_SYNC_MAX_ROWS`` rows
    (a person-mode form reaches every cadre: 80,000 rows), queue it for the worker like the
    booking exports (progress page ``desk:export_job``, only the requester downloads)."""
    now = timezone.now()
    scope = scope_of(actor)
    name = f"{form.title}_填报结果_{_scope_label(actor)}_{timezone.localtime(now):%Y%m%d}.xlsx"
    masked = not actor.has_perm("orgs.export_unmasked")
    total = rows.count()
    background = total > settings.EXPORT_SYNC_MAX_ROWS
    with transaction.atomic():
        audit_log(actor=actor, action="export", object_type="form", object_id=form.pk, district_id=form.district_id,
                  town_id=scope.town_id, detail={"kind": "form_results", "rows": total, "masked": masked, "file": name,
                                                 "filters": asdict(filters), "background": background})
        if background:
            from .tasks import form_export_run

            job = ExportJob.objects.create(owner=actor, kind="form_results", file_name=name, total=total,
                                           scope_label=_scope_label(actor),
                                           params={"form": form.pk, "filters": asdict(filters), "at": now.isoformat()})
            form_export_run.enqueue(job.pk)
            return FormExportPlan(name, job=job)
    buffer = io.BytesIO()
    build_form_exporter(actor=actor, form=form, fields=fields, rows=rows, at=now).write_xlsx(buffer)
    return FormExportPlan(name, content=buffer.getvalue())
