"""The outbox sends each SMS exactly once when the worker is killed and restarted mid-batch.

Real ``manage.py run_worker`` processes against the test database (SQLite file or PostgreSQL):
the first is SIGKILLed right after the gateway delivered message 100 of 300 but before that
message was marked sent; a second worker must finish the batch, and its maintenance pass must
recover message 100 without delivering it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fangkong.core.messaging import queue_sms
from fangkong.core.models import DeliveredMessage, MessageStatus, OutboundMessage

BATCH = 300
CRASH_AT = 100


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(log: Path, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SMS_BACKEND": "tests.core.gateways.StallingOutboxGateway",
        "OUTBOX_STALE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    command = [
        sys.executable, "manage.py", "run_worker",
        "--interval", "0.1", "--no-startup-delay", "--no-reload", "--maintenance-every", "1",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment, stdout=out, stderr=out)


def wait_for(condition: Callable[[], bool], *, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds}s; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.mark.django_db(transaction=True)
def test_each_sms_is_sent_exactly_once_when_the_worker_is_killed_mid_batch(tmp_path: Path) -> None:
    keys = [f"crash-test:{n:03d}" for n in range(BATCH)]
    with transaction.atomic():
        for n, key in enumerate(keys):
            queue_sms(phone=f"1391600{n:04d}", template="lookup_code", variables={"code": f"{n:06d}", "minutes": 10}, key=key)
    log = tmp_path / "workers.log"

    first = start_worker(log, STALL_AFTER_DELIVERING=keys[CRASH_AT - 1])
    try:
        wait_for(lambda: DeliveredMessage.objects.filter(idempotency_key=keys[CRASH_AT - 1]).exists(), seconds=30, log=log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert DeliveredMessage.objects.count() == CRASH_AT
    assert OutboundMessage.objects.get(idempotency_key=keys[CRASH_AT - 1]).status == MessageStatus.SENDING

    second = start_worker(log)
    try:
        wait_for(lambda: OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == BATCH, seconds=60, log=log)
    finally:
        stop(second)

    delivered = list(DeliveredMessage.objects.values_list("idempotency_key", flat=True))
    assert len(delivered) == BATCH
    assert sorted(delivered) == keys  # every key once, none twice
    assert OutboundMessage.objects.exclude(status=MessageStatus.SENT).count() == 0
    # Only the message caught in the crash went to the gateway twice; the repeat was absorbed.
    assert OutboundMessage.objects.get(idempotency_key=keys[CRASH_AT - 1]).attempts == 2
    assert OutboundMessage.objects.filter(attempts=1).count() == BATCH - 1
    orphan = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)  # the killed worker's job
    assert orphan.exception_class_path == "fangkong.core.tasks.WorkerLost"
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
