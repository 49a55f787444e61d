"""Score a screening run's ORDERS.csv against a day's truth.csv (``../shared/data/README.md``,
section screening_sample, "Scoring").

    python -m fangkong.pipeline.screening.score ORDERS.csv TRUTH.csv [--misses 20] [--json]

* An output order counts for a person when its ID number (normalised: full-width to ASCII, spaces
  and apostrophes removed, ``x`` upper-cased) or its name + phone (phone reduced to its 11 digits)
  matches the expected order's.
* A hotline order counts when the 工单编号s in its ``source_record_ids`` are exactly the members of
  one expected hotline group.
* recall = expected orders covered / expected orders; precision = output orders that cover an
  expected order not covered by an earlier output order / output orders; routing = covered expected
  orders whose first covering order has the expected ``committee_code``; duplicates = expected orders
  covered by more than one output order; every expected symptom_check must be covered by an order
  of priority ``urgent``.

Plain Python (no Django): the benchmark and the tests call :func:`score`.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ORDER_TYPES = ("home_check", "symptom_check", "hotline_check")
_ID_JUNK = re.compile(r"[\s'‘’`\"\-]")
_NON_DIGIT = re.compile(r"\D")


def normalise_id(value: str | None) -> str:
    """``'４２０１ 0219…x`` → ``420102…X`` (no checksum check: scoring compares, it does not judge)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value)
    return _ID_JUNK.sub("", text).upper()


def normalise_phone(value: str | None) -> str:
    """``+86 138-0013-8000`` / ``86-13800138000`` → ``13800138000``."""
    if not value:
        return ""
    digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", value))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalise_name(value: str | None) -> str:
    if not value:
        return ""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value))


def hotline_ids(source_record_ids: str | None) -> frozenset[str]:
    """The 工单编号s among an order's source records (``checkpoint:3`` etc. are not hotline ids;
    ``hotline:2020…`` is accepted as well as the bare number)."""
    out = set()
    for token in (source_record_ids or "").split(";"):
        token = token.strip()
        if token.lower().startswith("hotline:"):
            token = token.split(":", 1)[1].strip()
        if token and ":" not in token:
            out.add(token)
    return frozenset(out)


@dataclass
class TypeScores:
    expected: int = 0
    covered: int = 0
    routed: int = 0
    output: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.covered / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.output if self.output else 1.0

    @property
    def routing(self) -> float:
        return self.routed / self.covered if self.covered else 1.0


@dataclass
class Scores:
    expected: int = 0
    output: int = 0
    covered: int = 0
    correct_outputs: int = 0
    routed: int = 0
    type_ok: int = 0
    duplicates: int = 0
    symptom_expected: int = 0
    symptom_urgent: int = 0
    by_type: dict[str, TypeScores] = field(default_factory=dict)
    missed: list[dict[str, str]] = field(default_factory=list)
    false_positives: list[dict[str, str]] = field(default_factory=list)
    misrouted: list[dict[str, str]] = field(default_factory=list)
    duplicated: list[dict[str, str]] = field(default_factory=list)
    not_urgent: list[dict[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.covered / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct_outputs / self.output if self.output else 1.0

    @property
    def routing(self) -> float:
        return self.routed / self.covered if self.covered else 1.0

    @property
    def type_accuracy(self) -> float:
        return self.type_ok / self.covered if self.covered else 1.0

    @property
    def urgent_ok(self) -> bool:
        return self.symptom_urgent == self.symptom_expected

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        for name in ("recall", "precision", "routing", "type_accuracy", "urgent_ok"):
            d[name] = getattr(self, name)
        for t, ts in self.by_type.items():
            d["by_type"][t].update(recall=ts.recall, precision=ts.precision, routing=ts.routing)
        return d

    def summary(self) -> str:
        lines = [
            f"expected orders: {self.expected}   output orders: {self.output}",
            f"recall:    {self.recall:.4%} ({self.covered}/{self.expected})",
            f"precision: {self.precision:.4%} ({self.correct_outputs}/{self.output})",
            f"routing:   {self.routing:.4%} ({self.routed}/{self.covered})",
            f"order type right: {self.type_accuracy:.4%} ({self.type_ok}/{self.covered})",
            f"duplicates (expected order covered twice or more): {self.duplicates}",
            f"symptom cases urgent: {self.symptom_urgent}/{self.symptom_expected}"
            f" ({'ok' if self.urgent_ok else 'NOT ALL URGENT'})",
            "by order_type (expected type; output counted by its own type):",
        ]
        for t, ts in self.by_type.items():
            lines.append(
                f"  {t:14s} expected {ts.expected:6d}  recall {ts.recall:.4%}  routing {ts.routing:.4%}"
                f"  | output {ts.output:6d}  precision {ts.precision:.4%}"
            )
        return "\n".join(lines)


def _read(path: Path | str) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "") for k, v in row.items() if k is not None} for row in csv.DictReader(fh)]


def score(orders_csv: Path | str, truth_csv: Path | str) -> Scores:
    orders = _read(orders_csv)
    truth = _read(truth_csv)
    by_id: dict[str, int] = {}
    by_name_phone: dict[tuple[str, str], int] = {}
    by_group: dict[frozenset[str], int] = {}
    for i, t in enumerate(truth):
        if t["key"].startswith("HOTLINE:"):
            members = t.get("members") or t["key"].split(":", 1)[1]
            by_group[frozenset(m.strip() for m in members.split(";") if m.strip())] = i
            continue
        by_id.setdefault(normalise_id(t["key"]), i)
        name, phone = normalise_name(t.get("name")), normalise_phone(t.get("phone"))
        if name and phone:
            by_name_phone.setdefault((name, phone), i)

    s = Scores(expected=len(truth), output=len(orders))
    s.by_type = {t: TypeScores() for t in ORDER_TYPES}
    covering: dict[int, list[dict[str, str]]] = defaultdict(list)
    for o in orders:
        s.by_type.setdefault(o.get("order_type", ""), TypeScores()).output += 1
        hit: int | None = None
        ids = hotline_ids(o.get("source_record_ids"))
        if o.get("order_type") == "hotline_check" or (ids and not o.get("id_number")):
            hit = by_group.get(ids)
        if hit is None:
            hit = by_id.get(normalise_id(o.get("id_number")))
        if hit is None:
            key = (normalise_name(o.get("name")), normalise_phone(o.get("phone")))
            hit = by_name_phone.get(key) if all(key) else None
        if hit is None:
            s.false_positives.append(_brief(o))
            continue
        if not covering[hit]:
            s.correct_outputs += 1
            s.by_type[o.get("order_type", "")].correct += 1
        covering[hit].append(o)

    for i, t in enumerate(truth):
        ts = s.by_type.setdefault(t["order_type"], TypeScores())
        ts.expected += 1
        got = covering.get(i, [])
        if t["order_type"] == "symptom_check":
            s.symptom_expected += 1
            if any(o.get("priority") == "urgent" for o in got):
                s.symptom_urgent += 1
            else:
                s.not_urgent.append({"key": t["key"], "order_ids": ";".join(o.get("order_id", "") for o in got)})
        if not got:
            s.missed.append({"key": t["key"], "order_type": t["order_type"], "name": t.get("name", ""),
                             "committee_code": t["committee_code"]})
            continue
        s.covered += 1
        ts.covered += 1
        first = got[0]
        s.type_ok += first.get("order_type") == t["order_type"]
        if first.get("committee_code", "") == t["committee_code"]:
            s.routed += 1
            ts.routed += 1
        else:
            s.misrouted.append({"key": t["key"], "expected": t["committee_code"],
                                "got": first.get("committee_code", ""), "order_id": first.get("order_id", "")})
        if len(got) > 1:
            s.duplicates += 1
            s.duplicated.append({"key": t["key"], "order_ids": ";".join(o.get("order_id", "") for o in got)})
    return s


def _brief(o: dict[str, str]) -> dict[str, str]:
    return {k: o.get(k, "") for k in ("order_id", "order_type", "id_number", "name", "committee_code",
                                      "source_record_ids")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fangkong.pipeline.screening.score",
                                 description="Score ORDERS.csv against truth.csv")
    ap.add_argument("orders")
    ap.add_argument("truth")
    ap.add_argument("--misses", type=int, default=10, help="list up to N of each kind of miss (0: none)")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON instead")
    args = ap.parse_args(argv)
    for p in (args.orders, args.truth):
        if not Path(p).is_file():
            print(f"error: {p} not found", file=sys.stderr)
            return 2
    s = score(args.orders, args.truth)
    if args.json:
        print(json.dumps(s.as_dict(), ensure_ascii=False, indent=1))
        return 0
    print(s.summary())
    if args.misses:
        for title, items in (("missed", s.missed), ("false positives", s.false_positives),
                             ("misrouted", s.misrouted), ("duplicated", s.duplicated),
                             ("symptom cases not urgent", s.not_urgent)):
            if items:
                print(f"{title} ({len(items)}):")
                for item in items[: args.misses]:
                    print("  " + ", ".join(f"{k}={v}" for k, v in item.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
