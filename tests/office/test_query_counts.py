"""The office's list pages cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest

from fangkong.office.directives import Target, directive_publish
from fangkong.orgs.models import Committee

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_directives(district_officer, people, worker):  # type: ignore[no-untyped-def]
    return [directive_publish(actor=district_officer, title=f"通知{i}", body="正文", target=Target(levels=["committees"]))
            for i in range(5)]


def test_inbox_queries_do_not_grow_with_directives(client, worker, many_directives, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    with django_assert_max_num_queries(6):
        assert client.get("/office/inbox/").status_code == 200


def test_district_rollup_queries_do_not_grow_with_units(client, district_officer, many_directives,  # type: ignore[no-untyped-def]
                                                        django_assert_max_num_queries):
    client.force_login(district_officer)
    client.get(f"/office/directives/{many_directives[0].pk}/")  # loads the per-process org cache
    with django_assert_max_num_queries(10):
        assert client.get(f"/office/directives/{many_directives[0].pk}/").status_code == 200


def test_committee_people_page_queries_do_not_grow_with_people(client, district_officer, many_directives,  # type: ignore[no-untyped-def]
                                                               django_assert_max_num_queries):
    qihe = Committee.objects.get(code="T04C027").pk
    client.force_login(district_officer)
    client.get(f"/office/directives/{many_directives[0].pk}/units/{qihe}/")
    with django_assert_max_num_queries(8):
        assert client.get(f"/office/directives/{many_directives[0].pk}/units/{qihe}/").status_code == 200
