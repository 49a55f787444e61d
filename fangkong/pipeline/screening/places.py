"""Places of origin and travel: free text → (province, prefecture city) of mainland China.

The gazetteer is ``data/divisions.txt`` (all province-level and prefecture-level divisions with
their short names). ``find_places("湖北孝感、江苏省南京市")`` → ``[("湖北省", "孝感市"),
("江苏省", "南京市")]``; a key area (a province or a city) covers a place when it is that city or
the province the place lies in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "divisions.txt"
_SPLIT = re.compile(r"[、,，;；/|]+")
_SUFFIX = re.compile(r"(市|地区|盟)$")
_COUNTY_AFTER = ("区", "县", "旗")

Place = tuple[str, str | None]  # (province, city or None)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    names: dict[str, Place]  # any written name → place
    longest: int

    def city_province(self, city: str) -> str | None:
        place = self.names.get(city)
        return place[0] if place else None


@lru_cache(maxsize=1)
def gazetteer(path: str = str(DATA)) -> Gazetteer:
    names: dict[str, Place] = {}
    short_cities: dict[str, Place] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, cities = line.partition(":")
        province, short = head.split()
        names[province] = (province, None)
        names[short] = (province, None)
        for item in cities.split():
            full, _, alias = item.partition("=")
            place: Place = (province, full)
            if full == province:  # a municipality: the city is the province
                place = (province, None)
            names[full] = place
            short_name = alias or _SUFFIX.sub("", full)
            if len(short_name) >= 2:
                short_cities.setdefault(short_name, place)
    for name, place in short_cities.items():
        names.setdefault(name, place)  # a province's short name wins over a city's (吉林)
    return Gazetteer(names, max(len(n) for n in names))


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _scan(part: str, gz: Gazetteer) -> Place | None:
    provinces: list[str] = []
    cities: list[Place] = []
    i = 0
    while i < len(part):
        for n in range(min(gz.longest, len(part) - i), 1, -1):
            word = part[i : i + n]
            place = gz.names.get(word)
            if place is None:
                continue
            nxt = part[i + n : i + n + 1]
            if place[1] is not None and not word.endswith(("市", "州", "盟", "地区")) and nxt in _COUNTY_AFTER:
                continue  # 北京朝阳区: a district named like a city elsewhere
            if place[1] is None:
                provinces.append(place[0])
            else:
                cities.append(place)
            i += n
            break
        else:
            i += 1
    if cities:
        for city in cities:
            if not provinces or city[0] in provinces:
                return city
        return (provinces[0], None)
    if provinces:
        return (provinces[0], None)
    return None


def find_places(text: str | None) -> list[Place]:
    """The places named in ``text`` (several separated by 、 , ; /), in order, without repeats."""
    if not text:
        return []
    return list(_find_places(text))


@lru_cache(maxsize=65536)
def _find_places(text: str) -> tuple[Place, ...]:  # place texts repeat a lot within a day
    gz = gazetteer()
    out: list[Place] = []
    for part in _SPLIT.split(_clean(text)):
        if not part:
            continue
        place = _scan(part, gz)
        if place is not None and place not in out:
            out.append(place)
    return tuple(out)


def covers(area: Place, place: Place) -> bool:
    """A key area (province or city) covers a place in it."""
    if area[1] is None:
        return area[0] == place[0]
    return area[1] == place[1]


def area_place(area: str) -> Place | None:
    """A key-area name ("湖北省", "温州市", "武汉") as a place; None when not in the gazetteer."""
    found = find_places(area)
    return found[0] if found else None
