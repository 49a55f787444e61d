"""People of the office tests: cadres and volunteers in 齐河第二社区 (T04C027), 上南一村 (T04C001),
at 周家渡街道's own level, and in 上钢新村街道 (T01C001)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

_phones = itertools.count(13900000001)


def make_person(*, name: str = "王芳", post: str = "社工", committee: Any = None, town: Any = None, phone: str | None = None,
                team: str = "") -> Any:
    from fangkong.office.models import Person

    if committee is not None:
        town = committee.town
    return Person.objects.create(
        name=name, phone=phone if phone is not None else str(next(_phones)), post=post, team=team,
        district_id=town.district_id, town=town, committee=committee,
    )


@pytest.fixture
def people(committees: Any) -> dict[str, Any]:
    from fangkong.orgs.models import Town

    qihe, shangnan, shanggang = committees["T04C027"], committees["T04C001"], committees["T01C001"]
    t04 = Town.objects.get(code="T04")
    return {
        "qihe_secretary": make_person(name="齐书记", post="书记", committee=qihe),
        "qihe_volunteer": make_person(name="齐志愿", post="志愿者", committee=qihe),
        "qihe_lead": make_person(name="齐楼长", post="楼组长", committee=qihe),
        "shangnan_director": make_person(name="上主任", post="主任", committee=shangnan),
        "shangnan_volunteer": make_person(name="上志愿", post="志愿者", committee=shangnan),
        "town_cadre": make_person(name="周干部", post="街镇工作人员", town=t04),
        "shanggang_secretary": make_person(name="钢书记", post="书记", committee=shanggang),
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Attachments and report photos go to a per-test directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
