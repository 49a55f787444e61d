"""Forms of the office pages: publishing a directive, importing people, activation."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.booking.identity import validate_mobile
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import scope_of

from .directives import LEVELS, Target
from .models import Person, Post, Priority, ReplyKind


class DirectiveForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL,
                                 widget=forms.RadioSelect)
    reply = forms.ChoiceField(label=_("回复要求"), choices=ReplyKind.choices, initial=ReplyKind.ACK,
                              widget=forms.RadioSelect)
    deadline = forms.DateTimeField(label=_("截止时间（可选）"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    levels = forms.MultipleChoiceField(label=_("整个层级"), required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=list(LEVELS.items()))
    towns = forms.ModelMultipleChoiceField(label=_("指定街镇（含其居村委）"), required=False, queryset=Town.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    committees = forms.ModelMultipleChoiceField(label=_("指定居村委"), required=False, queryset=Committee.objects.none(),
                                                widget=forms.SelectMultiple(attrs={"size": 8}))
    posts = forms.MultipleChoiceField(label=_("岗位（与上面的范围取交集；单独选择则为本范围内该岗位的全部人员）"),
                                      required=False, widget=forms.CheckboxSelectMultiple, choices=Post.choices)
    people = forms.CharField(label=_("指定人员（手机号，每行一个）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder": "13912345678"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        scope = scope_of(user)
        self.scope = scope
        towns = Town.objects.filter(district_id=scope.district_id or 0)
        committees = Committee.objects.filter(district_id=scope.district_id or 0).select_related("town")
        levels = cast(forms.MultipleChoiceField, self.fields["levels"])
        if scope.level == "town" and scope.town_id is not None:
            towns = towns.filter(pk=scope.town_id)
            committees = committees.filter(town_id=scope.town_id)
            levels.choices = [("towns", _("本街镇本级人员")), ("committees", _("本街镇全部居村委人员"))]
        cast(forms.ModelMultipleChoiceField, self.fields["towns"]).queryset = towns
        committee_field = cast(forms.ModelMultipleChoiceField, self.fields["committees"])
        committee_field.queryset = committees
        committee_field.label_from_instance = lambda obj: f"{obj.town.name} · {obj.name}"  # type: ignore[method-assign]

    def clean_deadline(self) -> Any:
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            raise ValidationError(_("截止时间必须晚于现在。"))
        return deadline

    def clean_people(self) -> list[int]:
        raw = self.cleaned_data.get("people", "")
        phones, bad = [], []
        for line in raw.replace("，", "\n").replace(",", "\n").splitlines():
            if not line.strip():
                continue
            try:
                phones.append(validate_mobile(line))
            except ValidationError:
                bad.append(line.strip())
        if bad:
            raise ValidationError(_("这些手机号格式不正确：%(p)s") % {"p": "、".join(bad[:5])})
        people = Person.objects.filter(district_id=self.scope.district_id or 0, phone__in=phones)
        if self.scope.level == "town":
            people = people.filter(town_id=self.scope.town_id or 0)
        found = dict(people.values_list("phone", "pk"))
        missing = [p for p in phones if p not in found]
        if missing:
            raise ValidationError(_("这些手机号不在您范围内的人员名单中：%(p)s") % {"p": "、".join(missing[:5])})
        return [found[p] for p in phones]

    def target(self) -> Target:
        d = self.cleaned_data
        return Target(
            levels=list(d.get("levels") or []),
            towns=[t.pk for t in d.get("towns") or []],
            committees=[c.pk for c in d.get("committees") or []],
            posts=list(d.get("posts") or []),
            people=list(d.get("people") or []),
        )

    def target_label(self) -> str:
        d = self.cleaned_data
        level_names: dict[str, Any] = dict(cast(Any, self.fields["levels"]).choices)
        parts = [str(level_names[v]) for v in d.get("levels") or []]
        towns = list(d.get("towns") or [])
        committees = list(d.get("committees") or [])
        if towns:
            parts.append("、".join(t.name for t in towns[:3]) + (f" 等{len(towns)}个街镇" if len(towns) > 3 else ""))
        if committees:
            parts.append("、".join(c.name for c in committees[:3]) + (f" 等{len(committees)}个居村委" if len(committees) > 3 else ""))
        label = "；".join(parts)
        if d.get("posts"):
            label += ("；" if label else "") + "岗位：" + "、".join(d["posts"])
        if d.get("people"):
            label += ("；" if label else "") + f"指定{len(d['people'])}人"
        return label


class ImportForm(forms.Form):
    file = forms.FileField(label=_("人员名单（.xlsx，使用导入模板）"))


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))


class ActivateForm(PhoneForm):
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    password = forms.CharField(label=_("设置登录密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class ReportForm(forms.Form):
    text = forms.CharField(label=_("完成情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
