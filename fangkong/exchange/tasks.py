"""Background jobs of file exchange: the SMS of a new version sent to many recipients."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("fangkong.exchange")


@task(queue_name="default")
def version_send_sms(version_id: int) -> int:
    """Queue a new version's SMS; idempotent (one key per version and person)."""
    from .models import FileVersion
    from .services_files import version_queue_sms

    version = FileVersion.objects.select_related("share").get(pk=version_id)
    queued = version_queue_sms(version=version)
    logger.info("exchange version=%s sms=%s", version_id, queued)
    return queued
