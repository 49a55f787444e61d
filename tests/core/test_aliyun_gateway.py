"""The Alibaba Cloud SMS gateway against a fake endpoint that checks requests like the real one."""

from __future__ import annotations

import json
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings as SettingsWrapper

from fangkong.core.gateways import PermanentError, TransientError, get_gateway
from fangkong.core.gateways.aliyun import AliyunSmsGateway
from fangkong.core.models import OutboundMessage

from .conftest import TEMPLATE_CODES
from .fake_aliyun import FakeAliyun


def booking_notice(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "recipient": "13916001234",
        "template": "booking_created",
        "variables": {
            "name": "张美华",
            "round": "第二轮蔬菜包",
            "booking_no": "B2-T04C027-00017",
            "queue_position": 17,
            "committee": "金桥居委会",
        },
        "idempotency_key": "booking_created:B2-T04C027-00017",
    }
    fields.update(overrides)
    return OutboundMessage(**fields)


def gateway_for(fake: FakeAliyun, **overrides: object) -> AliyunSmsGateway:
    fields: dict[str, object] = {
        "access_key_id": fake.access_key_id,
        "access_key_secret": fake.secret,
        "sign_name": "浦东防控",
        "template_codes": TEMPLATE_CODES,
        "endpoint": fake.url,
    }
    fields.update(overrides)
    return AliyunSmsGateway(**fields)  # type: ignore[arg-type]


def test_success_returns_the_biz_id(aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun) -> None:
    fake_aliyun.answer("OK")

    assert get_gateway().send(booking_notice()) == "900000^0"


def test_request_carries_template_code_sign_name_variables_and_out_id(
    aliyun_settings: SettingsWrapper, fake_aliyun: FakeAliyun
) -> None:
    get_gateway().send(booking_notice())

    [sent] = fake_aliyun.requests
    assert sent["Action"] == "SendSms"
    assert sent["Version"] == "2017-05-25"
    assert sent["AccessKeyId"] == fake_aliyun.access_key_id
    assert sent["SignatureMethod"] == "HMAC-SHA1"
    assert sent["PhoneNumbers"] == "13916001234"
    assert sent["SignName"] == "浦东防控"
    assert sent["TemplateCode"] == "SMS_480001"
    assert sent["OutId"] == "booking_created:B2-T04C027-00017"
    assert json.loads(sent["TemplateParam"]) == {
        "name": "张美华",
        "round": "第二轮蔬菜包",
        "booking_no": "B2-T04C027-00017",
        "queue_position": "17",  # the provider takes strings only
        "committee": "金桥居委会",
    }


def test_each_request_has_a_fresh_nonce(fake_aliyun: FakeAliyun) -> None:
    gateway = gateway_for(fake_aliyun)

    gateway.send(booking_notice())
    gateway.send(booking_notice())

    assert len({r["SignatureNonce"] for r in fake_aliyun.requests}) == 2
    assert fake_aliyun.rejected == []


def test_request_signed_with_the_wrong_secret_is_rejected(fake_aliyun: FakeAliyun) -> None:
    gateway = gateway_for(fake_aliyun, access_key_secret="not-the-shared-secret")

    with pytest.raises(TransientError, match="SignatureDoesNotMatch"):
        gateway.send(booking_notice())
    assert fake_aliyun.rejected == ["SignatureDoesNotMatch"]
    assert fake_aliyun.requests == []


def test_template_without_a_provider_code_fails_permanently_without_calling(fake_aliyun: FakeAliyun) -> None:
    gateway = gateway_for(fake_aliyun, template_codes={"lookup_code": "SMS_480002"})

    with pytest.raises(PermanentError, match="booking_created.*SMS_TEMPLATE_CODES|SMS_TEMPLATE_CODES.*booking_created"):
        gateway.send(booking_notice())
    assert fake_aliyun.requests == []


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", 200),
        ("isv.DAY_LIMIT_CONTROL", 200),
        ("isv.AMOUNT_NOT_ENOUGH", 200),
        ("Throttling.User", 400),
        ("Throttling", 503),
        ("ServiceUnavailable", 503),
        ("InternalError", 500),
        ("isv.SOMETHING_NEW", 200),
    ],
)
def test_throttling_and_outages_are_transient(fake_aliyun: FakeAliyun, code: str, status: int) -> None:
    fake_aliyun.answer(code, status=status)

    with pytest.raises(TransientError, match=code):
        gateway_for(fake_aliyun).send(booking_notice())


@pytest.mark.parametrize(
    "code",
    [
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.BLACK_KEY_CONTROL_LIMIT",
    ],
)
def test_bad_number_template_or_sign_is_permanent(fake_aliyun: FakeAliyun, code: str) -> None:
    fake_aliyun.answer(code)

    with pytest.raises(PermanentError, match=code):
        gateway_for(fake_aliyun).send(booking_notice())


def test_server_error_page_is_transient(fake_aliyun: FakeAliyun) -> None:
    fake_aliyun.answer_raw(502, "<html>Bad Gateway</html>")

    with pytest.raises(TransientError):
        gateway_for(fake_aliyun).send(booking_notice())


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = AliyunSmsGateway(
        access_key_id="id",
        access_key_secret="secret",
        sign_name="浦东防控",
        template_codes=TEMPLATE_CODES,
        endpoint=f"http://127.0.0.1:{port}/",
    )

    with pytest.raises(TransientError, match="请求失败"):
        gateway.send(booking_notice())


def test_slow_answer_times_out_as_transient(fake_aliyun: FakeAliyun) -> None:
    fake_aliyun.answer("OK", delay=1.0)

    with pytest.raises(TransientError, match="请求失败"):
        gateway_for(fake_aliyun, timeout_seconds=0.3).send(booking_notice())


def test_default_timeout_is_five_seconds(aliyun_settings: SettingsWrapper) -> None:
    gateway = AliyunSmsGateway.from_settings()

    assert gateway.timeout_seconds == 5.0
    assert gateway.client()._read_timeout == 5000


def test_missing_credentials_are_a_configuration_error(aliyun_settings: SettingsWrapper) -> None:
    aliyun_settings.ALIYUN_ACCESS_KEY_SECRET = ""

    with pytest.raises(ImproperlyConfigured, match="ALIYUN_ACCESS_KEY_SECRET"):
        get_gateway()


def test_template_codes_must_be_a_json_object(aliyun_settings: SettingsWrapper) -> None:
    aliyun_settings.SMS_TEMPLATE_CODES = '["SMS_480001"]'

    with pytest.raises(ImproperlyConfigured, match="SMS_TEMPLATE_CODES"):
        get_gateway()
