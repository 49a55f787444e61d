"""Parsing the supply pages' inputs: one number box per catalogue item or request line."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.errors import UserError

from .models import Item, Urgency


def parse_quantities(data: QueryDict, prefix: str, item_ids: list[int]) -> dict[int, int | None]:
    """``{item_id: n}`` from inputs named ``<prefix><item_id>``; blank is None (the default)."""
    out: dict[int, int | None] = {}
    for item_id in item_ids:
        raw = (data.get(f"{prefix}{item_id}") or "").strip()
        if not raw:
            out[item_id] = None
            continue
        try:
            out[item_id] = int(raw)
        except ValueError:
            raise UserError(_("数量请填写整数。")) from None
    return out


class RequestForm(forms.Form):
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("申请理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": gettext_lazy("请填写申请理由。")})


class StockForm(forms.Form):
    item = forms.ModelChoiceField(label=gettext_lazy("物资"), queryset=Item.objects.filter(active=True),
                                  error_messages={"required": gettext_lazy("请选择物资。")})
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1,
                                  error_messages={"required": gettext_lazy("请填写数量。"),
                                                  "min_value": gettext_lazy("数量须为正整数。"),
                                                  "invalid": gettext_lazy("数量请填写整数。")})
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=[("in", gettext_lazy("入库")), ("issue", gettext_lazy("发放使用"))])
    note = forms.CharField(label=gettext_lazy("备注/去向"), max_length=200, required=False)
