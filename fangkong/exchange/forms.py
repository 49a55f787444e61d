"""Forms of file exchange (the office's directive targeting, without reply and deadline) and mail."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.office.forms import DirectiveForm
from fangkong.office.models import Person
from fangkong.orgs.models import Committee, Town

from .services_mail import Recipients


class FileSendForm(DirectiveForm):
    """Title and the office's target fields; the file comes from ``request.FILES``."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("reply", "deadline"):
            del self.fields[name]
        self.fields["title"].label = _("文件标题")
        self.fields["body"].label = _("说明（可选）")
        self.fields["body"].required = False
        self.fields["body"].widget.attrs["rows"] = 3


class VersionForm(forms.Form):
    note = forms.CharField(label=_("版本说明（可选）"), max_length=200, required=False)


class MailForm(forms.Form):
    subject = forms.CharField(label=_("主题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    people = forms.CharField(label=_("收件人（手机号，每行一个）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "13912345678"}))
    committees = forms.ModelMultipleChoiceField(label=_("居村委信箱"), required=False, queryset=Committee.objects.none(),
                                                widget=forms.SelectMultiple(attrs={"size": 6}))
    towns = forms.ModelMultipleChoiceField(label=_("街镇信箱"), required=False, queryset=Town.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 4}))
    district_office = forms.BooleanField(label=_("区防控办信箱"), required=False)

    def __init__(self, *args: Any, district_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.district_id = district_id
        committees = cast(forms.ModelMultipleChoiceField, self.fields["committees"])
        committees.queryset = Committee.objects.filter(district_id=district_id).select_related("town")
        committees.label_from_instance = lambda obj: f"{obj.town.name} · {obj.name}"  # type: ignore[method-assign]
        cast(forms.ModelMultipleChoiceField, self.fields["towns"]).queryset = Town.objects.filter(district_id=district_id)

    def clean_people(self) -> list[int]:
        phones = [p for p in re.split(r"[\s,，;；]+", self.cleaned_data.get("people", "")) if p]
        bad = [p for p in phones if not re.fullmatch(r"1\d{10}", p)]
        if bad:
            raise forms.ValidationError(_("手机号格式不对：%(p)s") % {"p": "、".join(bad)})
        found = dict(Person.objects.filter(district_id=self.district_id, phone__in=phones).values_list("phone", "pk"))
        missing = [p for p in phones if p not in found]
        if missing:
            raise forms.ValidationError(_("本区没有这些手机号的人员：%(p)s") % {"p": "、".join(missing)})
        return [found[p] for p in phones]

    def recipients(self) -> Recipients:
        d = self.cleaned_data
        return Recipients(people=d.get("people") or [], committees=[c.pk for c in d.get("committees") or []],
                          towns=[t.pk for t in d.get("towns") or []], district_office=bool(d.get("district_office")))
