"""Periodic maintenance jobs, run by the worker's maintenance loop (``manage.py run_worker``).

Each app registers its own jobs in ``AppConfig.ready()`` (as it registers its SMS templates with
``fangkong.core.messaging``), so the worker in ``fangkong.core`` does not import the apps above it:

    from fangkong.core import maintenance
    maintenance.register("pickup.expire_overdue", booking_expire_overdue)

A job takes no arguments, must be idempotent (a pass can be cut short by a crash and run again)
and cheap when there is nothing to do: the loop runs every ``--maintenance-every`` seconds (30 by
default). One failing job is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger("fangkong.worker")

JOBS: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    """Add (or replace, on a second ``ready()``) the job called ``name``."""
    JOBS[name] = job


def run_all() -> list[str]:
    """One maintenance pass in registration order; return the names of the jobs that failed."""
    failed = []
    for name, job in list(JOBS.items()):
        try:
            job()
        except Exception:  # keep the pass going; the next pass retries
            logger.exception("maintenance job %s failed", name)
            failed.append(name)
    return failed
