"""The 地址复核 and 地址识别率 pages: who sees what (404 outside the scope), the one-click
actions, a pinned number of queries, and the rate figures as the counters hold them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fangkong.addresses.models import AddressReview, ReviewStatus, StandardAddress
from fangkong.booking.models import Booking
from tests.addresses.review_helpers import run_matcher, typed_booking
from tests.addresses.test_review_services import AMBIGUOUS, twins  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _open_item(round_: Any, text: str = AMBIGUOUS, town: str = "T04") -> AddressReview:
    review = run_matcher(typed_booking(round_, text, town=town))
    assert review.status == ReviewStatus.OPEN
    return review


def test_the_town_sees_its_open_items_with_candidates(client: Any, open_round: Any, town_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(town_officer)
    page = client.get(reverse("addresses:reviews")).content.decode()
    assert review.text in page and "明星苑" in page and "明兴苑" in page and "确认首选" in page
    assert reverse("desk:booking", args=[int(review.source_ref)]) in page


def test_another_town_and_committees_do_not_see_the_item(client: Any, open_round: Any, other_town_officer: Any, worker: Any) -> None:
    review = _open_item(open_round)
    client.force_login(other_town_officer)
    assert review.text not in client.get(reverse("addresses:reviews")).content.decode()
    client.force_login(worker)
    assert client.get(reverse("addresses:reviews")).status_code == 404
    assert client.get(reverse("addresses:rate")).status_code == 404


@pytest.mark.parametrize("name", ["review_confirm", "review_reject"])
def test_acting_on_another_towns_item_is_404(client: Any, open_round: Any, other_town_officer: Any, name: str) -> None:
    review = _open_item(open_round)
    client.force_login(other_town_officer)
    response = client.post(reverse(f"addresses:{name}", args=[review.pk]), {"address_id": review.candidates[0]["address_id"]})
    assert response.status_code == 404
    assert AddressReview.objects.get(pk=review.pk).status == ReviewStatus.OPEN


def test_searching_for_another_towns_item_is_404(client: Any, open_round: Any, other_town_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(other_town_officer)
    assert client.get(reverse("addresses:review_search", args=[review.pk]), {"q": "上南路"}).status_code == 404


def test_the_district_sees_every_towns_items_and_can_filter_by_town(client: Any, open_round: Any, district_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(district_officer)
    page = client.get(reverse("addresses:reviews")).content.decode()
    assert review.text in page and "周家渡街道 1" in page
    assert client.get(reverse("addresses:reviews"), {"town": "999999"}).status_code == 404


def test_one_click_confirms_the_top_candidate(client: Any, open_round: Any, town_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(town_officer)
    top = review.candidates[0]
    response = client.post(
        reverse("addresses:review_confirm", args=[review.pk]), {"address_id": top["address_id"], "next": "/desk/addresses/reviews/"}
    )
    assert response.status_code == 302 and response["Location"] == "/desk/addresses/reviews/"
    assert Booking.objects.get().committee_id == top["committee_id"]
    assert AddressReview.objects.get().status == ReviewStatus.CONFIRMED


def test_an_address_of_another_district_cannot_be_picked(client: Any, open_round: Any, town_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(town_officer)
    response = client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": "NOPE"}, follow=True)
    assert "所选地址不在本区标准地址库中。" in response.content.decode()
    assert AddressReview.objects.get().status == ReviewStatus.OPEN


def test_search_offers_rooms_to_pick(client: Any, open_round: Any, town_officer: Any, estates: dict[str, StandardAddress]) -> None:
    review = _open_item(open_round)
    client.force_login(town_officer)
    html = client.get(reverse("addresses:review_search", args=[review.pk]), {"q": "上南路3855弄12号30"}).content.decode()
    assert "上南路3855弄12号302室" in html and 'name="address_id" value="' in html


def test_marking_outside_from_the_page(client: Any, open_round: Any, town_officer: Any) -> None:
    review = _open_item(open_round)
    client.force_login(town_officer)
    client.post(reverse("addresses:review_reject", args=[review.pk]), {"note": "外区"})
    assert AddressReview.objects.get().status == ReviewStatus.REJECTED


def test_the_queue_page_costs_the_same_queries_for_one_item_or_five(
    client: Any, open_round: Any, town_officer: Any, django_assert_num_queries: Any
) -> None:
    _open_item(open_round)
    client.force_login(town_officer)
    client.get(reverse("addresses:reviews"))  # warm the session
    with django_assert_num_queries(8) as one:
        client.get(reverse("addresses:reviews"))
    for n in range(4):
        _open_item(open_round, text=f"明心苑{n + 2}号101")
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(reverse("addresses:reviews")).content.decode().count('class="card review-item"') == 5


def test_the_rate_page_shows_the_days_decisions(client: Any, open_round: Any, town_officer: Any, district_officer: Any) -> None:
    run_matcher(typed_booking(open_round, "上南路3855弄12号302室"))  # matched
    run_matcher(typed_booking(open_round, "上南路3855弄12号9999室"))  # committee only
    review = _open_item(open_round)  # review
    run_matcher(typed_booking(open_round, "北京市朝阳区建国路1号"))  # outside
    client.force_login(town_officer)
    client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": review.candidates[0]["address_id"]})
    run_matcher(typed_booking(open_round, AMBIGUOUS))  # the same text again: the alias
    response = client.get(reverse("addresses:rate"))
    report = response.context["report"]
    assert report.total.counts == {
        "matched": 1, "alias": 1, "committee_only": 1, "review": 1, "outside": 1, "confirmed": 1, "rejected": 0,
    }
    assert (report.total.decided, report.total.room_rate, report.total.committee_rate) == (5, "40.0%", "60.0%")
    assert report.days[-1].counts["matched"] == 1 and report.days[0].decided == 0
    assert [s.label for s in report.sources] == ["预约"]
    assert response.context["chart"]["series"]["review"][-1] == 1
    client.force_login(district_officer)
    district = client.get(reverse("addresses:rate")).context["report"]
    assert [t.label for t in district.towns] == ["周家渡街道"] and district.towns[0].decided == 5


def test_another_town_sees_none_of_these_figures(client: Any, open_round: Any, other_town_officer: Any) -> None:
    run_matcher(typed_booking(open_round, "上南路3855弄12号302室"))
    client.force_login(other_town_officer)
    assert client.get(reverse("addresses:rate")).context["report"].total.decided == 0


def test_items_the_worker_has_not_matched_yet_are_mentioned(client: Any, open_round: Any, town_officer: Any) -> None:
    typed_booking(open_round, "上南路3855弄12号302室")  # queued; the worker has not run
    client.force_login(town_officer)
    assert "另有 1 条正在自动识别。" in client.get(reverse("addresses:reviews")).content.decode()
