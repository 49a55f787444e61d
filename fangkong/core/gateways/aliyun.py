"""Alibaba Cloud SMS: one outbox message → one ``SendSms`` call (dysmsapi, API 2017-05-25).

Owns the translation both ways: our template name → the provider's TemplateCode
(``SMS_TEMPLATE_CODES``), our variables → TemplateParam JSON, our idempotency key → OutId; and
the provider's answer → a BizId, ``TransientError`` (try later) or ``PermanentError`` (never).

We use the official SDK (``alibabacloud-dysmsapi20170525``). Its ``Config`` takes the protocol
and a ``host[:port]`` endpoint, so ``ALIYUN_SMS_ENDPOINT=http://127.0.0.1:8123/`` points it at
the fake server the tests run. ``signature_algorithm="v2"`` selects the RPC signature
(HMAC-SHA1, SignatureVersion 1.0) that Alibaba documents for SendSms; the SDK's own retries are
off because the outbox worker retries with backoff.

Alibaba does not de-duplicate on OutId: it only comes back in delivery receipts. A worker killed
between the provider's "OK" and our status update can therefore send that SMS twice when the
message is re-queued; the outbox keeps that window to one message per dead worker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import OutboundMessage
from . import PermanentError, TransientError

logger = logging.getLogger("fangkong.sms")

# Worth another try later: provider flow control, throttling, outages, and account states an
# operator can fix (balance, credentials, clock) within the retry window.
TRANSIENT_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.BILLING_DEDUCTION_ERROR",
        "isv.DATA_NOT_EXIST",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "isp.UNKNOWN",
        "ServiceUnavailable",
        "InternalError",
        "SignatureDoesNotMatch",
        "SignatureNonceUsed",
        "InvalidTimeStamp.Expired",
    }
)
TRANSIENT_PREFIXES = ("Throttling", "InvalidAccessKeyId", "isv.BUSINESS_LIMIT")

# This message can never go out as it is: bad number, template, signature or parameters.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_NAME_ILLEGAL",
        "isv.SIGN_NAME_ILLEGAL",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.EXTEND_CODE_ERROR",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.DENY_IP_RANGE",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SECURITY_FROZEN_ACCOUNT",
        "MissingPhoneNumbers",
        "MissingSignName",
        "MissingTemplateCode",
    }
)


def classify(code: str, message: str) -> Exception:
    """The exception our outbox should see for the provider's error ``code``.

    Codes we have not listed are transient: the worker's attempt limit bounds the retries, and a
    new provider code must not silently drop a resident's notice.
    """
    text = f"阿里云短信 {code}: {message}"
    if code in PERMANENT_CODES:
        return PermanentError(text)
    if not (code in TRANSIENT_CODES or code.startswith(TRANSIENT_PREFIXES)):
        logger.warning("unlisted Alibaba Cloud SMS code %s treated as transient: %s", code, message)
    return TransientError(text)


@dataclass(frozen=True)
class AliyunSmsGateway:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_codes: dict[str, str]
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    timeout_seconds: float = 5.0

    @classmethod
    def from_settings(cls) -> AliyunSmsGateway:
        if not settings.ALIYUN_ACCESS_KEY_ID or not settings.ALIYUN_ACCESS_KEY_SECRET:
            raise ImproperlyConfigured(
                "SMS_BACKEND=aliyun needs ALIYUN_ACCESS_KEY_ID and ALIYUN_ACCESS_KEY_SECRET"
            )
        return cls(
            access_key_id=settings.ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.ALIYUN_ACCESS_KEY_SECRET,
            sign_name=settings.SMS_SIGN_NAME,
            template_codes=parse_template_codes(settings.SMS_TEMPLATE_CODES),
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
        )

    def client(self) -> Client:
        url = urlsplit(self.endpoint if "//" in self.endpoint else f"https://{self.endpoint}")
        if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
            raise ImproperlyConfigured(
                f"ALIYUN_SMS_ENDPOINT must look like https://host[:port]/, got {self.endpoint!r}"
            )
        millis = int(self.timeout_seconds * 1000)
        config = openapi_models.Config(
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            endpoint=url.netloc,
            protocol=url.scheme,
            signature_algorithm="v2",
            connect_timeout=millis,
            read_timeout=millis,
        )
        return Client(config)

    def send(self, message: OutboundMessage) -> str:
        template_code = self.template_codes.get(message.template)
        if not template_code:
            raise PermanentError(
                f"SMS_TEMPLATE_CODES 中没有模板 {message.template!r} 对应的阿里云模板号 (TemplateCode)"
            )
        request = sms_models.SendSmsRequest(
            phone_numbers=message.recipient,
            sign_name=self.sign_name,
            template_code=template_code,
            template_param=template_param(message.variables),
            out_id=message.idempotency_key,
        )
        try:
            response = self.client().send_sms_with_options(request, RuntimeOptions(autoretry=False))
        except ResponseException as exc:  # HTTP 4xx/5xx with an error body
            raise classify(str(exc.code), str(exc.message)) from exc
        except UnretryableException as exc:  # network error, timeout, unreadable answer
            raise TransientError(f"阿里云短信请求失败: {exc.inner_exception!r}") from exc
        body = response.body
        if body is None or body.code is None:
            raise TransientError(f"阿里云短信返回无法识别: HTTP {response.status_code}")
        if body.code != "OK":
            raise classify(body.code, body.message or "")
        logger.info(
            "aliyun sms sent message=%s biz_id=%s request_id=%s",
            message.pk,
            body.biz_id,
            body.request_id,
        )
        return str(body.biz_id or body.request_id)


def template_param(variables: dict[str, Any]) -> str:
    # The provider rejects non-string values (isv.INVALID_JSON_PARAM): {"n": "3"}, not {"n": 3}.
    return json.dumps(
        {name: str(value) for name, value in variables.items()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def parse_template_codes(raw: str | dict[str, str]) -> dict[str, str]:
    if isinstance(raw, dict):
        return raw
    try:
        codes = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"SMS_TEMPLATE_CODES must be a JSON object: {exc}") from exc
    if not isinstance(codes, dict):
        raise ImproperlyConfigured("SMS_TEMPLATE_CODES must be a JSON object of name → code")
    return {str(name): str(code) for name, code in codes.items()}
