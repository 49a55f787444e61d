"""Background jobs of the addresses app: matching one queued address (``AddressReview``).

Takes the item's id, is idempotent (only a run that finds the item still ``matching`` writes),
and logs the decision; the index is loaded once per worker process (``matching``).
"""

from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def address_match_run(review_id: int) -> str:
    from .services_review import address_review_match

    return address_review_match(review_id=review_id)
