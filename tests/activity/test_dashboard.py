"""The dashboard: the district sees its towns, a town its committees; everyone else a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.activity.models import UserDay
from fangkong.activity.queries import activity_board


def _day(user: Any, module: str, days_ago: int = 0) -> None:
    UserDay.objects.create(user=user, module=module, day=timezone.localdate() - timedelta(days=days_ago),
                           district_id=user.district_id, town_id=user.town_id, committee_id=user.committee_id, hits=3)


@pytest.fixture
def usage(worker: Any, outsider: Any, other_town_officer: Any, town_officer: Any) -> None:
    _day(worker, "office")
    _day(worker, "desk")  # two modules, one active user
    _day(worker, "office", 1)
    _day(outsider, "office")
    _day(other_town_officer, "desk")
    _day(town_officer, "office", 3)


def test_district_counts_each_user_once_per_day(pudong: Any, usage: Any) -> None:
    board = activity_board(district_id=pudong.pk)
    assert (board.total.today, board.total.yesterday, board.total.users) == (3, 1, 4)
    modules = {m.key: m for m in board.modules}
    assert (modules["office"].today, modules["desk"].today, modules["office"].users) == (2, 2, 3)
    towns = {u.label: u for u in board.units}
    assert (towns["周家渡街道"].today, towns["周家渡街道"].users, towns["上钢新村街道"].today) == (2, 3, 1)
    assert len(board.total.series) == 30


def test_town_sees_only_its_committees(town_officer: Any, usage: Any) -> None:
    board = activity_board(district_id=town_officer.district_id, town_id=town_officer.town_id)
    assert board.total.today == 2
    committees = {u.label: u.today for u in board.units if u.today}
    assert committees == {"齐河第二社区": 1, "上南一村": 1}
    assert "上南花城社区" not in {u.label for u in board.units}


def test_district_page_lists_towns_with_links(client: Any, district_officer: Any, usage: Any) -> None:
    client.force_login(district_officer)
    page = client.get("/activity/").content.decode()
    assert "周家渡街道" in page and "/activity/towns/" in page and "activity-data" in page


def test_town_officer_gets_own_town(client: Any, town_officer: Any, usage: Any) -> None:
    client.force_login(town_officer)
    page = client.get("/activity/").content.decode()
    assert "齐河第二社区" in page and "上钢新村街道" not in page


def test_town_officer_cannot_open_another_town(client: Any, town_officer: Any, other_town_officer: Any) -> None:
    client.force_login(town_officer)
    assert client.get(f"/activity/towns/{other_town_officer.town_id}/").status_code == 404


def test_district_opens_a_town(client: Any, district_officer: Any, town_officer: Any, usage: Any) -> None:
    client.force_login(district_officer)
    response = client.get(f"/activity/towns/{town_officer.town_id}/")
    assert response.status_code == 200 and "齐河第二社区" in response.content.decode()


def test_committee_worker_gets_404(client: Any, worker: Any) -> None:
    client.force_login(worker)
    assert client.get("/activity/").status_code == 404


def test_anonymous_is_sent_to_login(client: Any, db: Any) -> None:
    assert client.get("/activity/").status_code == 302


def test_district_page_query_count_does_not_grow_with_rows(client: Any, district_officer: Any, usage: Any) -> None:
    client.force_login(district_officer)
    client.get("/activity/")  # the officer's own active day is written here, not below
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/activity/").status_code == 200
    for days_ago in range(10):
        _day(district_officer, "desk", days_ago)
    with CaptureQueriesContext(connection) as more:
        client.get("/activity/")
    assert len(queries) == len(more) <= 10, [q["sql"][:80] for q in more]
