"""A per-process cache of the org tree (towns and committees), for hot paths.

The tree is small (36 towns, ~1,300 committees) and changes only by import, so each process
keeps it in memory and reloads it after ``TTL_SECONDS``. The booking path then reads an address
as one single-table query and attaches its town and committee from here, instead of joining.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .models import Committee, Town

TTL_SECONDS = 60.0


@dataclass(frozen=True)
class _Tree:
    loaded_at: float
    towns: dict[int, Town]
    committees: dict[int, Committee]


_lock = threading.Lock()
_tree: _Tree | None = None


def _load() -> _Tree:
    towns = {t.pk: t for t in Town.objects.all()}
    committees = {}
    for committee in Committee.objects.all():
        committee.town = towns[committee.town_id]  # so committee.town costs no query
        committees[committee.pk] = committee
    return _Tree(time.monotonic(), towns, committees)


def _current() -> _Tree:
    global _tree
    tree = _tree
    if tree is None or time.monotonic() - tree.loaded_at > TTL_SECONDS:
        with _lock:
            tree = _tree = _load()
    return tree


def town(pk: int) -> Town | None:
    found = _current().towns.get(pk)
    if found is None:  # created since the last load
        clear()
        found = _current().towns.get(pk)
    return found


def committee(pk: int) -> Committee | None:
    found = _current().committees.get(pk)
    if found is None:
        clear()
        found = _current().committees.get(pk)
    return found


def clear() -> None:
    global _tree
    with _lock:
        _tree = None
