"""The daily tick of home observations (run by the worker's maintenance loop; idempotent).

Each active observation gets one check for today until its last day; checks of past days still
pending become 未检查; an observation past its last day ends, and no more checks are created.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from .models import CheckStatus, HomeObservation, ObservationCheck, ObservationStatus

logger = logging.getLogger("fangkong.screening")


def observations_tick(*, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    with transaction.atomic():
        ended = HomeObservation.objects.filter(status=ObservationStatus.ACTIVE, end_date__lt=today).update(
            status=ObservationStatus.ENDED, ended_at=timezone.now())
        missed = ObservationCheck.objects.filter(status=CheckStatus.PENDING, day__lt=today).update(
            status=CheckStatus.MISSED)
        active = HomeObservation.objects.filter(status=ObservationStatus.ACTIVE, start_date__lte=today,
                                                end_date__gte=today)
        have = set(ObservationCheck.objects.filter(day=today, observation__in=active).values_list("observation_id", flat=True))
        new = [ObservationCheck(observation_id=pk, day=today)
               for pk in active.values_list("pk", flat=True) if pk not in have]
        ObservationCheck.objects.bulk_create(new, ignore_conflicts=True)
    if ended or missed or new:
        logger.info("screening observations ended=%s missed=%s created=%s", ended, missed, len(new))
    return {"ended": ended, "missed": missed, "created": len(new)}
