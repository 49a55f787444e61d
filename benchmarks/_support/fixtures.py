"""Benchmark database and data: create/migrate the bench DB, load orgs and addresses, make rounds
and request bodies. Django must be configured (``django.setup()``) before the ORM functions run.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]
ORG_CSV = REPO / "fangkong" / "orgs" / "data" / "pudong_divisions.csv"
DEMO_ADDRESSES = REPO / "fangkong" / "addresses" / "data" / "demo_addresses.csv.gz"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# The only database names this benchmark may create or drop.
ALLOWED_DB_NAMES = {"fk_bench_booking", "fk_bench_booking_bare"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏晨欣怡佳琪俊嘉"
MOBILE_PREFIXES = ["139", "138", "137", "136", "158", "186", "189"]


def ensure_database(name: str, *, fresh: bool) -> bool:
    """Create the database (dropping it first when ``fresh``); return whether it was created."""
    if name not in ALLOWED_DB_NAMES:
        raise SystemExit(
            f"refusing to touch database {name!r} (allowed: {sorted(ALLOWED_DB_NAMES)})"
        )
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


MIGRATION_HASHES = "bench_migration_files"


def _migration_files() -> dict[str, str]:
    return {
        p.relative_to(REPO).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(REPO.glob("fangkong/*/migrations/0*.py"))
    }


def migrations_diverged() -> bool:
    """True when a migration applied to the bench DB was since edited or deleted (the schema is
    then not what the code expects, and ``migrate`` cannot tell): the DB must be recreated.
    New migration files are fine: ``migrate`` applies them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATION_HASHES} (path text PRIMARY KEY, sha text NOT NULL)"
        )
        cursor.execute(f"SELECT path, sha FROM {MIGRATION_HASHES}")  # noqa: S608
        recorded = dict(cursor.fetchall())
    on_disk = _migration_files()
    return any(on_disk.get(path) != sha for path, sha in recorded.items())


def _record_migrations() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATION_HASHES} (path text PRIMARY KEY, sha text NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {MIGRATION_HASHES}")
        for path, sha in _migration_files().items():
            cursor.execute(f"INSERT INTO {MIGRATION_HASHES} VALUES (%s, %s)", [path, sha])  # noqa: S608


def migrate_and_load(*, towns: list[str] | None, log=print) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.db import connection

    from fangkong.addresses.models import StandardAddress
    from fangkong.orgs.models import Committee
    from fangkong.orgs.services import org_import_csv

    from .bench_urls import BARE_TABLE_SQL

    call_command("migrate", verbosity=0, interactive=False)
    _record_migrations()
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(BARE_TABLE_SQL)
    if not Committee.objects.exists():
        org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    if not StandardAddress.objects.exists():
        if DEMO_ADDRESSES.exists():
            args = [str(DEMO_ADDRESSES)] + ([f"--towns={','.join(towns)}"] if towns else [])
            call_command("import_addresses", *args, verbosity=0)
        else:
            log(f"  {DEMO_ADDRESSES} missing: creating synthetic standard addresses")
            _synthetic_addresses()
    log(
        f"  org tree: {Committee.objects.count():,} committees; "
        f"standard addresses: {StandardAddress.objects.count():,} rooms in "
        f"{StandardAddress.objects.values('committee_id').distinct().count()} committees"
    )


def _synthetic_addresses(per_committee: int = 60) -> None:
    """Rooms for every committee of the first four towns, when the demo file is not there."""
    from fangkong.addresses.models import StandardAddress
    from fangkong.orgs.models import Committee

    rooms = []
    n = 0
    for committee in Committee.objects.filter(town__code__in=["T01", "T04", "T13", "T31"]).order_by(
        "code"
    ):
        for i in range(per_committee):
            n += 1
            road, number, building, room = (
                f"测试路{committee.pk}",
                str(i // 20 + 1),
                str(i % 20 // 4 + 1),
                f"{i % 4 + 1}01",
            )
            label = f"{road}{number}号 {building}号楼 {room}室"
            rooms.append(
                StandardAddress(
                    address_id=f"Z{n:08d}",
                    district_id=committee.district_id,
                    town_id=committee.town_id,
                    committee=committee,
                    road=road,
                    number=number,
                    building=building,
                    room=room,
                    label=label,
                    # Search keys are irrelevant to booking by address_id; plain text is enough.
                    road_key=f"{road}{number}号{building}号楼{room}室",
                    compound_key=f"{building}号楼{room}室",
                )
            )
    StandardAddress.objects.bulk_create(rooms, batch_size=5000)


def reset_bench_rows() -> None:
    """Empty the tables the benchmark writes (bookings, their outbox rows and jobs, audit, bare)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from fangkong.booking.models import Booking, Round, RoundUnit
    from fangkong.core.models import AuditEvent, OutboundMessage

    from .bench_urls import BARE_TABLE

    tables = [
        Booking._meta.db_table,
        RoundUnit._meta.db_table,
        Round._meta.db_table,
        OutboundMessage._meta.db_table,
        DBTaskResult._meta.db_table,
        AuditEvent._meta.db_table,
        BARE_TABLE,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")  # noqa: S608
        cursor.execute("VACUUM ANALYZE")


def district_officer():  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import District, Role, User
    from fangkong.orgs.services import staff_create

    user = User.objects.filter(username="bench-district").first()
    if user is None:
        user = staff_create(
            username="bench-district",
            password="bench-not-a-login-" + "x" * 16,
            role=Role.DISTRICT_OFFICER,
            display_name="压测 区防控办",
            district=District.objects.get(code="310115"),
        )
    return user


def open_round(number_hint: int = 0):  # type: ignore[no-untyped-def]
    """A fresh open round (registration order, no quotas, 5 per household), open for a day."""
    from django.db.models import Max
    from django.utils import timezone

    from fangkong.booking.models import Goods, Round, RoundStatus
    from fangkong.booking.services import round_create
    from fangkong.orgs.models import District

    goods = Goods.objects.get_or_create(name="口罩(压测)", defaults={"unit": "只"})[0]
    number = (Round.objects.filter(goods=goods).aggregate(n=Max("number"))["n"] or 0) + 1
    now = timezone.now()
    return round_create(
        actor=district_officer(),
        district=District.objects.get(code="310115"),
        goods=goods,
        number=max(number, number_hint),
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(days=1),
        status=RoundStatus.OPEN,
    )


def address_pool(seed: int) -> list[str]:
    """Every standard address id, shuffled: consecutive bodies land in different committees and
    an address is reused only after all others (the round allows 5 bookings per household)."""
    from fangkong.addresses.models import StandardAddress

    ids = list(StandardAddress.objects.values_list("address_id", flat=True))
    random.Random(seed).shuffle(ids)
    return ids


@dataclass
class People:
    """Unique valid resident ids (310115 + birth date + sequence + checksum) and mobiles."""

    seed: int
    next_index: int = 0

    def take(self, n: int) -> Iterator[tuple[str, str, str]]:
        from stdnum.cn import ric

        rng = random.Random(self.seed + self.next_index)
        start, self.next_index = self.next_index, self.next_index + n
        for i in range(start, start + n):
            born = date(1940, 1, 1) + timedelta(days=i // 1000)
            body = f"310115{born:%Y%m%d}{i % 1000:03d}"
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            yield name, body + ric.calc_check_digit(body), phone


def write_bodies(
    *, people: People, addresses: list[str], address_cursor: list[int], n: int, files: list[Path]
) -> None:
    """Write ``n`` booking bodies round-robin into ``files`` (one JSON object per line)."""
    handles = [f.open("w", encoding="utf-8") for f in files]
    try:
        for i, (name, id_number, phone) in enumerate(people.take(n)):
            address_id = addresses[address_cursor[0] % len(addresses)]
            address_cursor[0] += 1
            body = {
                "name": name,
                "id_type": "resident_id",
                "id_number": id_number,
                "phone": phone,
                "address_id": address_id,
                "household_size": 1 + i % 4,
                "consent": True,
            }
            handles[i % len(handles)].write(
                json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
            )
    finally:
        for h in handles:
            h.close()
