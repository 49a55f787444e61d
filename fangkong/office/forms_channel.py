"""Forms of the direct line (城镇直通车) and the policy answers (统一口径)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PolicyCategory, Priority, ThreadCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=ThreadCategory.choices, initial=ThreadCategory.POLICY)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL,
                                widget=forms.RadioSelect)
    body = forms.CharField(label=_("问题描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class PolicyForm(forms.Form):
    question = forms.CharField(label=_("问题"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=PolicyCategory.choices)
    answer = forms.CharField(label=_("统一答复"), widget=forms.Textarea(attrs={"rows": 8}))
    keywords = forms.CharField(label=_("关键词（空格分隔，便于搜索）"), max_length=200, required=False)
    effective_date = forms.DateField(label=_("生效日期"), widget=DATE, input_formats=["%Y-%m-%d"],
                                     initial=lambda: timezone.localdate())


class PolicyReviseForm(PolicyForm):
    note = forms.CharField(label=_("修改说明（可选）"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class ProposalForm(forms.Form):
    question = forms.CharField(label=_("问题"), max_length=200)
    detail = forms.CharField(label=_("补充说明（可选）"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))
