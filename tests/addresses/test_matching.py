"""The Django-side matching service: the index from the table, its disk cache, aliases first."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from fangkong.addresses import matching
from fangkong.addresses.matching import alias_key, match_address
from fangkong.addresses.models import AddressAlias, MatchStatus, StandardAddress
from fangkong.addresses.services import address_create, address_import_csv
from tests.addresses.conftest import address_row

pytestmark = pytest.mark.django_db


def test_a_typed_lane_address_matches_its_room(estates: dict[str, StandardAddress]) -> None:
    result = match_address("周家渡街道 上南路３８５５弄12号302室")
    assert result.status == MatchStatus.MATCHED
    assert result.address == estates["上南路3855弄12号302室"]
    assert result.committee_id == result.address.committee_id
    assert result.candidates[0]["committee"] == "齐河第二社区"


def test_a_missing_room_in_a_known_building_places_only_the_committee(estates: dict[str, StandardAddress]) -> None:
    result = match_address("上南路3855弄12号9999室")
    assert result.status == MatchStatus.COMMITTEE_ONLY
    assert result.address is None
    assert result.committee_id == estates["上南路3855弄12号302室"].committee_id


def test_an_address_in_another_city_is_outside(estates: dict[str, StandardAddress]) -> None:
    assert match_address("北京市朝阳区建国路1号").status == MatchStatus.OUTSIDE


def test_a_confirmed_alias_matches_the_same_text_next_time(estates: dict[str, StandardAddress]) -> None:
    room = estates["源深路2520弄1号102室"]
    assert match_address("老福林那边1号楼102").status != MatchStatus.ALIAS
    AddressAlias.objects.create(key=alias_key("老福林那边1号楼102"), text="老福林那边1号楼102", address=room, committee=room.committee)
    # Written again with full-width digits and spaces: the same normalised text.
    result = match_address("老福林那边 １号楼１０２")
    assert result.status == MatchStatus.ALIAS
    assert result.address == room


def test_the_index_is_cached_on_disk_and_loaded_by_the_next_process(estates: dict[str, StandardAddress], monkeypatch: pytest.MonkeyPatch) -> None:
    match_address("上南路3855弄12号302室")
    files = list(Path(settings.ADDRESS_INDEX_DIR).glob("standard-*.fkindex"))
    assert len(files) == 1
    matching.forget_index()  # a new worker process

    def no_build() -> None:
        raise AssertionError("the index should come from the disk cache")

    monkeypatch.setattr(matching, "build_from_database", no_build)
    assert match_address("上南路3855弄12号302室").status == MatchStatus.MATCHED


def test_importing_rooms_rebuilds_the_index(estates: dict[str, StandardAddress], write_csv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert match_address("上南路3855弄12号1101室").status == MatchStatus.COMMITTEE_ONLY
    first = list(Path(settings.ADDRESS_INDEX_DIR).glob("*.fkindex"))
    path = write_csv([address_row("A98000001", room="1101")])
    address_import_csv(path=path)
    result = match_address("上南路3855弄12号1101室")
    assert result.status == MatchStatus.MATCHED and result.address is not None
    assert result.address.address_id == "A98000001"
    assert list(Path(settings.ADDRESS_INDEX_DIR).glob("*.fkindex")) != first  # the old file is gone


def test_a_re_import_that_changes_no_count_still_changes_the_version(estates: dict[str, StandardAddress]) -> None:
    before = matching.data_version()
    room = estates["上南路3855弄12号302室"]
    address_create(address_id="A97000001", committee=room.committee, road="上南路", lane="3855", number="14", compound="齐河柏公寓", room="101")
    StandardAddress.objects.filter(address_id="A97000001").delete()
    assert matching.data_version() != before
