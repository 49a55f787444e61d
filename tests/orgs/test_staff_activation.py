"""Staff set their password by SMS code at /accounts/activate/: first login and forgotten password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from fangkong.core.audit import AuditEvent
from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import Role, StaffActivationCode, Town, User
from fangkong.orgs.services import staff_create

pytestmark = pytest.mark.django_db
URL = "/accounts/activate/"
PASSWORD = "qihe-desk-2020-spring"
PHONE = "13911112222"


@pytest.fixture(autouse=True)
def _clear_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forgetful_worker(committees):  # type: ignore[no-untyped-def]
    """齐河第二社区's worker, who has a password she no longer remembers."""
    return staff_create(username="qihe2", password="old-password-x9", role=Role.COMMITTEE_WORKER,
                        display_name="王芳", phone=PHONE, committee=committees["T04C027"])


@pytest.fixture
def new_clerk(pudong):  # type: ignore[no-untyped-def]
    """A clerk created on the desk: no usable password yet."""
    user = staff_create(username="13922223333", password="", role=Role.PICKUP_CLERK, display_name="李店员",
                        phone="13922223333", town=Town.objects.get(code="T04"))
    user.set_unusable_password()
    user.save()
    return user


def request_code(client, phone):  # type: ignore[no-untyped-def]
    return client.post(URL, {"step": "phone", "phone": phone})


def sent_code(phone: str) -> str:
    message = OutboundMessage.objects.filter(recipient=phone, template="staff_activation_code").latest("id")
    return re.search(r"\d{6}", render_message(message.template, message.variables)).group(0)  # type: ignore[union-attr]


def verify(client, phone, code, password=PASSWORD, password2=None):  # type: ignore[no-untyped-def]
    return client.post(URL, {"step": "verify", "phone": phone, "code": code,
                             "password": password, "password2": password2 if password2 is not None else password})


def test_the_login_page_links_to_first_login_and_forgotten_password(client, pudong):  # type: ignore[no-untyped-def]
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/activate/"' in page and "首次登录 / 忘记密码" in page
    assert "获取验证码" in client.get(URL).content.decode()


def test_a_worker_resets_her_forgotten_password_and_is_signed_in(client, forgetful_worker):  # type: ignore[no-untyped-def]
    response = request_code(client, "+86 139-1111-2222")
    assert response.status_code == 200 and "验证码短信已发送" in response.content.decode()
    code = sent_code(PHONE)
    assert StaffActivationCode.objects.get(phone=PHONE).code_hash != code
    response = verify(client, PHONE, code)
    assert response.status_code == 302 and response["Location"] == "/desk/"
    forgetful_worker.refresh_from_db()
    assert forgetful_worker.check_password(PASSWORD) and not forgetful_worker.check_password("old-password-x9")
    assert int(client.session["_auth_user_id"]) == forgetful_worker.pk
    event = AuditEvent.objects.get(action="orgs.password_reset")
    assert (event.actor_id, event.object_id, event.committee_id) == (forgetful_worker.pk, str(forgetful_worker.pk),
                                                                     forgetful_worker.committee_id)


def test_a_new_clerk_activates_and_lands_on_the_pickup_page(client, new_clerk):  # type: ignore[no-untyped-def]
    request_code(client, new_clerk.phone)
    response = verify(client, new_clerk.phone, sent_code(new_clerk.phone))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="orgs.staff_activate", actor=new_clerk).exists()
    client.logout()
    assert client.login(username=new_clerk.phone, password=PASSWORD)


def test_the_code_works_once(client, forgetful_worker):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    code = sent_code(PHONE)
    verify(client, PHONE, code)
    client.logout()
    response = verify(client, PHONE, code, password="another-pass-2021")
    assert response.status_code == 422 and "验证码已过期或未发送" in response.content.decode()


def test_a_wrong_code_is_refused_and_the_password_unchanged(client, forgetful_worker):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    wrong = "000000" if sent_code(PHONE) != "000000" else "111111"
    response = verify(client, PHONE, wrong)
    assert response.status_code == 422 and "验证码不正确" in response.content.decode()
    forgetful_worker.refresh_from_db()
    assert forgetful_worker.check_password("old-password-x9")
    assert StaffActivationCode.objects.get(phone=PHONE).tries == 1


def test_wrong_codes_use_up_the_tries(client, forgetful_worker, settings):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    code = sent_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.OTP_MAX_TRIES):
        verify(client, PHONE, wrong)
    assert "错误次数过多" in verify(client, PHONE, code).content.decode()
    forgetful_worker.refresh_from_db()
    assert forgetful_worker.check_password("old-password-x9")


def test_an_expired_code_is_refused(client, forgetful_worker):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    code = sent_code(PHONE)
    StaffActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = verify(client, PHONE, code)
    assert response.status_code == 422 and "验证码已过期" in response.content.decode()


def test_codes_expire_after_the_configured_time(client, forgetful_worker, settings):  # type: ignore[no-untyped-def]
    before = timezone.now()
    request_code(client, PHONE)
    row = StaffActivationCode.objects.get(phone=PHONE)
    assert abs((row.expires_at - before).total_seconds() - settings.OTP_TTL_SECONDS) < 5


def test_a_second_code_within_a_minute_is_refused(client, forgetful_worker):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    response = request_code(client, PHONE)
    assert response.status_code == 429 and "验证码发送过于频繁" in response.content.decode()
    assert StaffActivationCode.objects.filter(phone=PHONE).count() == 1


def test_one_address_cannot_ask_for_codes_for_many_phones(client, pudong):  # type: ignore[no-untyped-def]
    for n in range(20):
        assert request_code(client, f"1370000{n:04d}").status_code == 200
    response = request_code(client, "13700009999")
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()


def test_an_unknown_phone_gets_the_same_answer_and_no_sms(client, forgetful_worker):  # type: ignore[no-untyped-def]
    known = request_code(client, PHONE)
    cache.clear()
    unknown = request_code(client, "13700000000")
    assert unknown.status_code == known.status_code == 200
    assert _without_tokens(unknown) == _without_tokens(known)
    assert not OutboundMessage.objects.filter(recipient="13700000000").exists()


def _without_tokens(response) -> str:  # type: ignore[no-untyped-def]
    """The page without what differs anyway: CSRF tokens and the phone typed."""
    return re.sub(r'(value="|X-CSRFToken": ")[^"]*"', "", response.content.decode())


@pytest.mark.parametrize("how", ["inactive", "office_member", "system_admin", "django_admin"])
def test_accounts_outside_self_service_get_no_code(client, forgetful_worker, pudong, how):  # type: ignore[no-untyped-def]
    if how == "inactive":
        User.objects.filter(pk=forgetful_worker.pk).update(is_active=False)
    elif how == "office_member":
        User.objects.filter(pk=forgetful_worker.pk).update(role=Role.OFFICE_MEMBER)
    elif how == "system_admin":
        User.objects.filter(pk=forgetful_worker.pk).update(role=Role.SYSTEM_ADMIN)
    else:
        User.objects.filter(pk=forgetful_worker.pk).update(is_staff=True)
    response = request_code(client, PHONE)
    assert response.status_code == 200 and "验证码短信已发送" in response.content.decode()
    assert not OutboundMessage.objects.filter(recipient=PHONE).exists()


def test_a_worker_deactivated_after_the_code_was_sent_cannot_use_it(client, forgetful_worker):  # type: ignore[no-untyped-def]
    request_code(client, PHONE)
    User.objects.filter(pk=forgetful_worker.pk).update(is_active=False)
    response = verify(client, PHONE, sent_code(PHONE))
    assert response.status_code == 422 and "验证码已过期或未发送" in response.content.decode()
    forgetful_worker.refresh_from_db()
    assert forgetful_worker.check_password("old-password-x9")


def test_a_phone_on_two_accounts_gets_no_code_but_is_told_to_ask_the_town(client, forgetful_worker):  # type: ignore[no-untyped-def]
    staff_create(username="qihe2-old", password="x-pass-123456", role=Role.COMMITTEE_WORKER,
                 phone=PHONE, committee=forgetful_worker.committee)
    assert request_code(client, PHONE).status_code == 200
    assert not StaffActivationCode.objects.exists()
    assert list(OutboundMessage.objects.filter(recipient=PHONE).values_list("template", flat=True)) == [
        "staff_activation_ambiguous"]


@pytest.mark.parametrize(("password", "password2", "message"), [
    ("123", None, "密码太短，至少需要 8 个字符"),
    ("12345678901", None, "密码不能全都是数字"),
    ("password", None, "这个密码太常见"),
    ("qihe2qihe", None, "太相似"),
    (PASSWORD, PASSWORD + "x", "两次输入的密码不一致"),
])
def test_weak_or_mismatched_passwords_are_refused_in_chinese(client, forgetful_worker, password, password2,  # type: ignore[no-untyped-def]
                                                             message):
    request_code(client, PHONE)
    response = verify(client, PHONE, sent_code(PHONE), password=password, password2=password2)
    assert response.status_code == 422
    assert message in response.content.decode()
    forgetful_worker.refresh_from_db()
    assert forgetful_worker.check_password("old-password-x9")
    assert StaffActivationCode.objects.get().used_at is None
