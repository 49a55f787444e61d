"""Live dashboards: counters reconcile with COUNT(*)s after every kind of move, the figures,
scope (404 outside it), drill-down links whose lists hold exactly the number shown, a pinned
query count, per-hour buckets in Asia/Shanghai time, and the htmx partial."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fangkong.booking import workflow
from fangkong.booking.allocation import round_allocate
from fangkong.booking.dashboard import DashScope, dashboard
from fangkong.booking.dashboard_counters import counters_check
from fangkong.booking.models import Allocation, Booking, BookingStatus, Round, RoundStatus
from fangkong.booking.queries import overdue_counts
from fangkong.booking.services import round_create, round_set_status
from fangkong.orgs.models import Committee, Town
from tests.booking.helpers import book
from tests.conftest import needs_postgres

pytestmark = pytest.mark.django_db
S = BookingStatus
SHANGHAI = timezone.get_default_timezone()
TOMORROW = timezone.localdate() + timedelta(days=1)


def _move(actor, booking: Booking, status: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    defaults = {"reason_code": "not_resident", "note": "核实", "follow_up_on": TOMORROW} if status in (S.REJECTED, S.ON_HOLD, S.VOIDED) else {}
    workflow.booking_transition(actor=actor, booking_id=booking.pk, to_status=status, **{**defaults, **kwargs})


def _real_counts(round_: Round, **where) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(Booking.objects.filter(round=round_, **where).values_list("status", flat=True))


@pytest.fixture
def lottery_round(pudong, district_officer, masks) -> Round:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return round_create(
        actor=district_officer, district=pudong, goods=masks, number=6, allocation=Allocation.LOTTERY,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), per_household_limit=20,
        committee_quota=3, status=RoundStatus.OPEN,
    )


@pytest.fixture
def moved(lottery_round, rooms, worker, outsider, town_officer, other_town_officer, district_officer):  # type: ignore[no-untyped-def]
    """Every kind of move: single decisions, hold → approve, notify, redeem, expire, void, the two
    bulk approvals, and the lottery's 未中签 at allocation. Some bookings registered days ago."""
    qihe = [book(lottery_round, rooms["qihe_101"], phone=f"1381234{i:04d}") for i in range(8)]
    shangnan = [book(lottery_round, rooms["shangnan"], phone=f"1391234{i:04d}") for i in range(3)]
    shanggang = [book(lottery_round, rooms["shanggang"], phone=f"1371234{i:04d}") for i in range(2)]
    # Registered before the overdue cutoff (before any move, as registration times never change later).
    Booking.objects.filter(pk__in=[qihe[6].pk, qihe[7].pk, qihe[2].pk]).update(created_at=timezone.now() - timedelta(days=15))
    for b in qihe:
        b.refresh_from_db()
    _move(worker, qihe[0], S.APPROVED)
    _move(None, qihe[0], S.NOTIFIED) if Booking.objects.get(pk=qihe[0].pk).status == S.APPROVED else None
    _move(worker, qihe[0], S.REDEEMED)
    _move(worker, qihe[1], S.ON_HOLD)
    _move(worker, qihe[1], S.APPROVED)
    _move(worker, qihe[2], S.REJECTED)
    _move(worker, qihe[3], S.ON_HOLD)
    workflow.booking_approve_in_order(actor=outsider, round_=lottery_round, committee=rooms["shangnan"].committee)
    for b in shangnan[:2]:
        if Booking.objects.get(pk=b.pk).status == S.APPROVED:
            _move(None, b, S.NOTIFIED)
    _move(None, shangnan[0], S.EXPIRED)
    _move(outsider, shangnan[1], S.VOIDED)
    workflow.booking_approve_many(actor=other_town_officer, booking_ids=[b.pk for b in shanggang], round_id=lottery_round.pk)
    round_set_status(actor=district_officer, round_=lottery_round, status=RoundStatus.CLOSED)
    round_allocate(actor=district_officer, round_=lottery_round)
    return {"qihe": qihe, "shangnan": shangnan, "shanggang": shanggang}


# --- counters -----------------------------------------------------------------------------------


def test_counters_reconcile_with_real_counts_after_every_kind_of_move(lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    real = _real_counts(lottery_round)
    assert {S.REDEEMED, S.EXPIRED, S.VOIDED, S.REJECTED, S.NOT_ALLOCATED} <= set(real)  # the mix happened
    assert counters_check(lottery_round) == []
    board = dashboard(DashScope(lottery_round))
    assert board.total.counts == {s: real.get(s, 0) for s in S.values}
    assert board.total.booked == Booking.objects.filter(round=lottery_round).count() == 13


def test_per_committee_figures_equal_count_star(lottery_round, moved, committees) -> None:  # type: ignore[no-untyped-def]
    for code in ("T04C027", "T04C001", "T01C001"):
        committee = committees[code]
        board = dashboard(DashScope(lottery_round, committee_id=committee.pk))
        real = _real_counts(lottery_round, committee=committee)
        assert board.total.counts == {s: real.get(s, 0) for s in S.values}, code
        assert board.total.quota == 3


def test_overdue_follows_the_desk_rule(lottery_round, moved, town_officer, committees) -> None:  # type: ignore[no-untyped-def]
    qihe = committees["T04C027"]
    board = dashboard(DashScope(lottery_round, town_id=qihe.town_id))
    desk = overdue_counts(town_officer, lottery_round)
    assert board.groups[qihe.pk].overdue == desk.get(qihe.pk, 0)
    # qihe[2] (15 days old) was rejected; of qihe[6], qihe[7] the lottery kept or dropped some.
    still = Booking.objects.filter(pk__in=[moved["qihe"][6].pk, moved["qihe"][7].pk], status=S.PENDING).count()
    assert board.groups[qihe.pk].overdue == still


def test_redemption_rate_and_quota_use(lottery_round, moved, committees) -> None:  # type: ignore[no-untyped-def]
    shangnan = dashboard(DashScope(lottery_round, committee_id=committees["T04C001"].pk)).total
    # 3 approved in order (quota 3): one expired, one voided, one still 已通过/已通知.
    assert shangnan.counts[S.EXPIRED] == 1 and shangnan.counts[S.VOIDED] == 1
    assert shangnan.redemption_rate == 0.0
    qihe = dashboard(DashScope(lottery_round, committee_id=committees["T04C027"].pk)).total
    assert qihe.redemption_rate == qihe.counts[S.REDEEMED] / qihe.pickup
    assert qihe.quota_pct == f"{qihe.taken / 3 * 100:.0f}%"


def test_rebuild_command_repairs_counters_after_a_raw_update(lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    Booking.objects.filter(pk=moved["qihe"][1].pk).update(status=S.VOIDED)  # around the services
    assert counters_check(lottery_round)
    with pytest.raises(Exception, match="drift"):
        call_command("dashboard_counters", "--check", "--round", str(lottery_round.pk))
    call_command("dashboard_counters", "--rebuild", "--check", "--round", str(lottery_round.pk))
    assert counters_check(lottery_round) == []


def test_a_move_rolled_back_leaves_the_counters_unchanged(lottery_round, rooms, worker) -> None:  # type: ignore[no-untyped-def]
    booking = book(lottery_round, rooms["qihe_101"])
    with pytest.raises(workflow.TransitionError):
        _move(worker, booking, S.ON_HOLD, follow_up_on=None)  # refused before anything is written
    Booking.objects.filter(pk=booking.pk).update(status=S.APPROVED)  # a rival move, raw
    with pytest.raises(workflow.TransitionConflict):
        workflow._move(booking, S.REJECTED, actor=worker, reason_code="other", note="x", request=None, now=timezone.now())
    Booking.objects.filter(pk=booking.pk).update(status=S.PENDING)
    assert counters_check(lottery_round) == []


# --- scope -----------------------------------------------------------------------------------


def _urls(round_: Round, committees) -> dict[str, str]:  # type: ignore[no-untyped-def]
    qihe, t01 = committees["T04C027"], committees["T01C001"]
    return {
        "round": reverse("desk:dashboard", args=[round_.pk]),
        "qihe": reverse("desk:dashboard_committee", args=[round_.pk, qihe.pk]),
        "shangnan": reverse("desk:dashboard_committee", args=[round_.pk, committees["T04C001"].pk]),
        "t04": reverse("desk:dashboard_town", args=[round_.pk, qihe.town_id]),
        "t01": reverse("desk:dashboard_town", args=[round_.pk, t01.town_id]),
        "t01_committee": reverse("desk:dashboard_committee", args=[round_.pk, t01.pk]),
    }


@pytest.mark.parametrize(
    ("who", "allowed", "refused"),
    [
        ("worker", ["round", "qihe"], ["shangnan", "t04", "t01", "t01_committee"]),
        ("outsider", ["round", "shangnan"], ["qihe", "t04", "t01"]),
        ("town_officer", ["round", "qihe", "shangnan", "t04"], ["t01", "t01_committee"]),
        ("other_town_officer", ["round", "t01", "t01_committee"], ["t04", "qihe", "shangnan"]),
        ("district_officer", ["round", "qihe", "shangnan", "t04", "t01", "t01_committee"], []),
        ("clerk", [], ["round", "qihe", "t04"]),
    ],
)
def test_dashboards_answer_404_outside_the_users_scope(client, open_round, committees, request, who, allowed, refused) -> None:  # type: ignore[no-untyped-def]
    urls = _urls(open_round, committees)
    client.force_login(request.getfixturevalue(who))
    assert {name: client.get(urls[name]).status_code for name in allowed + refused} == {
        **dict.fromkeys(allowed, 200), **dict.fromkeys(refused, 404)
    }


def test_the_district_dashboard_of_a_town_round_shows_only_that_town(client, district_officer, town_officer, masks, committees) -> None:  # type: ignore[no-untyped-def]
    round_ = round_create(actor=town_officer, district=town_officer.district, town=town_officer.town, goods=masks, number=9,
                          opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=1))
    client.force_login(district_officer)
    assert client.get(reverse("desk:dashboard_town", args=[round_.pk, committees["T01C001"].town_id])).status_code == 404
    page = client.get(reverse("desk:dashboard", args=[round_.pk]))
    assert [row.label for row in page.context["rows"]] == ["周家渡街道"]


# --- drill-down ----------------------------------------------------------------------------------

LINK = re.compile(r'<a (?:class="[^"]*" )?href="(?P<url>[^"]*\?status=[^"]*)">(?P<n>[\d,]+)</a>')
STAT = re.compile(r'<a class="stat[^"]*" href="(?P<url>[^"]*\?status=[^"]*)">[^<]*<b>(?P<n>[\d,]+)</b>')


def _links(html: str) -> list[tuple[str, int]]:
    found = [*LINK.finditer(html), *STAT.finditer(html)]
    return [(m["url"].replace("&amp;", "&"), int(m["n"].replace(",", ""))) for m in found]


def test_every_number_on_the_town_dashboard_links_to_a_list_with_that_many_rows(client, town_officer, lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    html = client.get(reverse("desk:dashboard", args=[lottery_round.pk])).content.decode()
    to_lists = [(url, n) for url, n in _links(html) if "/committees/" in url]
    assert len(to_lists) >= 10
    for url, n in to_lists:
        listed = client.get(url)
        assert listed.status_code == 200, url
        assert listed.context["page"].paginator.count == n, url


def test_every_number_on_the_committee_dashboard_links_to_its_list(client, worker, lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.get(reverse("desk:dashboard", args=[lottery_round.pk])).content.decode()
    links = _links(html)
    assert any("overdue=1" in url for url, _n in links) and any("hour=" in url for url, _n in links)
    for url, n in links:
        assert client.get(url).context["page"].paginator.count == n, url


def test_district_numbers_drill_to_the_town_dashboard_with_the_status_carried(client, district_officer, lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    html = client.get(reverse("desk:dashboard", args=[lottery_round.pk])).content.decode()
    t04 = Town.objects.get(code="T04")
    drills = [(url, n) for url, n in _links(html) if f"/dashboard/towns/{t04.pk}/" in url]
    assert drills
    for url, n in drills:
        page = client.get(url)
        status = page.context["selected"]
        total = page.context["board"].total
        if "hour=" in url:
            shown = total.hour
        elif status == "overdue":
            shown = total.overdue
        elif status == "":
            shown = total.booked
        else:
            shown = total.counts[status] if status in S.values else total.group(status)
        assert shown == n, url


# --- query count, hours, partial ---------------------------------------------------------------


def test_the_district_dashboard_takes_a_fixed_number_of_queries(client, district_officer, lottery_round, moved, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    url = reverse("desk:dashboard", args=[lottery_round.pk])
    client.get(url)  # counts the closed hours once
    # 14 for the bookings figures, +1 for the pickup stock table (one grouped query).
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200


def _local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), SHANGHAI)


def test_bookings_per_hour_are_bucketed_in_shanghai_time(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    late, early, later = book(open_round, rooms["qihe_101"]), book(open_round, rooms["qihe_102"]), book(open_round, rooms["qihe_101"])
    Booking.objects.filter(pk=late.pk).update(created_at=_local(2026, 3, 9, 23, 30))  # 15:30 UTC
    Booking.objects.filter(pk=early.pk).update(created_at=_local(2026, 3, 10, 0, 5))  # 16:05 UTC, the next local day
    Booking.objects.filter(pk=later.pk).update(created_at=_local(2026, 3, 10, 0, 15))
    Round.objects.filter(pk=open_round.pk).update(opens_at=_local(2026, 3, 9, 22, 0), closes_at=_local(2026, 3, 10, 2, 0))
    open_round.refresh_from_db()
    scope = DashScope(open_round, committee_id=rooms["qihe_101"].committee_id)
    # At 00:20 the step up to 00:10 is counted (00:05 in the 00 hour's row), 00:15 is read live;
    # at 03:00 the rest of that hour is added to the same row.
    for now in (_local(2026, 3, 10, 0, 20), _local(2026, 3, 10, 3, 0)):
        hours = [(b.key, b.n) for b in dashboard(scope, now=now).hours]
        assert hours[:3] == [("2026-03-09T22", 0), ("2026-03-09T23", 1), ("2026-03-10T00", 2)]
        assert hours[-1][0] == ("2026-03-10T00" if now.hour == 0 else "2026-03-10T01")  # up to now, or to the close
        assert [(b.key, b.n) for b in dashboard(DashScope(open_round), now=now).hours] == hours  # per-town sums
        assert counters_check(open_round) == []
    client.force_login(worker)
    listed = client.get(reverse("desk:committee", args=[open_round.pk, rooms["qihe_101"].committee_id]) + "?status=&hour=2026-03-09T23")
    assert [b.booking_no for b in listed.context["page"]] == [late.booking_no]


def test_the_htmx_refresh_returns_only_the_live_part(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    book(open_round, rooms["qihe_101"])
    client.force_login(worker)
    url = reverse("desk:dashboard", args=[open_round.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 15s"' in page and "<html" in page and "echarts.common.min.js" in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="dashboard"') and "<html" not in partial
    assert re.search(r"更新于 \d\d:\d\d:\d\d", partial)
    assert re.search(r'预约总数<b>1</b>', partial)


def test_desk_pages_link_to_the_dashboards(client, town_officer, district_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    assert reverse("desk:dashboard", args=[open_round.pk]) in client.get(reverse("desk:round", args=[open_round.pk])).content.decode()
    client.force_login(town_officer)
    town = Committee.objects.get(code="T04C027").town_id
    assert reverse("desk:dashboard_town", args=[open_round.pk, town]) in client.get(reverse("desk:round", args=[open_round.pk])).content.decode()


@needs_postgres()
def test_reads_share_one_repeatable_read_snapshot_on_postgresql(transactional_db, open_round, rooms, worker) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking = book(open_round, rooms["qihe_101"])
    _move(worker, booking, S.ON_HOLD)
    with CaptureQueriesContext(connection) as queries:
        board = dashboard(DashScope(open_round, committee_id=rooms["qihe_101"].committee_id))
    assert any("REPEATABLE READ" in q["sql"] for q in queries.captured_queries)
    assert (board.total.booked, board.total.counts[S.PENDING], board.total.counts[S.ON_HOLD]) == (1, 0, 1)


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_one_committee_keep_the_counters_exact(open_round, rooms, worker, town_officer) -> None:  # type: ignore[no-untyped-def]
    from tests.booking.helpers import run_concurrently

    bookings = [book(open_round, rooms["qihe_101" if i % 2 else "qihe_102"], phone=f"1381234{i:04d}") for i in range(8)]

    def act(i: int) -> str:  # the same counter rows from eight connections at once
        actor = worker if i % 2 else town_officer
        status = (S.APPROVED, S.ON_HOLD, S.REJECTED)[i % 3]
        _move(actor, bookings[i], status)
        return status

    run_concurrently(8, act)
    assert counters_check(open_round) == []
    real = _real_counts(open_round)
    assert dashboard(DashScope(open_round)).total.counts == {s: real.get(s, 0) for s in S.values}


def test_the_worker_closes_the_hours_so_a_dashboard_get_only_reads_its_mark(lottery_round, moved) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.dashboard_counters import hours_close_recent_rounds
    from fangkong.booking.models import RoundHoursMark
    from fangkong.core import maintenance

    later = timezone.now() + timedelta(minutes=30)
    assert "booking.dashboard_hours" in maintenance.JOBS  # registered by the booking app
    assert hours_close_recent_rounds(now=later) >= 1
    mark = RoundHoursMark.objects.get(round=lottery_round).until
    assert mark > timezone.now()  # registrations up to a step boundary before `later` are counted
    assert counters_check(lottery_round) == []
    assert hours_close_recent_rounds(now=later) >= 1  # idempotent: the same mark, the same counts
    assert RoundHoursMark.objects.get(round=lottery_round).until == mark
    assert counters_check(lottery_round) == []


def test_rounds_closed_more_than_a_day_ago_are_left_alone(lottery_round) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.dashboard_counters import hours_close_recent_rounds

    assert hours_close_recent_rounds(now=lottery_round.closes_at + timedelta(days=2)) == 0
