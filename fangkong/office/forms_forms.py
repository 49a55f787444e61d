"""Django forms of form collection: the builder (the directive's targeting form plus the fill
mode, open period and a formset of questions) and reading a filler's answers from the request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from .forms import DirectiveForm
from .models_forms import FieldKind, FillMode, FormField, Prefill
from .validation_forms import FILE_MAX_MB_DEFAULT, FieldSpec, parse_columns

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
BLANK_TABLE_ROWS = 3


class FormPublishForm(DirectiveForm):
    """Title, description and the same 发送范围 as a directive; plus how it is filled and when."""

    title = forms.CharField(label=_("表单名称"), max_length=90)
    body = forms.CharField(label=_("填写说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    mode = forms.ChoiceField(label=_("填写方式"), choices=FillMode.choices, initial=FillMode.UNIT, widget=forms.RadioSelect)
    opens_at = forms.DateTimeField(label=_("开始时间（可选，默认立即）"), required=False, widget=DATETIME_WIDGET,
                                   input_formats=DATETIME_FORMATS)
    deadline = forms.DateTimeField(label=_("截止时间"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS,
                                   error_messages={"required": _("请填写截止时间。"), "invalid": _("请填写有效的截止时间。")})

    field_order = ["title", "body", "mode", "priority", "opens_at", "deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["reply"]
        self.fields["title"].error_messages["required"] = _("请填写表单名称。")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, deadline = data.get("opens_at"), data.get("deadline")
        if opens and deadline and opens >= deadline:
            self.add_error("opens_at", _("开始时间必须早于截止时间。"))
        return data


class FieldSpecForm(forms.Form):
    label = forms.CharField(label=_("题目"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=FieldKind.choices, initial=FieldKind.TEXT)
    required = forms.BooleanField(label=_("必填"), required=False)
    help_text = forms.CharField(label=_("说明"), max_length=200, required=False)
    choices = forms.CharField(
        label=_("选项 / 表格列（每行一个）"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "单选/多选：每行一个选项\n表格：姓名:文本:必填"}),
    )
    min_value = forms.DecimalField(label=_("最小"), required=False)
    max_value = forms.DecimalField(label=_("最大"), required=False)
    max_mb = forms.IntegerField(label=_("文件上限MB"), required=False, min_value=1, max_value=20)
    prefill = forms.ChoiceField(label=_("预填"), choices=Prefill.choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("label") and data.get("kind") == FieldKind.TABLE:
            try:
                data["columns"] = parse_columns(data.get("choices") or "")
            except ValidationError as exc:
                self.add_error("choices", exc)
        return data

    def spec(self) -> FieldSpec | None:
        d = self.cleaned_data
        if not d.get("label"):
            return None
        kind = d["kind"]
        options: dict[str, Any] = {}
        low, high = d.get("min_value"), d.get("max_value")
        if low is not None:
            options["min"] = int(low) if low == int(low) else float(low)
        if high is not None:
            options["max"] = int(high) if high == int(high) else float(high)
        lines = [x.strip() for x in (d.get("choices") or "").splitlines() if x.strip()]
        if kind in (FieldKind.CHOICE, FieldKind.MULTI):
            options["choices"] = lines
        if kind == FieldKind.TABLE:
            options["columns"] = d.get("columns") or []
        if kind == FieldKind.FILE:
            options["max_mb"] = d.get("max_mb") or FILE_MAX_MB_DEFAULT
        return FieldSpec(label=d["label"], kind=kind, required=bool(d.get("required")),
                         help_text=d.get("help_text") or "", options=options, prefill=d.get("prefill") or "")


class BaseFieldFormSet(forms.BaseFormSet):
    def specs(self) -> list[FieldSpec]:
        """The filled-in questions in the publisher's order (the 序号 column, then as listed)."""
        ordered = sorted(
            (f for f in self.forms if f.is_valid() and not f.cleaned_data.get("DELETE")),
            key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0),
        )
        return [s for s in (f.spec() for f in ordered) if s is not None]


FieldFormSet = cast(type[BaseFieldFormSet], forms.formset_factory(
    FieldSpecForm, formset=BaseFieldFormSet, extra=4, can_order=True, can_delete=True, max_num=60))


def raw_answers(fields: list[FormField], post: QueryDict, files: MultiValueDict) -> dict[str, Any]:
    """The request's answers as ``validation_forms.clean_answers`` takes them. Table cells are
    named ``<field>-<row>-<column>``; ``<field>-rows`` says how many rows the page sent."""
    raw: dict[str, Any] = {}
    for f in fields:
        if f.kind == FieldKind.MULTI:
            raw[f.key] = post.getlist(f.key)
        elif f.kind == FieldKind.FILE:
            raw[f.key] = files.get(f.key)
        elif f.kind == FieldKind.TABLE:
            try:
                count = min(int(post.get(f"{f.key}-rows", "0")), 500)
            except ValueError:
                count = 0
            raw[f.key] = [{c["key"]: post.get(f"{f.key}-{r}-{c['key']}", "") for c in f.columns} for r in range(count)]
        else:
            raw[f.key] = post.get(f.key, "")
    return raw


def table_rows(field: FormField, value: Any) -> list[list[tuple[dict[str, Any], Any]]]:
    """Rows to render: the answered ones plus a few blank ones (the page adds more with JS)."""
    rows = [r for r in value or [] if isinstance(r, dict) and any(str(v).strip() for v in r.values())]
    blank = max(BLANK_TABLE_ROWS - len(rows), 1)
    return [[(c, r.get(c["key"], "")) for c in field.columns] for r in [*rows, *({} for _ in range(blank))]]


def default_deadline() -> str:
    return (timezone.localtime() + timedelta(days=2)).replace(hour=18, minute=0).strftime("%Y-%m-%dT%H:%M")
