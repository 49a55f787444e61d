"""Source mapping configs (``sources/*.yaml``) and the rules config (``rules.yaml``).

A new source is a new YAML file: the file names it comes as, its columns, how its record id is
formed, and which columns carry the canonical fields (time, arrival, id_number, name, phone,
origin, travel, symptoms, address, category, content).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
SOURCES_DIR = HERE / "sources"
RULES_FILE = HERE / "rules.yaml"
SINGLE_FIELDS = ("time", "arrival", "id_number", "name", "phone", "symptoms", "address", "category", "content")
LIST_FIELDS = ("origin", "travel")


class ConfigError(ValueError):
    """A mapping or rules file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    title: str
    files: tuple[str, ...]
    columns: tuple[str, ...]
    fields: dict[str, Any]
    record_id_column: str | None = None  # None: "<name>:<data row number>"
    person: bool = True
    address_prefixes: tuple[str, ...] = ()
    address_stops: tuple[str, ...] = ()

    def matches(self, filename: str) -> bool:
        return any(fnmatch.fnmatch(filename, pattern) for pattern in self.files)

    def column(self, canonical: str) -> str | None:
        value = self.fields.get(canonical)
        return value if isinstance(value, str) else None

    def column_list(self, canonical: str) -> list[str]:
        value = self.fields.get(canonical) or []
        return [value] if isinstance(value, str) else list(value)


def load_source(path: Path) -> SourceConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        name = str(data["name"])
        columns = tuple(str(c) for c in data["columns"])
        fields = dict(data.get("fields") or {})
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    for key, value in fields.items():
        if key not in SINGLE_FIELDS + LIST_FIELDS:
            raise ConfigError(f"{path}: unknown field {key!r}")
        for col in [value] if isinstance(value, str) else value:
            if col not in columns:
                raise ConfigError(f"{path}: field {key} names column {col!r}, not in columns")
    rid = data.get("record_id", "row")
    rid_column = rid.get("column") if isinstance(rid, dict) else None
    if rid_column is not None and rid_column not in columns:
        raise ConfigError(f"{path}: record_id column {rid_column!r} not in columns")
    content = data.get("address_from_content") or {}
    return SourceConfig(
        name=name,
        title=str(data.get("title", name)),
        files=tuple(data.get("files") or [f"{name}*.csv"]),
        columns=columns,
        fields=fields,
        record_id_column=rid_column,
        person=bool(data.get("person", True)),
        address_prefixes=tuple(content.get("prefixes") or ()),
        address_stops=tuple(content.get("stops") or ()),
    )


def load_sources(directory: Path = SOURCES_DIR) -> list[SourceConfig]:
    configs = [load_source(p) for p in sorted(directory.glob("*.yaml"))]
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ConfigError(f"{directory}: two source configs share a name")
    return configs


@dataclass(frozen=True)
class Rules:
    window_days: int = 14
    r1_sources: tuple[str, ...] = ("checkpoint", "rail", "healthcloud")
    managed_excluded: bool = True
    r2_sources: tuple[str, ...] = ("healthcloud",)
    symptom_values: tuple[str, ...] = ("是", "有", "Y", "YES", "TRUE", "1")
    r3_sources: tuple[str, ...] = ("hotline",)
    categories: tuple[str, ...] = ("疫情防控",)
    extra: dict[str, Any] = field(default_factory=dict)


def load_rules(path: Path | None = None) -> Rules:
    path = path or RULES_FILE
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        r1, r2, r3 = (dict(data.get(k) or {}) for k in ("r1", "r2", "r3"))
        default = Rules()
        rules = Rules(
            window_days=int(r1.get("window_days", default.window_days)),
            r1_sources=tuple(r1.get("sources", default.r1_sources)),
            managed_excluded=bool(r1.get("managed_excluded", default.managed_excluded)),
            r2_sources=tuple(r2.get("sources", default.r2_sources)),
            symptom_values=tuple(str(v).upper() for v in r2.get("symptom_values", default.symptom_values)),
            r3_sources=tuple(r3.get("sources", default.r3_sources)),
            categories=tuple(str(v) for v in r3.get("categories", default.categories)),
        )
    except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    if rules.window_days < 1:
        raise ConfigError(f"{path}: r1.window_days must be at least 1")
    return rules
