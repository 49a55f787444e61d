"""Counting active days without a write per request.

For a signed-in user, the first request of the day to a module (the URL namespace: 预约工作台,
领取点, 协同办公, 筛查, 地址库, 接口 …) writes one ``UserDay`` row at once, so the day's active
users are exact and current. Later requests that day only bump a counter in this process's
memory (``_Tracker``): no query. Those counters (hits, last_seen) reach the table in one batched
statement for all users at most every ``ACTIVITY_FLUSH_SECONDS`` (default 300; 0 turns the
batches off, leaving exactly one write per user, module and day per process).

A restart loses at most one interval of hit counts, never an active day.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import empty

from .services import Visit, userday_upsert

log = logging.getLogger(__name__)

# URL namespace → module (fangkong.activity.models.Module); other namespaces are not counted.
NAMESPACES = {
    "desk": "desk",
    "booking": "booking",
    "pickup": "pickup",
    "office": "office",
    "screening": "screening",
    "addresses": "addresses",
    "api": "api",
}


@dataclass
class _Entry:
    day: date
    org: tuple[int | None, int | None, int | None]
    pending: int = 0  # hits since the last write
    pending_first: float = 0.0
    last: float = 0.0


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


class _Tracker:
    """This process's memory of who was already counted today."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[tuple[int, str], _Entry] = {}
        self.day: date | None = None
        self.day_ends = 0.0  # epoch seconds when ``day`` ends (local midnight)
        self.flushed_at = time.monotonic()
        # Tests of other apps turn counting off (tests/conftest.py) so their pinned query counts
        # do not depend on whether an earlier test already counted the same user id today.
        self.enabled = True

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()
            self.day, self.day_ends = None, 0.0
            self.flushed_at = time.monotonic()

    def _today(self, now: float) -> date:
        if now >= self.day_ends or self.day is None:
            local = timezone.localtime(_dt(now))
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            self.day, self.day_ends = local.date(), midnight.timestamp()
        return self.day

    def record(self, user_id: int, org: tuple[int | None, int | None, int | None], module: str) -> list[Visit]:
        """What to write for this request: usually nothing."""
        now = time.time()
        day = self.day if now < self.day_ends else None
        writes: list[Visit] = []
        if day is None:
            with self.lock:
                before = self.day
                day = self._today(now)
                if before is not None and before != day:  # midnight: yesterday's counters, then forget
                    writes += self._drain()
                    self.seen.clear()
        key = (user_id, module)
        entry = self.seen.get(key)
        if entry is not None and entry.day == day:
            if entry.pending == 0:
                entry.pending_first = now
            entry.pending += 1
            entry.last = now
            interval = getattr(settings, "ACTIVITY_FLUSH_SECONDS", 300)
            if interval and time.monotonic() - self.flushed_at >= interval:
                with self.lock:
                    writes += self._drain()
            return writes
        self.seen[key] = _Entry(day=day, org=org, last=now)
        writes.append(Visit(user_id, day, module, *org, first_seen=_dt(now), last_seen=_dt(now), hits=1))
        return writes

    def _drain(self) -> list[Visit]:
        """The pending counters as visits (caller holds the lock)."""
        self.flushed_at = time.monotonic()
        out = []
        for (user_id, module), e in self.seen.items():
            if e.pending:
                out.append(Visit(user_id, e.day, module, *e.org, first_seen=_dt(e.pending_first),
                                 last_seen=_dt(e.last), hits=e.pending))
                e.pending = 0
        return out

    def flush(self) -> int:
        """Write every pending counter now (tests, shutdown hooks)."""
        with self.lock:
            visits = self._drain()
        return userday_upsert(visits)


tracker = _Tracker()


def _signed_in_user(request: HttpRequest) -> object | None:
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is empty:  # the view never asked who it was: only look if the session says someone is signed in
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None
    return user if user.is_authenticated else None


class ActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not tracker.enabled:
            return response
        match = request.resolver_match
        if match is None or not match.namespaces:
            return response
        module = NAMESPACES.get(match.namespaces[0])
        if module is None:
            return response
        user = _signed_in_user(request)
        if user is None:
            return response
        org = (getattr(user, "district_id", None), getattr(user, "town_id", None), getattr(user, "committee_id", None))
        writes = tracker.record(user.pk, org, module)  # type: ignore[attr-defined]
        if writes:
            try:
                userday_upsert(writes)
            except DatabaseError:  # counting must never break the page it counts
                log.exception("activity write failed")
                tracker.clear()
        return response
