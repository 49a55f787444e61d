"""/accounts/activate/: a staff member sets her password with an SMS code (first login or
forgotten password). Step 1 asks for the phone and sends a code; step 2 takes the code and the
new password twice, then signs her in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from fangkong.core.errors import UserError

from .activation import staff_code_request, staff_password_set
from .forms import StaffPasswordForm, StaffPhoneForm


@never_cache
@sensitive_post_parameters("password", "password2", "code")
def activate(request: HttpRequest) -> HttpResponse:
    step = request.POST.get("step", "phone") if request.method == "POST" else "phone"
    phone_form = StaffPhoneForm(request.POST if step == "phone" and request.method == "POST" else None)
    form = StaffPasswordForm(request.POST if step == "verify" else None)
    status = 200
    if request.method == "POST" and step == "phone":
        if phone_form.is_valid():
            phone = phone_form.cleaned_data["phone"]
            try:
                staff_code_request(request=request, phone=phone)
            except UserError as exc:
                phone_form.add_error("phone" if exc.field == "phone" else None, exc.message)
                status = 429
            else:
                messages.info(request, _("如果该手机号是工作人员账号的手机号，验证码短信已发送，%(m)s分钟内有效。")
                              % {"m": settings.OTP_TTL_SECONDS // 60})
                form = StaffPasswordForm(initial={"phone": phone})
                step = "verify"
        else:
            status = 422
    elif request.method == "POST" and step == "verify":
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = staff_password_set(request=request, phone=d["phone"], code=d["code"], password=d["password"])
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 429 if exc.code == "rate_limited" else 422
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("密码已设置。以后请用用户名“%(username)s”和新密码登录。")
                                 % {"username": user.username})
                return redirect(settings.LOGIN_REDIRECT_URL)
        else:
            status = 422
    return render(request, "registration/activate.html",
                  {"phone_form": phone_form, "form": form, "step": step}, status=status)
