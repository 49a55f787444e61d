"""GET /api/v1/addresses/search: a public contract, field names included."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.addresses.models import StandardAddress

pytestmark = pytest.mark.django_db

URL = "/api/v1/addresses/search"


def test_search_answers_rooms_with_committee_and_town(
    client: Client, estates: dict[str, StandardAddress]
) -> None:
    response = client.get(URL, {"q": "上南路3855弄12号302"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "address_id": estates["上南路3855弄12号302室"].address_id,
            "label": "上南路3855弄12号302室（齐河柏公寓）",
            "committee_code": "T04C027",
            "committee": "齐河第二社区",
            "town": "周家渡街道",
        }
    ]


def test_building_style_labels_already_name_the_compound(
    client: Client, estates: dict[str, StandardAddress]
) -> None:
    response = client.get(URL, {"q": "上南康公馆1-1101"})
    assert [row["label"] for row in response.json()] == ["陆家嘴环路1309号 上南康公馆 1号楼 1101室"]


def test_at_most_twenty_rooms(client: Client, estates: dict[str, StandardAddress]) -> None:
    assert len(client.get(URL, {"q": "上南路"}).json()) == 20


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "上"}, {"q": "上海市"}])
def test_empty_or_too_short_queries_answer_an_empty_list(
    client: Client, estates: dict[str, StandardAddress], query: dict[str, str]
) -> None:
    response = client.get(URL, query)
    assert (response.status_code, response.json()) == (200, [])


def test_a_query_of_100_characters_is_accepted(client: Client, pudong: object) -> None:
    assert client.get(URL, {"q": "上" * 100}).status_code == 200


def test_a_query_over_100_characters_is_refused_in_chinese(client: Client, pudong: object) -> None:
    response = client.get(URL, {"q": "上" * 101})
    assert response.status_code == 422
    assert response.json() == {"errors": {"q": ["检索词过长，最多 100 个字符。"]}}


def test_the_response_shape_is_in_the_openapi_document(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    responses = document["paths"][URL]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/AddressOut"
    }
    schema = document["components"]["schemas"]["AddressOut"]
    assert schema["required"] == ["address_id", "label", "committee_code", "committee", "town"]
    assert "422" in responses
