"""Forms of the staff self-service pages: the phone, then the SMS code and a new password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.booking.identity import validate_mobile


class StaffPhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))


class StaffPasswordForm(StaffPhoneForm):
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           error_messages={"required": _("请填写短信中的6位验证码。"),
                                           "min_length": _("验证码为6位数字。"), "max_length": _("验证码为6位数字。")},
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    password = forms.CharField(label=_("新密码"), strip=False, error_messages={"required": _("请设置登录密码。")},
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入新密码"), strip=False, error_messages={"required": _("请再次输入密码。")},
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data
