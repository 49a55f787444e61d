"""The middleware writes one active day per user, module and day, and nothing on a cached hit."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from fangkong.activity import middleware as mw
from fangkong.activity.middleware import ActivityMiddleware, tracker
from fangkong.activity.models import UserDay
from fangkong.activity.services import Visit, userday_upsert


def _call(user: Any, namespace: str = "office") -> HttpResponse:
    request = RequestFactory().get("/x/")
    request.user = user
    request.resolver_match = SimpleNamespace(namespaces=[namespace] if namespace else [])  # type: ignore[assignment]
    return ActivityMiddleware(lambda r: HttpResponse("ok"))(request)


def test_first_request_of_the_day_writes_one_row_with_the_users_unit(worker: Any) -> None:
    _call(worker)
    row = UserDay.objects.get()
    assert (row.user_id, row.module, row.town_id, row.committee_id, row.hits) == (
        worker.pk, "office", worker.town_id, worker.committee_id, 1)


def test_a_cached_hit_runs_no_query(worker: Any) -> None:
    _call(worker)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            _call(worker)
    assert len(queries) == 0
    assert UserDay.objects.get().hits == 1


def test_anonymous_visitors_are_not_counted(db: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        _call(AnonymousUser())
    assert len(queries) == 0
    assert not UserDay.objects.exists()


def test_urls_outside_the_modules_are_not_counted(worker: Any) -> None:
    _call(worker, "admin")
    _call(worker, "")
    assert not UserDay.objects.exists()


def test_each_module_counts_its_own_day(worker: Any) -> None:
    _call(worker, "office")
    _call(worker, "desk")
    _call(worker, "api")
    assert sorted(UserDay.objects.values_list("module", flat=True)) == ["api", "desk", "office"]


def test_the_next_day_writes_a_new_row(worker: Any, monkeypatch: Any) -> None:
    _call(worker)
    now = time.time()
    monkeypatch.setattr(mw.time, "time", lambda: now + 86400)
    _call(worker)
    assert UserDay.objects.count() == 2
    assert len({d for d in UserDay.objects.values_list("day", flat=True)}) == 2


def test_pending_hits_reach_the_table_in_one_batch_after_the_interval(worker: Any, outsider: Any, settings: Any,
                                                                      monkeypatch: Any) -> None:
    settings.ACTIVITY_FLUSH_SECONDS = 300
    _call(worker)
    _call(outsider)
    for _ in range(3):
        _call(worker)
    _call(outsider)
    assert sorted(UserDay.objects.values_list("hits", flat=True)) == [1, 1]
    start = time.monotonic()
    monkeypatch.setattr(mw.time, "monotonic", lambda: start + 301)
    with CaptureQueriesContext(connection) as queries:
        _call(worker)  # this request carries everyone's counters
    assert sum("INSERT" in q["sql"] for q in queries) == 1
    assert dict(UserDay.objects.values_list("user_id", "hits")) == {worker.pk: 5, outsider.pk: 2}


def test_the_upsert_merges_visits_from_two_processes(worker: Any) -> None:
    from django.utils import timezone

    now = timezone.now()
    day = timezone.localdate()
    org = (worker.district_id, worker.town_id, worker.committee_id)
    userday_upsert([Visit(worker.pk, day, "desk", *org, first_seen=now, last_seen=now, hits=2)])
    earlier, later = now.replace(microsecond=0) - timezone.timedelta(hours=1), now + timezone.timedelta(hours=1)
    userday_upsert([Visit(worker.pk, day, "desk", *org, first_seen=earlier, last_seen=later, hits=3)])
    row = UserDay.objects.get()
    assert (row.hits, row.first_seen, row.last_seen) == (5, earlier, later)


def test_a_failed_write_does_not_break_the_page(worker: Any, monkeypatch: Any) -> None:
    from django.db import DatabaseError

    def boom(visits: Any) -> int:
        raise DatabaseError("down")

    monkeypatch.setattr(mw, "userday_upsert", boom)
    assert _call(worker).status_code == 200
    assert tracker.seen == {}  # forgotten, so the next request tries again


def test_a_signed_in_request_through_the_site_is_counted(client: Any, district_officer: Any) -> None:
    client.force_login(district_officer)
    client.get("/office/")
    client.get("/office/")
    row = UserDay.objects.get()
    assert (row.module, row.district_id, row.hits) == ("office", district_officer.district_id, 1)
