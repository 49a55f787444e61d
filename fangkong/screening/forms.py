"""Forms of the screening pages: the on-site result, a return, an extension, a day's upload."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Outcome, ReturnReason
from .services import EXTENSION_MAX_HOURS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ResultForm(forms.Form):
    outcome = forms.ChoiceField(label=_("核查结果"), choices=Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("请选择核查结果。")})
    note = forms.CharField(label=_("情况说明（可选）"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("现场照片（可选，JPG/PNG，不超过8MB）"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(label=_("退单原因"), choices=ReturnReason.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("请选择退单原因。")})
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionForm(forms.Form):
    hours = forms.IntegerField(label=_("延期（小时）"), min_value=1, max_value=EXTENSION_MAX_HOURS, initial=12,
                               error_messages={"min_value": _("延期至少1小时。"),
                                               "max_value": _("延期不能超过%(limit_value)s小时。"),
                                               "required": _("请填写延期时长。")})
    reason = forms.CharField(label=_("延期理由"), max_length=200, error_messages={"required": _("请填写延期理由。")})


class RunForm(forms.Form):
    """Sources come as ``request.FILES.getlist("sources")`` (one input, several files)."""

    as_of = forms.DateField(label=_("筛查日期"), widget=DATE, input_formats=["%Y-%m-%d"],
                            initial=lambda: timezone.localdate(), error_messages={"required": _("请选择筛查日期。")})
    population = forms.FileField(label=_("人口库 population.csv（未上传则用已配置的）"), required=False)
    key_areas = forms.FileField(label=_("重点地区 key_areas.csv（同上）"), required=False)
    managed = forms.FileField(label=_("已管控名单 managed.csv（同上）"), required=False)
