"""Matching free-text addresses on the Django side, over the pipeline's matcher.

The index (``fangkong.pipeline.address``) is built from the ``StandardAddress`` table, not from
a file: rooms are streamed in the order the builder needs (each building contiguous) and fed to
``build_index`` directly. It is pickled to ``ADDRESS_INDEX_DIR`` (default ``var/address-index``)
under a name derived from the data version (``AddressDataVersion``, bumped by every import, plus
the highest room id, which catches rows added around the services; an edit made around the
services, e.g. in the admin, needs ``address_data_changed()``), and kept in memory
once per worker process: a new import means a new version, so the next match rebuilds (or
loads what another process built) and older files are removed.

Matching runs in the worker (``tasks.address_match_run``), never in a web request: the first
build on 1.6M rooms takes tens of seconds. Confirmed aliases are looked up first: a text a
person confirmed once (normalised with the pipeline's ``normalize``) maps straight to its room.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from fangkong.pipeline.address import Decision, Index, build_index, match, normalize
from fangkong.pipeline.address import index as index_module

from .models import AddressAlias, AddressDataVersion, MatchStatus, StandardAddress

logger = logging.getLogger("fangkong.addresses")

KEY_LENGTH = 255
_lock = threading.Lock()
_loaded: tuple[str, Index] | None = None
_ROW_FIELDS = (
    "address_id", "town__code", "town__name", "committee__code", "committee__name", "road", "lane", "number",
    "compound", "building", "room",
)  # fmt: skip


@dataclass(frozen=True)
class MatchResult:
    """What the service decided for one text; ``candidates`` as ``AddressReview`` stores them."""

    status: str  # a MatchStatus value
    address: StandardAddress | None = None
    committee_id: int | None = None
    confidence: float = 0.0
    explanation: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)


def alias_key(text: str) -> str:
    """The form aliases are stored under: the pipeline's normalisation, lower-cased."""
    return normalize(text or "").lower()[:KEY_LENGTH]


def data_version() -> str:
    """Changes whenever the rooms change through the services (and when rows are added around them)."""
    bumped = AddressDataVersion.objects.values_list("version", flat=True).first() or 0
    # The highest id is one index probe (a COUNT would scan 1.6M rows per match).
    top = StandardAddress.objects.aggregate(top=Max("id"))["top"]
    return f"{bumped}-{top or 0}"


def index_dir() -> Path:
    return Path(getattr(settings, "ADDRESS_INDEX_DIR", settings.VAR_DIR / "address-index"))


def _cache_file(version: str) -> Path:
    digest = hashlib.sha256(version.encode()).hexdigest()[:16]
    return index_dir() / f"standard-{digest}.v{index_module.INDEX_VERSION}.fkindex"


def _rows() -> Iterator[tuple[str, ...]]:
    """Rooms in the builder's column order, each (compound, number, building) contiguous."""
    qs = StandardAddress.objects.order_by("compound", "number", "building", "address_id").values_list(*_ROW_FIELDS)
    yield from qs.iterator(chunk_size=20000)


def build_from_database() -> Index:
    return build_index(_rows())


def _load_or_build(version: str) -> Index:
    path = _cache_file(version)
    if path.exists():
        try:
            with path.open("rb") as fh:
                ix = pickle.load(fh)  # noqa: S301 - our own file, named by the data version
            if isinstance(ix, Index):
                return ix
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            logger.warning("address index %s unreadable, rebuilding", path.name)
    started = time.monotonic()
    ix = build_from_database()
    logger.info("address index built rooms=%s seconds=%.1f", ix.rooms_total, time.monotonic() - started)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fkindex-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(ix, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob("standard-*.fkindex"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only disk still matches, it just rebuilds per process
        logger.warning("address index not cached: %s", exc)
    return ix


def current_index() -> Index:
    """The index of the rooms as they are now: from memory, the disk cache, or built."""
    global _loaded
    version = data_version()
    loaded = _loaded
    if loaded is not None and loaded[0] == version:
        return loaded[1]
    with _lock:
        if _loaded is None or _loaded[0] != version:
            _loaded = (version, _load_or_build(version))
        return _loaded[1]


def forget_index() -> None:
    """Drop this process's copy (tests; the disk cache stays)."""
    global _loaded
    _loaded = None


def _candidates(decision: Decision, ix: Index) -> list[dict[str, Any]]:
    """The matcher's candidates with labels and org names from the database (one query each)."""
    from fangkong.orgs.models import Committee

    ids = [c.address_id for c in decision.candidates if c.address_id]
    rooms = {a.address_id: a for a in StandardAddress.objects.filter(address_id__in=ids).select_related("committee", "town")}
    codes = {c.committee_code for c in decision.candidates if c.committee_code}
    committees = {c.code: c for c in Committee.objects.filter(code__in=codes).select_related("town")}
    out: list[dict[str, Any]] = []
    for c in decision.candidates:
        room = rooms.get(c.address_id)
        committee = room.committee if room else committees.get(c.committee_code)
        if committee is None:
            continue
        if room is not None:
            label = room.display_label
        else:
            building = f"{c.building}号" if c.building else ""
            label = f"{c.compound}{building}" + ("（房屋不存在）" if c.room else "")
        out.append({
            "address_id": room.address_id if room else "",
            "label": label,
            "committee_id": committee.pk,
            "committee": committee.name,
            "town_id": committee.town_id,
            "town": committee.town.name,
            "score": round(float(c.score), 2),
            "level": c.level,
        })
    return out


def match_address(text: str) -> MatchResult:
    """Aliases first, then the matcher. A matched room that is not in the table (a stale index)
    or a committee unknown to the org tree is handed to a person rather than trusted."""
    key = alias_key(text)
    alias = AddressAlias.objects.select_related("address").filter(key=key).first() if key else None
    if alias is not None:
        return MatchResult(
            MatchStatus.ALIAS, address=alias.address, committee_id=alias.committee_id, confidence=1.0,
            explanation="已确认的地址别名" + (f"：{alias.address.label}" if alias.address else "（到居委）"),
        )
    ix = current_index()
    decision = match(ix, text)
    candidates = _candidates(decision, ix)
    common: dict[str, Any] = {"confidence": decision.confidence, "explanation": decision.explanation[:500], "candidates": candidates}
    if decision.status == MatchStatus.MATCHED:
        room = StandardAddress.objects.filter(address_id=decision.address_id).first()
        if room is not None:
            return MatchResult(MatchStatus.MATCHED, address=room, committee_id=room.committee_id, **common)
        common["explanation"] = f"索引中的房屋 {decision.address_id} 已不在地址库：{decision.explanation}"[:500]
        return MatchResult(MatchStatus.REVIEW, **common)
    if decision.status == MatchStatus.COMMITTEE_ONLY:
        from fangkong.orgs.models import Committee

        committee_id = Committee.objects.filter(code=decision.committee_code).values_list("pk", flat=True).first()
        if committee_id is not None:
            return MatchResult(MatchStatus.COMMITTEE_ONLY, committee_id=committee_id, **common)
        return MatchResult(MatchStatus.REVIEW, **common)
    if decision.status == MatchStatus.OUTSIDE:
        return MatchResult(MatchStatus.OUTSIDE, **common)
    return MatchResult(MatchStatus.REVIEW, **common)
