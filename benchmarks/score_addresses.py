"""Score a match-addresses output against a truth file (../shared/data/README.md, Scoring).

    python benchmarks/score_addresses.py OUT.csv TRUTH.csv
"""

from __future__ import annotations

import csv
import sys
from collections import Counter


def score(out_path: str, truth_path: str) -> dict[str, float]:
    with open(out_path, encoding="utf-8") as fh:
        out = {r["record_id"]: r for r in csv.DictReader(fh)}
    with open(truth_path, encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    ident = returned = correct = com_ok = com_n = with_id = 0
    kind_n: Counter[str] = Counter()
    kind_ok: Counter[str] = Counter()
    for t in truth:
        o = out.get(t["record_id"], {})
        aid, com = o.get("address_id", ""), o.get("committee_code", "")
        kind = t.get("kind", "")
        kind_n[kind] += 1
        if t["address_id"]:
            with_id += 1
            ident += aid == t["address_id"]
        if aid:
            returned += 1
            correct += aid == t["address_id"]
        if t["committee_code"]:
            com_n += 1
            com_ok += com == t["committee_code"]
        ok = (aid == t["address_id"]) and (com == t["committee_code"] or not t["committee_code"])
        if kind == "outside":
            ok = o.get("status") == "outside"
        kind_ok[kind] += ok
    res = {
        "identification_rate": ident / with_id if with_id else 0.0,
        "precision": correct / returned if returned else 1.0,
        "committee_accuracy": com_ok / com_n if com_n else 0.0,
    }
    for k in sorted(kind_n):
        res[f"kind:{k}"] = kind_ok[k] / kind_n[k]
        res[f"count:{k}"] = kind_n[k]
    return res


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    for k, v in score(sys.argv[1], sys.argv[2]).items():
        print(f"{k}: {v:.4%}" if not k.startswith("count:") else f"{k}: {int(v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
