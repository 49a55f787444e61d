"""`fangkong screen` and the same bytes from DuckDB and Spark on a constructed day."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fangkong.cli import main
from fangkong.pipeline.engine import get_engine
from fangkong.pipeline.screening import ScreeningInputs, run_screening

from . import world

FILES = ("ORDERS.csv", "ORDERS.transfers.csv", "ORDERS.quality.json")


def _args(paths: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["screen", "--sources", str(paths["sources"]), "--population", str(paths["population"]),
            "--standard", str(paths["standard"]), "--key-areas", str(paths["key_areas"]),
            "--managed", str(paths["managed"]), "--as-of", "2020-02-22", "--output", str(out), *extra]


def test_cli_screen_writes_the_three_files(tmp_path, capsys):
    paths = world.build(tmp_path)
    out = tmp_path / "o" / "ORDERS.csv"
    assert main(_args(paths, out, "--workers", "1")) == 0
    printed = capsys.readouterr().out
    assert "11 orders" in printed and "2 transferred out" in printed
    for name in FILES:
        assert (out.parent / name).exists()
    with out.open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 11


def test_cli_screen_reports_bad_input(tmp_path, capsys):
    paths = world.build(tmp_path)
    assert main(_args(paths, tmp_path / "o.csv")[:-2] + ["--output", str(tmp_path / "o.csv"), "--as-of", "22/02/2020"]) == 2
    paths["population"].unlink()
    assert main(_args(paths, tmp_path / "o.csv")) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.spark
def test_duckdb_and_spark_write_identical_files(tmp_path):
    from fangkong.pipeline.engine.spark_engine import QUICK_START_CONF

    paths = world.build(tmp_path)
    outputs = {}
    for name in ("duckdb", "spark"):
        out = tmp_path / name / "ORDERS.csv"
        inputs = ScreeningInputs(paths["sources"], paths["population"], paths["standard"], paths["key_areas"],
                                 paths["managed"], world.AS_OF, out)
        if name == "spark":
            engine = get_engine("spark", master="local[2]", conf=QUICK_START_CONF)
            try:
                run_screening(inputs, engine=engine)
            finally:
                engine.close()
        else:
            run_screening(inputs, engine="duckdb", workers=2)
        outputs[name] = [(out.parent / f).read_bytes() for f in FILES]
    assert outputs["duckdb"] == outputs["spark"]
    assert outputs["duckdb"][0].count(b"\r\n") == 12  # header + 11 orders
