"""Desk forms: a new pickup point (towns: their own town; the district: any of its towns) and a
clerk added to a point by name and phone."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.booking.identity import validate_mobile, validate_person_name
from fangkong.orgs.models import Town
from fangkong.orgs.scoping import committees_in_scope, scope_of

from .models import PointKind


class PickupPointForm(forms.Form):
    town = forms.ModelChoiceField(label=_("街镇"), queryset=Town.objects.none(),
                                  error_messages={"required": _("请选择街镇。"), "invalid_choice": _("请选择街镇。")})
    name = forms.CharField(label=_("名称"), max_length=64, error_messages={"required": _("请填写领取点名称。")})
    kind = forms.ChoiceField(label=_("类型"), choices=PointKind.choices, initial=PointKind.PHARMACY)
    address = forms.CharField(label=_("地址"), max_length=200, error_messages={"required": _("请填写领取点地址。")})
    opening_hours = forms.CharField(label=_("营业时间"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    committee = forms.ModelChoiceField(label=_("所属居委会（可选）"), queryset=committees_in_scope(None), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_of(user)
        town_field = cast(forms.ModelChoiceField, self.fields["town"])
        if scope.level == "town" and scope.town_id is not None:
            town_field.queryset = Town.objects.filter(pk=scope.town_id)
            town_field.initial = scope.town_id
        elif scope.level == "district" and scope.district_id is not None:
            town_field.queryset = Town.objects.filter(district_id=scope.district_id).order_by("code")
        cast(forms.ModelChoiceField, self.fields["committee"]).queryset = committees_in_scope(user).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        town, committee = data.get("town"), data.get("committee")
        if town is not None and committee is not None and committee.town_id != town.pk:
            self.add_error("committee", _("该居委会不属于所选街镇。"))
        return data


class ClerkAddForm(forms.Form):
    name = forms.CharField(label=_("店员姓名"), max_length=32, error_messages={"required": _("请填写店员姓名。")})
    phone = forms.CharField(label=_("手机号"), max_length=20, error_messages={"required": _("请填写店员的手机号。")},
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))

    def clean_name(self) -> str:
        return validate_person_name(self.cleaned_data.get("name", ""))

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))
