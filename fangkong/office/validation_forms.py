"""Checking a form's design (the builder) and the answers people give, with Chinese messages.

The answers arrive as a plain mapping built by the view (``forms_forms.raw_answers``): a string
per simple field, a list for multiple choice, an uploaded file for a file field, a list of row
dicts for a table. ``clean_answers`` returns the stored values and, per field key, the messages
of what is wrong. ID numbers and phones reuse fangkong/booking/identity.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from fangkong.booking.identity import validate_mobile, validate_resident_id

from .models_forms import FieldKind, Prefill

TEXT_MAX = 500
FILE_TYPES_DEFAULT = [".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"]
FILE_MAX_MB_DEFAULT = 10
FILE_MAX_MB_LIMIT = 20
TABLE_MAX_ROWS = 200
# Column kinds of a table field, as the builder writes them ("姓名:文本:必填", "结果:单选(阴性|阳性)").
COLUMN_KINDS = {"文本": FieldKind.TEXT, "数字": FieldKind.NUMBER, "日期": FieldKind.DATE, "身份证": FieldKind.ID_NUMBER,
                "身份证号": FieldKind.ID_NUMBER, "手机": FieldKind.PHONE, "手机号": FieldKind.PHONE, "单选": FieldKind.CHOICE}
NUMERIC_PREFILLS = {Prefill.TOWN_COMMITTEES, Prefill.UNIT_PEOPLE}
PHONE_PREFILLS = {Prefill.UNIT_HEAD_PHONE, Prefill.PERSON_PHONE}


@dataclass
class FieldSpec:
    """A question as the publisher designs it (before it is saved as a ``FormField``)."""

    label: str
    kind: str
    required: bool = False
    help_text: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    prefill: str = ""


@dataclass
class Question:
    """What validation needs of a field or a table column."""

    key: str
    label: str
    kind: str
    required: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def parse_columns(text: str) -> list[dict[str, Any]]:
    """Table columns, one per line: ``名称[:类型][:必填]``; 单选 takes its options in brackets."""
    columns: list[dict[str, Any]] = []
    for n, line in enumerate((x.strip() for x in text.splitlines() if x.strip()), start=1):
        parts = [p.strip() for p in re.split(r"[:：]", line)]
        label, kind_text = parts[0], (parts[1] if len(parts) > 1 and parts[1] else "文本")
        choices: list[str] = []
        match = re.fullmatch(r"(\S+?)[(（](.*)[)）]", kind_text)
        if match:
            kind_text, choices = match.group(1), [c.strip() for c in re.split(r"[|｜/、]", match.group(2)) if c.strip()]
        if not label:
            raise ValidationError(_("第%(n)s列没有名称。") % {"n": n})
        if kind_text not in COLUMN_KINDS:
            raise ValidationError(_("第%(n)s列“%(label)s”的类型“%(kind)s”不支持，可用：文本、数字、日期、身份证、手机、单选(选项|选项)。")
                                  % {"n": n, "label": label, "kind": kind_text})
        kind = COLUMN_KINDS[kind_text]
        if kind == FieldKind.CHOICE and not choices:
            raise ValidationError(_("第%(n)s列“%(label)s”是单选，请在括号里写选项，例如 单选(是|否)。") % {"n": n, "label": label})
        required = any(p == "必填" for p in parts[2:])
        columns.append({"key": f"c{n}", "label": label, "kind": str(kind), "required": required, "choices": choices})
    return columns


def check_spec(spec: FieldSpec) -> list[str]:
    """The builder's messages for one question (empty when it is fine)."""
    errors: list[str] = []
    if not spec.label.strip():
        errors.append(_("请填写题目。"))
    if spec.kind not in FieldKind.values:
        errors.append(_("请选择题目类型。"))
        return errors
    low, high = spec.options.get("min"), spec.options.get("max")
    if low is not None and high is not None and low > high:
        errors.append(_("最小值不能大于最大值。"))
    if spec.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        choices = spec.options.get("choices") or []
        if len(choices) < 2:
            errors.append(_("单选和多选题至少要有两个选项（每行一个）。"))
        elif len(set(choices)) != len(choices):
            errors.append(_("选项不能重复。"))
    if spec.kind == FieldKind.TABLE and not spec.options.get("columns"):
        errors.append(_("表格题请至少定义一列（每行一列，例如 姓名:文本:必填）。"))
    if spec.kind == FieldKind.FILE:
        mb = spec.options.get("max_mb", FILE_MAX_MB_DEFAULT)
        if not 0 < mb <= FILE_MAX_MB_LIMIT:
            errors.append(_("文件大小上限应在1到%(mb)sMB之间。") % {"mb": FILE_MAX_MB_LIMIT})
    if spec.prefill:
        fits = (
            (spec.prefill in NUMERIC_PREFILLS and spec.kind == FieldKind.NUMBER)
            or (spec.prefill in PHONE_PREFILLS and spec.kind in (FieldKind.PHONE, FieldKind.TEXT))
            or (spec.prefill not in NUMERIC_PREFILLS | PHONE_PREFILLS and spec.kind == FieldKind.TEXT)
        )
        if spec.prefill not in Prefill.values or not fits:
            errors.append(_("“%(prefill)s”不能预填到%(kind)s题。")
                          % {"prefill": Prefill(spec.prefill).label if spec.prefill in Prefill.values else spec.prefill,
                             "kind": FieldKind(spec.kind).label})
    return errors


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _number(q: Question, raw: str) -> int | float:
    text = raw.replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("请填写数字，例如 12 或 3.5。")) from None
    if not value.is_finite():
        raise ValidationError(_("请填写数字，例如 12 或 3.5。"))
    if q.options.get("integer") and value != value.to_integral_value():
        raise ValidationError(_("请填写整数。"))
    low, high = q.options.get("min"), q.options.get("max")
    if low is not None and value < Decimal(str(low)):
        raise ValidationError(_("不能小于%(min)s。") % {"min": _fmt(low)})
    if high is not None and value > Decimal(str(high)):
        raise ValidationError(_("不能大于%(max)s。") % {"max": _fmt(high)})
    return int(value) if value == value.to_integral_value() else float(value)


def _date(q: Question, raw: str) -> str:
    try:
        value = date.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        raise ValidationError(_("请按“年-月-日”填写日期，例如 2026-11-26。")) from None
    low, high = q.options.get("min_date"), q.options.get("max_date")
    if low and value < date.fromisoformat(low):
        raise ValidationError(_("日期不能早于%(d)s。") % {"d": low})
    if high and value > date.fromisoformat(high):
        raise ValidationError(_("日期不能晚于%(d)s。") % {"d": high})
    return value.isoformat()


def _text(q: Question, raw: str) -> str:
    value = raw.strip()
    high = int(q.options.get("max") or TEXT_MAX)
    low = q.options.get("min")
    if len(value) > high:
        raise ValidationError(_("不能超过%(max)s个字（现在%(n)s个）。") % {"max": high, "n": len(value)})
    if low and len(value) < low:
        raise ValidationError(_("至少填写%(min)s个字。") % {"min": int(low)})
    return value


def _choice(q: Question, raw: str) -> str:
    if raw not in (q.options.get("choices") or []):
        raise ValidationError(_("请从给出的选项中选择。"))
    return raw


def _id_number(q: Question, raw: str) -> str:
    return validate_resident_id(raw)


def _phone(q: Question, raw: str) -> str:
    return validate_mobile(raw)


SIMPLE: dict[str, Callable[[Question, str], Any]] = {
    FieldKind.TEXT: _text, FieldKind.NUMBER: _number, FieldKind.DATE: _date, FieldKind.CHOICE: _choice,
    FieldKind.ID_NUMBER: _id_number, FieldKind.PHONE: _phone,
}


def _required_message(kind: str) -> str:
    if kind in (FieldKind.CHOICE, FieldKind.ORG_UNIT):
        return _("此项为必填，请选择。")
    if kind == FieldKind.MULTI:
        return _("此项为必填，请至少选择一项。")
    if kind == FieldKind.FILE:
        return _("此项为必填，请上传文件。")
    if kind == FieldKind.TABLE:
        return _("此项为必填，请至少填写一行。")
    return _("此项为必填。")


def _multi(q: Question, raw: list[str]) -> list[str]:
    choices = q.options.get("choices") or []
    if any(v not in choices for v in raw):
        raise ValidationError(_("请从给出的选项中选择。"))
    low, high = q.options.get("min"), q.options.get("max")
    if low and len(raw) < low:
        raise ValidationError(_("至少选择%(n)s项。") % {"n": int(low)})
    if high and len(raw) > high:
        raise ValidationError(_("最多选择%(n)s项。") % {"n": int(high)})
    return [c for c in choices if c in raw]  # the publisher's order


def check_upload(q: Question, upload: UploadedFile) -> None:
    types = [t.lower() for t in q.options.get("types") or FILE_TYPES_DEFAULT]
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in types:
        raise ValidationError(_("文件类型不支持，只能上传：%(types)s。") % {"types": " ".join(types)})
    mb = q.options.get("max_mb") or FILE_MAX_MB_DEFAULT
    if (upload.size or 0) > mb * 1024 * 1024:
        raise ValidationError(_("文件超过%(mb)sMB，请压缩后再上传。") % {"mb": mb})


def _table(q: Question, rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    columns = [Question(key=c["key"], label=c["label"], kind=c["kind"], required=c.get("required", False),
                        options={"choices": c.get("choices") or []}) for c in q.options.get("columns") or []]
    filled = [r for r in rows if any(str(r.get(c.key, "")).strip() for c in columns)]
    errors: list[str] = []
    high = int(q.options.get("max") or TABLE_MAX_ROWS)
    if len(filled) > high:
        errors.append(_("最多填写%(n)s行。") % {"n": high})
    low = q.options.get("min")
    if low and len(filled) < low:
        errors.append(_("至少填写%(n)s行。") % {"n": int(low)})
    cleaned: list[dict[str, Any]] = []
    for n, row in enumerate(filled, start=1):
        out: dict[str, Any] = {}
        for col in columns:
            raw = str(row.get(col.key, "")).strip()
            if not raw:
                if col.required:
                    errors.append(_("第%(n)s行“%(col)s”：此项为必填。") % {"n": n, "col": col.label})
                out[col.key] = ""
                continue
            try:
                out[col.key] = SIMPLE[col.kind](col, raw)
            except ValidationError as exc:
                errors.append(_("第%(n)s行“%(col)s”：%(msg)s") % {"n": n, "col": col.label, "msg": " ".join(exc.messages)})
        cleaned.append(out)
    return cleaned, errors


def clean_answers(
    questions: list[Question], raw: Mapping[str, Any], *, previous: Mapping[str, Any],
    org_units: Mapping[int, str],
) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, UploadedFile]]:
    """(values to store, messages per key, new uploads per key). A file field without a new upload
    keeps the previous version's file. ``org_units`` are the units one may pick (id → name)."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    uploads: dict[str, UploadedFile] = {}
    for q in questions:
        value = raw.get(q.key)
        try:
            if q.kind == FieldKind.FILE:
                if isinstance(value, UploadedFile):
                    check_upload(q, value)
                    uploads[q.key] = value
                    data[q.key] = None  # set when the file is saved
                elif previous.get(q.key):
                    data[q.key] = previous[q.key]
                elif q.required:
                    raise ValidationError(_required_message(q.kind))
                continue
            if q.kind == FieldKind.TABLE:
                rows, table_errors = _table(q, list(value or []))
                if table_errors:
                    errors[q.key] = table_errors
                elif not rows and q.required:
                    raise ValidationError(_required_message(q.kind))
                data[q.key] = rows
                continue
            if q.kind == FieldKind.MULTI:
                chosen = [str(v) for v in value or [] if str(v)]
                if not chosen and q.required:
                    raise ValidationError(_required_message(q.kind))
                data[q.key] = _multi(q, chosen) if chosen else []
                continue
            text = str(value or "").strip()
            if not text:
                if q.required:
                    raise ValidationError(_required_message(q.kind))
                data[q.key] = ""
                continue
            if q.kind == FieldKind.ORG_UNIT:
                try:
                    unit_id = int(text)
                except ValueError:
                    unit_id = 0
                if unit_id not in org_units:
                    raise ValidationError(_("所选单位不存在或不在可选范围内。"))
                data[q.key] = {"id": unit_id, "name": org_units[unit_id]}
                continue
            data[q.key] = SIMPLE[q.kind](q, text)
        except ValidationError as exc:
            errors[q.key] = list(exc.messages)
    return data, errors, uploads


def display_value(kind: str, value: Any, *, columns: list[dict[str, Any]] | None = None) -> str:
    """An answer as one line of text (results table, export)."""
    if value in (None, "", [], {}):
        return ""
    if kind == FieldKind.MULTI:
        return "、".join(value)
    if kind in (FieldKind.ORG_UNIT, FieldKind.FILE):
        return str(value.get("name", ""))
    if kind == FieldKind.TABLE:
        cols = columns or []
        return "；".join(" ".join(str(row.get(c["key"], "")) for c in cols) for row in value)
    return str(value)
