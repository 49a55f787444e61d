"""The batch CLI contract: columns, statuses, blank address_id unless matched."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from fangkong.cli import OUT_COLUMNS, main

DATA = Path(__file__).parent / "data"


def test_match_addresses_writes_exactly_the_contract_columns(tmp_path, monkeypatch, capsys):
    standard = tmp_path / "standard.csv"
    shutil.copy(DATA / "standard.csv", standard)
    out = tmp_path / "out.csv"
    argv = ["match-addresses", "--standard", str(standard), "--records", str(DATA / "records.csv"), "--output", str(out)]
    assert main(argv) == 0
    assert list(tmp_path.glob(".standard.csv.*.fkindex")), "index cached next to the input"
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == OUT_COLUMNS == ["record_id", "address_id", "committee_code", "confidence", "status", "explanation"]
        rows = {r["record_id"]: r for r in reader}
    assert rows["R1"]["address_id"] == "A00000002" and rows["R1"]["status"] == "matched"
    assert rows["R2"]["address_id"] == "A00000006"
    assert rows["R3"]["address_id"] == "A00000008"
    assert (rows["R4"]["status"], rows["R4"]["address_id"], rows["R4"]["committee_code"]) == ("committee_only", "", "T04C027")
    assert (rows["R5"]["status"], rows["R5"]["address_id"]) == ("outside", "")
    assert rows["R6"]["address_id"] == "A00000012"
    assert "6 records: matched 4" in capsys.readouterr().out
    assert main(argv + ["--workers", "2"]) == 0  # second run: cached index, two workers, same output
    with out.open(encoding="utf-8") as fh:
        assert {r["record_id"]: r for r in csv.DictReader(fh)} == rows


def test_read_only_input_directory_caches_elsewhere(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    shutil.copy(DATA / "standard.csv", ro / "standard.csv")
    ro.chmod(0o555)
    cache = tmp_path / "cache"
    monkeypatch.setenv("FANGKONG_CACHE_DIR", str(cache))
    try:
        assert main(["match-addresses", "--standard", str(ro / "standard.csv"), "--records", str(DATA / "records.csv"), "--output", str(tmp_path / "o.csv")]) == 0
    finally:
        ro.chmod(0o755)
    assert not list(ro.glob(".*fkindex")) and list(cache.glob("*.fkindex"))
