from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_tracker(settings, _fresh_process_caches):  # type: ignore[no-untyped-def]
    """The middleware's per-process memory must not carry users from one test to the next."""
    from fangkong.activity.middleware import tracker

    settings.ACTIVITY_FLUSH_SECONDS = 0
    tracker.clear()
    tracker.enabled = True
    yield
    tracker.clear()
    tracker.enabled = False
