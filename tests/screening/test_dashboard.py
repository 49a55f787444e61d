"""The screening dashboard: the day's funnel (the run's numbers for the district, the orders'
for everyone), identification per source, median/p90 handling times and overdue per unit,
urgent orders; scoped, linked to the lists, with a pinned number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.screening.models import OrderStatus, RunStatus, ScreeningRun
from fangkong.screening.queries_dashboard import percentile

from .conftest import hours_ago, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_run(pudong, district_officer):  # type: ignore[no-untyped-def]
    return ScreeningRun.objects.create(
        district=pudong, as_of=timezone.now().date(), status=RunStatus.DONE, created_by=district_officer,
        finished_at=timezone.now(),
        summary={"records": 10000, "people": 8200, "key_people": 310, "orders": 4},
        quality={"identification": {"checkpoint": {"matched": 90, "committee_only": 6, "review": 3, "outside": 1},
                                    "hotline": {"matched": 40, "review": 10, "no_address": 50},
                                    "rail": {"no_address": 30}}})


def funnel(page: str) -> dict[str, str]:
    import re

    return {k: v.replace(",", "") for k, v in re.findall(r'data-step="(\w+)"[^>]*><b>([^<]+)</b>', page)}


def test_the_district_sees_the_runs_funnel_and_the_orders_progress(client, district_officer, committees, day_run):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS, accept_seconds=600)
    make_order(committees["T04C027"], status=OrderStatus.CLOSED, accept_seconds=1200, close_seconds=7200)
    make_order(committees["T04C001"])
    make_order(committees["T01C001"])
    client.force_login(district_officer)
    page = client.get("/screening/dashboard/").content.decode()
    assert funnel(page) == {"records": "10000", "people": "8200", "key_people": "310", "orders": "4",
                            "accepted": "2", "closed": "1"}


def test_a_town_sees_only_its_own_orders_and_not_the_district_pipeline(client, town_officer, committees, day_run):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS, accept_seconds=600)
    make_order(committees["T01C001"], status=OrderStatus.IN_PROGRESS, accept_seconds=600)
    client.force_login(town_officer)
    page = client.get("/screening/dashboard/").content.decode()
    assert funnel(page) == {"orders": "1", "accepted": "1", "closed": "0"}
    assert f'data-unit="{committees["T01C001"].pk}"' not in page and 'id="identification"' not in page


def test_a_committee_sees_its_own_counts(client, worker, committees):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], order_type="symptom_check", name="王小明")
    make_order(committees["T04C001"], order_type="symptom_check")
    client.force_login(worker)
    page = client.get("/screening/dashboard/").content.decode()
    assert funnel(page) == {"orders": "1", "accepted": "0", "closed": "0"}
    assert page.count('<tr class="" data-order=') + page.count('<tr class="overdue" data-order=') == 1
    assert "王**" in page and "王小明" not in page


def test_identification_rates_per_source_come_from_the_runs_quality_report(client, district_officer, day_run, committees):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"])
    client.force_login(district_officer)
    page = client.get("/screening/dashboard/").content.decode()
    assert "<td>道口登记</td><td>100</td><td>100</td><td><b>97.0%</b></td><td>90.0%</td><td>96.0%</td>" in page
    # Rates over the records that carry an address; a source with none shows "—", not 0 %.
    assert "<td>12345热线</td><td>100</td><td>50</td><td><b>80.0%</b></td><td>80.0%</td><td>80.0%</td>" in page
    assert "<td>铁路到达</td><td>30</td><td>0</td><td><b>—</b></td><td>—</td><td>—</td>" in page


def test_handling_times_are_median_and_p90_per_committee_with_overdue(client, town_officer, committees):  # type: ignore[no-untyped-def]
    qihe = committees["T04C027"]
    for minutes in (10, 20, 30, 40, 100):
        make_order(qihe, status=OrderStatus.IN_PROGRESS, accept_seconds=minutes * 60,
                   result_due=timezone.now() + timedelta(hours=3))
    make_order(qihe, accept_due=hours_ago(1))  # not accepted in time
    client.force_login(town_officer)
    page = client.get("/screening/dashboard/").content.decode()
    row = page.split(f'data-unit="{qihe.pk}">')[1].split("</tr>")[0]
    assert "<td>6</td>" in row  # orders of the day
    assert f'href="/screening/?status=open&amp;overdue=1&amp;committee={qihe.pk}"' in row and "<b>1</b>" in row
    assert "<td>30 / 76</td>" in row  # accept: median 30, p90 = 40 + 0.6 × 60


def test_percentile_interpolates_like_postgres():  # type: ignore[no-untyped-def]
    assert percentile([], 0.5) is None
    assert percentile([5], 0.9) == 5
    assert percentile([10, 20, 30, 40, 100], 0.5) == 30
    assert percentile([10, 20, 30, 40, 100], 0.9) == pytest.approx(76)


def test_the_funnel_numbers_link_to_the_filtered_lists(client, town_officer, committees):  # type: ignore[no-untyped-def]
    accepted = make_order(committees["T04C027"], status=OrderStatus.IN_PROGRESS, accept_seconds=60)
    waiting = make_order(committees["T04C027"])
    old = make_order(committees["T04C027"], as_of=timezone.now().date() - timedelta(days=3), accept_seconds=60,
                     status=OrderStatus.IN_PROGRESS)
    client.force_login(town_officer)
    page = client.get("/screening/dashboard/").content.decode()
    day = timezone.now().date().isoformat()
    link = f"/screening/?status=&amp;day={day}&amp;accepted=1"
    assert f'href="{link}"' in page
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert accepted.order_id in listed and waiting.order_id not in listed and old.order_id not in listed


def test_the_list_filters_by_town_for_the_district(client, district_officer, committees):  # type: ignore[no-untyped-def]
    mine = make_order(committees["T04C027"])
    other = make_order(committees["T01C001"])
    client.force_login(district_officer)
    listed = client.get(f"/screening/?status=open&town={committees['T04C027'].town_id}").content.decode()
    assert mine.order_id in listed and other.order_id not in listed


def test_urgent_open_orders_are_listed_overdue_in_red(client, town_officer, committees):  # type: ignore[no-untyped-def]
    late = make_order(committees["T04C027"], order_type="symptom_check", accept_due=hours_ago(0.1))
    make_order(committees["T04C027"], order_type="symptom_check", status=OrderStatus.CLOSED)
    make_order(committees["T04C027"])  # not urgent
    client.force_login(town_officer)
    page = client.get("/screening/dashboard/").content.decode()
    assert f'<tr class="overdue" data-order="{late.order_id}">' in page
    assert page.count("data-order=") == 1


def test_the_dashboard_takes_a_fixed_number_of_queries(client, district_officer, committees, day_run):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    make_order(committees["T04C027"], order_type="symptom_check")
    client.get("/screening/dashboard/")
    with CaptureQueriesContext(connection) as few:
        client.get("/screening/dashboard/")
    for code in ("T04C027", "T04C001", "T01C001"):
        for _n in range(5):
            make_order(committees[code], order_type="symptom_check", accept_seconds=60, status=OrderStatus.IN_PROGRESS)
    with CaptureQueriesContext(connection) as many:
        client.get("/screening/dashboard/")
    assert len(many) == len(few) <= 9


def test_the_htmx_poll_gets_only_the_live_part(client, town_officer, committees):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"])
    client.force_login(town_officer)
    part = client.get("/screening/dashboard/", headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="screening-dashboard"') and "<html" not in part


def test_staff_without_a_screening_scope_get_no_dashboard(client, clerk):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    assert client.get("/screening/dashboard/").status_code == 404
