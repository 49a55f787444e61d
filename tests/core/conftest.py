"""Fixtures for the outbox and gateway tests: a fake Alibaba Cloud endpoint, queued messages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from fangkong.core.messaging import queue_sms
from fangkong.core.models import OutboundMessage

from .fake_aliyun import FakeAliyun

TEMPLATE_CODES = {"booking_created": "SMS_480001", "lookup_code": "SMS_480002"}


@pytest.fixture
def fake_aliyun() -> Iterator[FakeAliyun]:
    fake = FakeAliyun().start()
    yield fake
    fake.stop()


@pytest.fixture
def aliyun_settings(settings: SettingsWrapper, fake_aliyun: FakeAliyun) -> SettingsWrapper:
    """SMS_BACKEND=aliyun, pointed at the fake endpoint with the secret it shares."""
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ENDPOINT = fake_aliyun.url
    settings.ALIYUN_ACCESS_KEY_ID = fake_aliyun.access_key_id
    settings.ALIYUN_ACCESS_KEY_SECRET = fake_aliyun.secret
    settings.SMS_SIGN_NAME = "浦东防控"
    settings.SMS_TEMPLATE_CODES = json.dumps(TEMPLATE_CODES)
    return settings


def lookup_code_sms(phone: str = "13916001234", key: str = "lookup_code:1", **variables: Any) -> OutboundMessage:
    return queue_sms(
        phone=phone,
        template="lookup_code",
        variables={"code": "482913", "minutes": 10, **variables},
        key=key,
    )


@pytest.fixture
def queue_lookup_code() -> Callable[..., OutboundMessage]:
    return lookup_code_sms
