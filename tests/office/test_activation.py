"""Activation of a cadre's phone by SMS code: hashed, expiring, limited tries, rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from fangkong.office.models import ActivationCode, Person
from fangkong.orgs.models import Role, User
from fangkong.orgs.scoping import scope_of

pytestmark = pytest.mark.django_db
PASSWORD = "qihe-volunteer-2020"


@pytest.fixture(autouse=True)
def _clear_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def request_code(client, phone):  # type: ignore[no-untyped-def]
    return client.post("/office/activate/", {"step": "phone", "phone": phone})


def sent_code(phone: str) -> str:
    message = OutboundMessage.objects.filter(recipient=phone, template="office_activation_code").latest("id")
    return re.search(r"\d{6}", render_message(message.template, message.variables)).group(0)  # type: ignore[union-attr]


def verify(client, phone, code, password=PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/office/activate/", {"step": "verify", "phone": phone, "code": code,
                                             "password": password, "password2": password})


def test_activation_creates_an_office_account_that_sees_no_residents_data(client, people):  # type: ignore[no-untyped-def]
    phone = people["qihe_volunteer"].phone
    assert request_code(client, phone).status_code == 200
    code = sent_code(phone)
    assert ActivationCode.objects.get(phone=phone).code_hash != code
    response = verify(client, phone, code)
    assert response.status_code == 302 and response["Location"] == "/office/inbox/"
    user = User.objects.get(username=phone)
    assert user.role == Role.OFFICE_MEMBER and scope_of(user).is_none
    assert Person.objects.get(phone=phone).user == user
    assert client.login(username=phone, password=PASSWORD)


def test_unknown_phone_gets_the_same_answer_and_no_sms(client, people):  # type: ignore[no-untyped-def]
    response = request_code(client, "13700000000")
    assert response.status_code == 200 and "如果该手机号已登记" in response.content.decode()
    assert not OutboundMessage.objects.filter(recipient="13700000000").exists()


def test_expired_code_is_refused(client, people):  # type: ignore[no-untyped-def]
    phone = people["qihe_volunteer"].phone
    request_code(client, phone)
    code = sent_code(phone)
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "验证码已过期" in verify(client, phone, code).content.decode()


def test_wrong_codes_use_up_the_tries(client, people, settings):  # type: ignore[no-untyped-def]
    phone = people["qihe_volunteer"].phone
    request_code(client, phone)
    code = sent_code(phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.OTP_MAX_TRIES):
        assert "验证码不正确" in verify(client, phone, wrong).content.decode()
    assert "错误次数过多" in verify(client, phone, code).content.decode()
    assert not User.objects.filter(username=phone).exists()


def test_a_second_code_within_a_minute_is_refused(client, people):  # type: ignore[no-untyped-def]
    phone = people["qihe_volunteer"].phone
    request_code(client, phone)
    response = request_code(client, phone)
    assert response.status_code == 429
    assert "验证码发送过于频繁" in response.content.decode()
    assert ActivationCode.objects.filter(phone=phone).count() == 1


def test_weak_password_is_refused_in_chinese(client, people):  # type: ignore[no-untyped-def]
    phone = people["qihe_volunteer"].phone
    request_code(client, phone)
    response = verify(client, phone, sent_code(phone), password="123")
    assert response.status_code == 422
    assert not User.objects.filter(username=phone).exists()
