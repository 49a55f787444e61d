"""The staff form for creating a round (district-wide, or for one town by its officer)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Allocation, Goods, RoundStatus

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RoundForm(forms.Form):
    goods = forms.ModelChoiceField(
        label=gettext_lazy("物资"),
        queryset=Goods.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("（新物资，填写下方名称）"),
    )
    new_goods = forms.CharField(label=gettext_lazy("新物资名称"), max_length=64, required=False)
    new_goods_unit = forms.CharField(label=gettext_lazy("单位"), max_length=8, required=False, initial="个")
    number = forms.IntegerField(label=gettext_lazy("第几轮"), min_value=1, max_value=999)
    opens_at = forms.DateTimeField(label=gettext_lazy("开始时间"), widget=_DT, input_formats=["%Y-%m-%dT%H:%M"])
    closes_at = forms.DateTimeField(label=gettext_lazy("截止时间"), widget=_DT, input_formats=["%Y-%m-%dT%H:%M"])
    per_person_limit = forms.IntegerField(label=gettext_lazy("每人限购数量"), min_value=1, max_value=1000, initial=5)
    per_household_limit = forms.IntegerField(label=gettext_lazy("每户限约人数"), min_value=1, max_value=20, initial=5)
    total_quota = forms.IntegerField(label=gettext_lazy("总额度（人份，空为不限）"), min_value=1, required=False)
    committee_quota = forms.IntegerField(label=gettext_lazy("每个居委会额度（人份，空为不限）"), min_value=1, required=False)
    allocation = forms.ChoiceField(label=gettext_lazy("分配方式"), choices=Allocation.choices, initial=Allocation.REGISTRATION_ORDER)
    status = forms.ChoiceField(
        label=gettext_lazy("创建后"),
        choices=[(RoundStatus.DRAFT, gettext_lazy("保存为草稿")), (RoundStatus.OPEN, gettext_lazy("立即开放预约"))],
        initial=RoundStatus.DRAFT,
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("goods") and not (data.get("new_goods") or "").strip():
            self.add_error("goods", _("请选择物资，或填写新物资名称。"))
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("截止时间必须晚于开始时间。"))
        return data
