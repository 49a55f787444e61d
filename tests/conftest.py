"""Shared fixtures: the Pudong org tree and the personas of every test.

Personas (healthchecks style): ``district_officer`` (浦东新区), ``town_officer`` (周家渡街道),
``worker`` (齐河第二社区), ``outsider`` (上南一村, same town), ``other_town_officer``
(上钢新村街道), ``clerk`` (pickup point). ``rooms`` are standard addresses in each committee.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

SHARED_DATA = Path(os.environ.get("FANGKONG_SHARED_DATA", settings.BASE_DIR.parent / "shared" / "data"))
ORG_CSV = settings.BASE_DIR / "fangkong" / "orgs" / "data" / "pudong_divisions.csv"


def needs_postgres() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.exists(), reason=f"../shared/data not found at {SHARED_DATA}")


@pytest.fixture(autouse=True)
def _fresh_process_caches():  # type: ignore[no-untyped-def]
    """Per-process caches (org tree, rounds) must not carry rows from one test to the next."""
    from fangkong.activity.middleware import tracker
    from fangkong.booking import queries
    from fangkong.orgs import cache

    cache.clear()
    queries._round_cache.clear()
    tracker.clear()
    tracker.enabled = False  # active-day counting is tested in tests/activity; off elsewhere (query pins)
    yield
    cache.clear()
    queries._round_cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Personas are created per test; PBKDF2 (0.24 s per password) was most of their cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from fangkong.orgs.services import org_import_csv

    with django_db_blocker.unblock():
        org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)


@pytest.fixture
def pudong(db):  # type: ignore[no-untyped-def]
    """The district with its 36 towns and 1,301 committees (reloaded after a flush)."""
    from fangkong.orgs.models import District
    from fangkong.orgs.roles import sync_role_groups
    from fangkong.orgs.services import org_import_csv

    if not District.objects.filter(code="310115").exists():
        org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    sync_role_groups()
    return District.objects.get(code="310115")


def _staff(username, role, **org):  # type: ignore[no-untyped-def]
    from fangkong.orgs.services import staff_create

    return staff_create(username=username, password="pw-" + username, role=role, display_name=username, **org)


@pytest.fixture
def committees(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Committee

    return {c.code: c for c in Committee.objects.filter(code__in=["T04C027", "T04C001", "T01C001"])}


@pytest.fixture
def district_officer(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role

    return _staff("district", Role.DISTRICT_OFFICER, district=pudong)


@pytest.fixture
def town_officer(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role, Town

    return _staff("zhoujiadu", Role.TOWN_OFFICER, town=Town.objects.get(code="T04"))


@pytest.fixture
def other_town_officer(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role, Town

    return _staff("shanggang", Role.TOWN_OFFICER, town=Town.objects.get(code="T01"))


@pytest.fixture
def worker(committees):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role

    return _staff("qihe2", Role.COMMITTEE_WORKER, committee=committees["T04C027"])


@pytest.fixture
def outsider(committees):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role

    return _staff("shangnan1", Role.COMMITTEE_WORKER, committee=committees["T04C001"])


@pytest.fixture
def clerk(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role, Town

    return _staff("clerk", Role.PICKUP_CLERK, town=Town.objects.get(code="T04"))


def make_room(committee, address_id: str, *, road="航亭环路", number="1343", compound="齐河柏公寓", building="1", room="101"):  # type: ignore[no-untyped-def]
    from fangkong.addresses.services import address_create

    return address_create(
        address_id=address_id, committee=committee, road=road, number=number, compound=compound, building=building, room=room
    )


@pytest.fixture
def rooms(committees):  # type: ignore[no-untyped-def]
    """Two rooms in 齐河第二社区, one in 上南一村, one in 上钢新村街道's 上南花城社区."""
    return {
        "qihe_101": make_room(committees["T04C027"], "A90000001", room="101"),
        "qihe_102": make_room(committees["T04C027"], "A90000002", room="102"),
        "shangnan": make_room(committees["T04C001"], "A90000003", road="上南路", number="100", compound="上南一村小区", room="201"),
        "shanggang": make_room(committees["T01C001"], "A90000004", road="源深路", number="2520", compound="福林华庭", room="301"),
    }


@pytest.fixture
def masks(db):  # type: ignore[no-untyped-def]
    from fangkong.booking.models import Goods

    return Goods.objects.get_or_create(name="口罩", defaults={"unit": "只"})[0]


@pytest.fixture
def open_round(pudong, district_officer, masks):  # type: ignore[no-untyped-def]
    """口罩 · 第二轮, open now for a week, registration order, no quotas."""
    from fangkong.booking.models import RoundStatus
    from fangkong.booking.services import round_create

    now = timezone.now()
    return round_create(
        actor=district_officer,
        district=pudong,
        goods=masks,
        number=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        status=RoundStatus.OPEN,
    )
