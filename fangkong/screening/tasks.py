"""Background jobs of screening: one pipeline run over a day's uploaded files.

The task takes the run's id and reloads it; only the call that moves the run from pending to
running does the work, so a job delivered twice is harmless (see ``services_run.run_execute``).
"""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("fangkong.screening")


@task(queue_name="default")
def screening_run(run_id: int) -> str:
    from .services_run import run_execute

    outcome = run_execute(run_id)
    logger.info("screening run=%s %s", run_id, outcome)
    return outcome

