"""The pipeline engine: the same steps on DuckDB and on Spark (local mode), byte for byte.

Spark tests carry ``@pytest.mark.spark`` (deselect with ``-m 'not spark'``); they run in the default
suite and share ONE SparkSession (session-scoped fixture, ~15 s to start on this machine).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fangkong.cli import OUT_COLUMNS, main
from fangkong.pipeline.address import load_index, match
from fangkong.pipeline.engine import Engine, EngineError, get_engine
from fangkong.pipeline.steps import MATCH_COLUMNS, ensure_index_file, match_addresses_step
from fangkong.pipeline.steps.addresses import index_for

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Engine]:
    from fangkong.pipeline.engine.spark_engine import QUICK_START_CONF

    engine = get_engine("spark", master="local[2]", conf=QUICK_START_CONF)
    yield engine
    engine.close()


@pytest.fixture(params=ENGINES)
def engine(request) -> Iterator[Engine]:
    if request.param == "spark":
        yield request.getfixturevalue("spark_engine")
    else:
        e = get_engine("duckdb", workers=2)
        yield e
        e.close()


@pytest.fixture
def standard(tmp_path) -> Path:
    p = tmp_path / "standard.csv"
    shutil.copy(DATA / "standard.csv", p)
    return p


def _write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


# --- engine basics, on both engines -------------------------------------------------------------

MESSY = 'record_id,address,source\nR2,"上南路3855弄12号, 302室",a\nR1,"两行\n地址",b\nR3,,c\nR4,"说""号""",\n'


def test_read_csv_selects_columns_in_order_strips_bom_and_reads_quoting(engine, tmp_path):
    t = engine.read_csv(_write(tmp_path / "r.csv", MESSY, bom=True), ["address", "record_id"])
    assert engine.columns(t) == ["address", "record_id"]
    engine.register("r", t)
    rows = list(engine.rows(engine.sql("SELECT record_id, address FROM r ORDER BY record_id")))
    assert rows == [("R1", "两行\n地址"), ("R2", "上南路3855弄12号, 302室"), ("R3", None), ("R4", '说"号"')]
    assert engine.columns(engine.read_csv(tmp_path / "r.csv")) == ["record_id", "address", "source"]


def test_read_csv_errors_name_the_problem(engine, tmp_path):
    with pytest.raises(EngineError, match="needs the columns record_id,address .*missing: address"):
        engine.read_csv(_write(tmp_path / "bad.csv", "record_id,adres\nR1,x\n"), ["record_id", "address"])
    with pytest.raises(EngineError, match="does not exist"):
        engine.read_csv(tmp_path / "nope.csv", ["record_id"])


def test_sql_join_group_and_count(engine):
    people = engine.from_rows([("1", "张三", "T04"), ("2", "李四", "T04"), ("3", "王五", None)], ["id", "name", "town"])
    towns = engine.from_rows([("T04", "周家渡街道")], ["code", "town"])
    engine.register("people", people)
    engine.register("towns", towns)
    q = "SELECT COALESCE(t.town, '(none)') AS town, COUNT(*) AS n FROM people p LEFT JOIN towns t ON p.town = t.code GROUP BY 1 ORDER BY 1"
    assert [(a, int(b)) for a, b in engine.rows(engine.sql(q))] == [("(none)", 1), ("周家渡街道", 2)]
    assert engine.count(people) == 3


def _upper_and_len(rows):
    for key, text in rows:
        yield key, (text or "").upper(), len(text or "")


def test_apply_runs_a_python_function_over_every_row(engine):
    src = engine.from_rows([(f"k{i:04d}", "ab" * (i % 3) if i % 5 else None) for i in range(5000)], ["key", "text"])
    out = engine.apply(src, _upper_and_len, ["key", "upper", "length"], partitions=3)
    assert engine.columns(out) == ["key", "upper", "length"]
    engine.register("applied", out)
    rows = list(engine.rows(engine.sql("SELECT * FROM applied ORDER BY key")))
    assert len(rows) == 5000
    assert rows[1] == ("k0001", "AB", "2") and rows[5] == ("k0005", "", "0")  # text columns, NULL as ''


def test_write_csv_bytes_are_the_same_on_every_engine(engine, tmp_path):
    t = engine.from_rows([("b", 'x,"y"'), ("a", None), ("c", "多\n行")], ["k", "v"])
    engine.register("w", t)
    n = engine.write_csv(engine.sql("SELECT * FROM w ORDER BY k"), tmp_path / "w.csv")
    assert n == 3
    assert (tmp_path / "w.csv").read_bytes() == 'k,v\r\na,\r\nb,"x,""y"""\r\nc,"多\n行"\r\n'.encode()


# --- the address-matching step ------------------------------------------------------------------


def _in_process(standard: Path, records: Path) -> list[list[str]]:
    """What the in-process matcher says for each record, sorted as the step sorts."""
    ix, _ = load_index(standard)
    with records.open(encoding="utf-8-sig", newline="") as fh:
        out = []
        for r in csv.DictReader(fh):
            d = match(ix, r["address"] or "")
            out.append([r["record_id"], d.address_id, d.committee_code, f"{d.confidence:.3f}", d.status, d.explanation])
    return sorted(out)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_step_output_is_the_cli_contract_and_agrees_with_the_matcher(engine, standard, tmp_path):
    assert MATCH_COLUMNS == OUT_COLUMNS
    records = DATA / "records.csv"
    out = match_addresses_step(engine, engine.read_csv(records, ["record_id", "address"]), ensure_index_file(standard))
    engine.write_csv(out, tmp_path / "out.csv")
    rows = _csv_rows(tmp_path / "out.csv")
    assert rows[0] == MATCH_COLUMNS
    assert rows[1:] == _in_process(standard, records)
    statuses = {r[0]: r[4] for r in rows[1:]}
    assert statuses == {"R1": "matched", "R2": "matched", "R3": "matched", "R4": "committee_only", "R5": "outside", "R6": "matched"}


@pytest.mark.spark
def test_duckdb_and_spark_write_identical_files(spark_engine, standard, tmp_path):
    # the fixture records plus hard cases: duplicate ids, empty and quoted addresses, unsorted ids
    extra = (DATA / "records.csv").read_text(encoding="utf-8") + (
        'R0,"Room 302, No. 12, Lane 3855, Shangnan Road, Pudong",x\nR1,上南路3855弄12号502室,dup\n'
        'Q9,,empty\nA1,"上南路 3855 弄 3-502",x\n'
    )
    records = _write(tmp_path / "records.csv", extra)
    index_file = str(ensure_index_file(standard))
    with get_engine("duckdb", workers=2) as duck:
        duck.write_csv(match_addresses_step(duck, duck.read_csv(records, ["record_id", "address"]), index_file), tmp_path / "duckdb.csv")
    spark_engine.write_csv(
        match_addresses_step(spark_engine, spark_engine.read_csv(records, ["record_id", "address"]), index_file, partitions=3),
        tmp_path / "spark.csv",
    )
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "spark.csv").read_bytes()
    rows = _csv_rows(tmp_path / "duckdb.csv")
    assert len(rows) == 1 + 10 and [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    assert rows[1:] == _in_process(standard, records)


def test_duckdb_workers_do_not_change_the_result(standard, tmp_path):
    records = _write(tmp_path / "many.csv", "record_id,address\n" + "".join(
        f"X{i:05d},上南路3855弄{(12, 3)[i % 2]}号{(302, 502, 909)[i % 3]}室\n" for i in range(4500)))
    outs = []
    for workers in (1, 2):
        with get_engine("duckdb", workers=workers) as e:
            e.write_csv(match_addresses_step(e, e.read_csv(records, ["record_id", "address"]), standard), tmp_path / f"w{workers}.csv")
        outs.append((tmp_path / f"w{workers}.csv").read_bytes())
    assert outs[0] == outs[1]
    # per 6 records: 12号302, 3号502, 12号502 exist; 12号909, 3号302, 3号909 do not (building found)
    assert outs[0].count(b"\r\n") == 4501
    assert outs[0].count(b",matched,") == 2250 and outs[0].count(b",committee_only,") == 2250


def test_index_file_of_another_version_is_refused(standard, tmp_path):
    stale = tmp_path / ".standard.csv.0123456789abcdef.v1.fkindex"
    shutil.copy(ensure_index_file(standard), stale)
    with pytest.raises(ValueError, match="index version 1"):
        index_for(str(stale))
    with pytest.raises(FileNotFoundError, match="not found"):
        index_for(str(tmp_path / "missing.fkindex"))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_cli_engine_flag_same_rows_as_the_default_path(engine_name, standard, tmp_path, capsys, request):
    if engine_name == "spark":
        request.getfixturevalue("spark_engine")  # reuse the test session's SparkSession
    args = ["match-addresses", "--standard", str(standard), "--records", str(DATA / "records.csv")]
    assert main([*args, "--output", str(tmp_path / "python.csv")]) == 0
    assert main([*args, "--output", str(tmp_path / "engine.csv"), "--engine", engine_name, "--workers", "2"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("6 records: matched 4, committee_only 1, review 0, outside 1") and f"on {engine_name}" in summary
    python_rows, engine_rows = _csv_rows(tmp_path / "python.csv"), _csv_rows(tmp_path / "engine.csv")
    assert engine_rows[0] == python_rows[0] == OUT_COLUMNS
    assert engine_rows[1:] == sorted(python_rows[1:])
    bad = _write(tmp_path / "bad.csv", "id,addr\n1,x\n")
    assert main([*args[:-1], str(bad), "--output", str(tmp_path / "x.csv"), "--engine", engine_name]) == 2
    assert "needs the columns record_id,address" in capsys.readouterr().err


# --- the shared sample: 2,000 real-looking records against the full standard file ---------------


@pytest.mark.spark
def test_shared_slice_identical_on_duckdb_and_spark(spark_engine, tmp_path):
    standard, sample = SHARED / "standard_addresses.csv.gz", SHARED / "address_records.csv"
    if not (standard.exists() and sample.exists()):
        pytest.skip(f"shared data not found at {SHARED} (standard_addresses.csv.gz, address_records.csv)")
    with sample.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines(keepends=True)
    records = tmp_path / "slice.csv"
    records.write_text("".join(lines[:2001]), encoding="utf-8")
    index_file = str(ensure_index_file(standard))
    with get_engine("duckdb", workers=2) as duck:
        duck.write_csv(match_addresses_step(duck, duck.read_csv(records, ["record_id", "address"]), index_file), tmp_path / "duckdb.csv")
    spark_engine.write_csv(
        match_addresses_step(spark_engine, spark_engine.read_csv(records, ["record_id", "address"]), index_file),
        tmp_path / "spark.csv",
    )
    a, b = (tmp_path / "duckdb.csv").read_bytes(), (tmp_path / "spark.csv").read_bytes()
    assert a == b
    rows = list(csv.reader(io.StringIO(a.decode())))
    assert len(rows) == 2001
    assert sum(r[4] == "matched" for r in rows[1:]) > 1900  # the sample is ~99.99 % matched


@pytest.mark.spark
def test_spark_submit_entry_point_writes_the_same_file(spark_engine, standard, tmp_path):
    from fangkong.pipeline import spark_main

    records = DATA / "records.csv"
    index_file = ensure_index_file(standard)
    assert spark_main.main(["--index", str(index_file), "--records", str(records), "--output", str(tmp_path / "a.csv")]) == 0
    assert spark_main.main(["--standard", str(standard), "--records", str(records), "--output-dir", str(tmp_path / "parts")]) == 0
    with get_engine("duckdb") as duck:
        duck.write_csv(match_addresses_step(duck, duck.read_csv(records, ["record_id", "address"]), index_file), tmp_path / "d.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "d.csv").read_bytes()
    parts = sorted(row for f in (tmp_path / "parts").glob("part-*.csv") for row in _csv_rows(f)[1:])
    assert parts == _csv_rows(tmp_path / "d.csv")[1:]
    assert spark_engine.count(spark_engine.from_rows([("x",)], ["a"])) == 1  # the shared session still runs


def test_step_on_a_file_with_only_the_header(engine, standard, tmp_path):
    records = _write(tmp_path / "empty.csv", "record_id,address\n")
    out = match_addresses_step(engine, engine.read_csv(records, ["record_id", "address"]), ensure_index_file(standard))
    assert engine.write_csv(out, tmp_path / "out.csv") == 0
    assert (tmp_path / "out.csv").read_bytes() == (",".join(MATCH_COLUMNS) + "\r\n").encode()


_BIG_SORT = "SELECT count(DISTINCT s) FROM (SELECT md5(i::varchar) || md5((i + 1)::varchar) AS s FROM range(2000000) t(i) ORDER BY s)"


def test_duckdb_memory_limit_spills_to_its_own_temporary_directory(monkeypatch):
    """A sort bigger than ``memory_limit`` completes by spilling (it fails with spilling off),
    into a directory of its own that ``close`` removes (DuckDB's default is ``.tmp`` here)."""
    from fangkong.pipeline.engine.duckdb_engine import DuckDBEngine

    monkeypatch.delenv("FANGKONG_DUCKDB_TEMP_DIR", raising=False)
    eng = DuckDBEngine(memory_limit="64MB", threads=1)
    try:
        limit, temp = eng.sql("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
        assert limit.endswith("MiB") and float(limit.split()[0]) < 64
        assert temp == eng._own_temp and Path(temp).is_dir() and not temp.startswith(".")
        assert eng.sql(_BIG_SORT).fetchall() == [(2_000_000,)]
    finally:
        eng.close()
    assert not Path(temp).exists()
    with DuckDBEngine(memory_limit="64MB", threads=1) as unspilled:
        unspilled.native.execute("SET temp_directory = ''")
        with pytest.raises(Exception, match="Out of Memory"):
            unspilled.sql(_BIG_SORT).fetchall()


def test_duckdb_memory_settings_come_from_the_environment(monkeypatch, tmp_path):
    from fangkong.pipeline.engine.duckdb_engine import DuckDBEngine

    monkeypatch.setenv("FANGKONG_DUCKDB_MEMORY_LIMIT", "3GB")
    monkeypatch.setenv("FANGKONG_DUCKDB_TEMP_DIR", str(tmp_path))
    with DuckDBEngine() as eng:
        limit, temp = eng.sql("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
    assert limit == "2.7 GiB" and temp == str(tmp_path) and tmp_path.exists()
    monkeypatch.delenv("FANGKONG_DUCKDB_MEMORY_LIMIT")
    with DuckDBEngine() as eng:
        (limit,) = eng.sql("SELECT current_setting('memory_limit')").fetchall()[0]
    assert limit == "3.7 GiB"  # DEFAULT_MEMORY_LIMIT, 4 GB
