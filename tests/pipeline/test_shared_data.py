"""Accuracy on the shared 20,000-record sample (skips when ../shared/data is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("FANGKONG_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


@pytest.mark.skipif(not (SHARED / "address_records.csv").exists(), reason=f"shared data not found at {SHARED}")
def test_accuracy_thresholds_on_the_shared_sample(tmp_path_factory):
    import sys

    from fangkong.cli import main

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from score_addresses import score

    tmp = tmp_path_factory.mktemp("addr")
    os.environ["FANGKONG_CACHE_DIR"] = str(tmp)  # never write into ../shared
    out = tmp / "out.csv"
    assert main(["match-addresses", "--standard", str(SHARED / "standard_addresses.csv.gz"), "--records", str(SHARED / "address_records.csv"), "--output", str(out), "--workers", "2"]) == 0
    s = score(str(out), str(SHARED / "address_truth.csv"))
    assert s["identification_rate"] >= 0.995
    assert s["precision"] >= 0.999
    assert s["committee_accuracy"] >= 0.998
