"""The background worker: django-tasks-db's worker plus a maintenance loop.

The maintenance loop runs the jobs the apps registered with ``fangkong.core.maintenance`` (core:
re-queue messages whose worker died mid-delivery, so a killed worker loses nothing, and mark that
worker's abandoned delivery jobs failed, which django-tasks-db would leave "running" forever;
delete export files older than ``EXPORT_KEEP_HOURS``; pickup: expire vouchers whose pickup window
has ended; booking: count the dashboards' closed hours). It runs in a daemon thread beside the
task loop, every ``--maintenance-every`` seconds, with ``OUTBOX_STALE_SECONDS`` as the age that
counts as dead.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from fangkong.core import maintenance

logger = logging.getLogger("fangkong.worker")


def maintenance_loop(every: float) -> None:
    while True:
        time.sleep(every)
        try:
            close_old_connections()
            maintenance.run_all()
        except Exception:  # keep the loop alive; the next pass retries
            logger.exception("maintenance pass failed")


class Command(DbWorkerCommand):
    help = "Run the Fangkong background worker (all queues, with outbox maintenance)."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--maintenance-every", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        every = options.pop("maintenance_every")
        if options.get("queue_name") in (None, "default"):
            options["queue_name"] = "*"
        threading.Thread(target=maintenance_loop, args=(every,), daemon=True).start()
        super().handle(*args, **options)
