"""The worker's maintenance registry: every app's jobs run each pass; one failing job does not
stop the others."""

from __future__ import annotations

import pytest

from fangkong.core import maintenance


def test_the_apps_register_their_jobs() -> None:
    assert {"core.requeue_stale_messages", "core.export_files_cleanup", "pickup.expire_overdue",
            "booking.dashboard_hours"} <= set(maintenance.JOBS)


def test_a_failing_job_is_reported_and_the_next_one_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("boom")

    monkeypatch.setattr(maintenance, "JOBS", {"a.broken": broken, "b.fine": lambda: ran.append("fine")})
    assert maintenance.run_all() == ["a.broken"]
    assert ran == ["broken", "fine"]
