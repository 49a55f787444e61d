"""Gateways for tests, selected by dotted path in SMS_BACKEND (also in a worker subprocess)."""

from __future__ import annotations

import os
import time

from fangkong.core.gateways import OutboxGateway, PermanentError, TransientError
from fangkong.core.models import OutboundMessage


class StallingOutboxGateway(OutboxGateway):
    """The demo outbox gateway, with a crash point for the worker-kill test.

    After delivering the message whose key is ``STALL_AFTER_DELIVERING`` it hangs (as if the
    provider's answer never came), so the test can kill the worker at the worst moment: the SMS
    is out, the message is still "sending".
    """

    def send(self, message: OutboundMessage) -> str:
        provider_id = super().send(message)
        if message.idempotency_key == os.environ.get("STALL_AFTER_DELIVERING"):
            time.sleep(120)
        return provider_id


class UnreachableGateway:
    def send(self, message: OutboundMessage) -> str:
        raise TransientError("短信平台暂时无法连接")


class RejectingGateway:
    def send(self, message: OutboundMessage) -> str:
        raise PermanentError("号码无效")
