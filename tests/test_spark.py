"""Batch screening on Apache Spark (local mode, for real): the same answers as ``screen-file``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from listwatch.dataset import load as load_dataset
from listwatch.screen import ScreenFilter
from listwatch.store.db import open_store

if os.environ.get("CI"):
    import pyspark  # noqa: F401 - in CI the spark extra is installed: a missing PySpark is a failure, not a skip

    assert shutil.which("java"), "CI without Java: .ci/run installs openjdk-17-jre-headless for the Spark tests"
pytest.importorskip("pyspark", reason="the 'spark' extra is not installed")
if not shutil.which("java"):
    pytest.skip("no Java on PATH: Spark's local mode needs a JVM (Debian: openjdk-17-jre-headless)",
                allow_module_level=True)

from listwatch import spark as lw_spark

pytestmark = pytest.mark.spark
AS_OF = "2021-02-01"


@pytest.fixture(scope="module")
def spark_session() -> Any:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # A short-lived JVM: the C1 compiler alone and the serial collector halve its CPU (JIT and GC threads
    # would otherwise compete with the other test worker on a 2-core machine); Spark runs as it would anyway.
    s = lw_spark.session("local[2]", "listwatch tests", {
        "spark.ui.enabled": "false", "spark.driver.host": "127.0.0.1", "spark.sql.shuffle.partitions": "4",
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"})
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def _queries() -> list[str]:
    """A few hundred realistic rows: listed names with the noise custodians add, Chinese script,
    identifiers, names that are on no list, and rows that cannot be screened."""
    rnd = random.Random(1237)
    ds = load_dataset()
    rows: list[str] = []
    for e in sorted(ds.entities.values(), key=lambda e: e.id)[:120]:
        name = rnd.choice([e.name, *e.aliases])
        rows.append(rnd.choice([name, name.upper(), f"{name.upper()}-CLASS B", name.replace(" ", "  ")]))
        if len(name) > 8 and rnd.random() < 0.3:
            i = rnd.randrange(2, len(name) - 2)
            rows.append(name[:i] + name[i + 1:])  # a dropped letter
        rows.extend(i.value for i in e.identifiers if i.scheme == "isin")
    rows += ["小米集团", "华为技术有限公司", "中芯国际", "XIAOMI CORP-CLASS B", "KYG9830T1067"]
    rows += ["Acme Widgets Ltd", "Maria Fernanda Lopez", "Blue Harbor Shipping", "Zephyr Garden Supplies Inc"]
    rows += ["", "x" * 10_000, "   "]
    return rows


def _write_csv(path: Path, rows: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name"])
        w.writerows([r] for r in rows)


def _parquet_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a Parquet file or directory written by the job, read without Spark (one job less per test)."""
    import pyarrow.parquet as pq  # noqa: PLC0415 (the spark extra)

    return list(pq.read_table(path).to_pylist())


def test_spark_screen_gives_the_answers_of_screen_file_row_by_row(spark_session: Any, cli: Any, home: Path,
                                                                  tmp_path: Path) -> None:
    rows = _queries()
    src = tmp_path / "in.csv"
    _write_csv(src, rows)
    expected = [json.loads(line) for line in
                cli("screen-file", str(src), "--json", "--as-of", AS_OF, "--workers", "1").stdout.splitlines()]
    assert len(expected) == len(rows)

    out = tmp_path / "out.parquet"
    n = lw_spark.screen_files(src, out, as_of=dt.date.fromisoformat(AS_OF),
                              store=open_store(f"sqlite:///{home / 'listwatch.db'}"))
    got = [r for part in sorted(out.glob("part-*.parquet")) for r in _parquet_rows(part)]
    assert n == len(rows) == len(got)
    assert [r["row"] for r in got] == list(range(1, len(rows) + 1))  # written in row order: part files in name order
    hits = errors = 0
    for want, have in zip(expected, got, strict=True):
        assert want["row"] == have["row"]
        if "error" in want:
            errors += 1
            assert have["error"] and have["restricted"] is None, (want, have)
            continue
        assert have["error"] is None, have
        best = (want["results"] or [None])[0]
        if best is None:
            assert have["entity_id"] is None and have["score"] is None and have["restricted"] is False
            continue
        hits += 1
        assert have["entity_id"] == best["entity"]["id"], (have["query"], have["entity_id"], best["entity"]["id"])
        assert round(have["score"], 4) == round(best["score"], 4)
        assert have["restricted"] == best["restricted"]
        assert have["lists"] == best["lists"] and have["effects"] == best["effects"]
        assert json.loads(have["evidence"])["as_of"] == AS_OF
    assert hits > 100 and errors == 3  # the test means something: most rows hit, the three bad ones fail


def test_filters_give_the_answers_of_screen_file_with_the_same_filters(spark_session: Any, cli: Any, home: Path,
                                                                       tmp_path: Path) -> None:
    rows = _queries()[:150]
    src = tmp_path / "in.csv"
    _write_csv(src, rows)
    args = ["--list", "us-dod-1237", "--schema", "company"]
    expected = [json.loads(line) for line in cli("screen-file", str(src), "--json", "--as-of", AS_OF, "--workers", "1",
                                                 *args).stdout.splitlines()]
    out = tmp_path / "out.parquet"
    lw_spark.screen_files(src, out, as_of=dt.date.fromisoformat(AS_OF), store=open_store(f"sqlite:///{home / 'listwatch.db'}"),
                          filters=ScreenFilter(("us-dod-1237",), (), ("company",)))
    got = sorted(_parquet_rows(out), key=lambda r: r["row"])
    kept = 0
    for want, have in zip(expected, got, strict=True):
        best = (want.get("results") or [None])[0]
        assert have["entity_id"] == (best["entity"]["id"] if best else None), (have["query"], best)
        kept += best is not None
        assert best is None or "us-dod-1237" in have["lists"]
    assert kept > 5


def test_a_country_column_narrows_each_row_to_its_country(spark_session: Any, home: Path) -> None:
    df = spark_session.createDataFrame([("Xiaomi Corporation", "CN"), ("Xiaomi Corporation", "RU"),
                                        ("Xiaomi Corporation", None)], "name string, country string")
    store = open_store(f"sqlite:///{home / 'listwatch.db'}")
    rows = [r.asDict() for r in lw_spark.screen_dataframe(df, country_col="country", as_of=dt.date(2021, 2, 1),
                                                          store=store).collect()]
    assert [r["entity_id"] for r in rows] == ["xiaomi", None, "xiaomi"]


def test_bad_rows_get_an_error_not_a_failed_job(spark_session: Any, home: Path) -> None:
    df = spark_session.createDataFrame([("XIAOMI CORP-CLASS B", None), (None, None), ("", None), ("y" * 10_000, None),
                                        ("no such name at all", "KYG9830T1067")], "name string, isin string")
    store = open_store(f"sqlite:///{home / 'listwatch.db'}")
    rows = [r.asDict() for r in lw_spark.screen_dataframe(df, "name", id_col="isin", as_of=dt.date(2021, 2, 1),
                                                          store=store).collect()]
    by_name = {r["name"]: r for r in rows}
    assert by_name["XIAOMI CORP-CLASS B"]["entity_id"] == "xiaomi"
    assert by_name["XIAOMI CORP-CLASS B"]["restricted"] is True
    assert by_name[None]["error"] == "empty query" and by_name[None]["restricted"] is None
    assert "empty" in by_name[""]["error"]
    assert "limit" in by_name["y" * 10_000]["error"]
    assert by_name["no such name at all"]["entity_id"] == "xiaomi"  # found by its ISIN
    assert by_name["no such name at all"]["score"] == 1.0


def test_a_missing_index_file_stops_the_job_with_a_clear_message(spark_session: Any, cli: Any,
                                                                  tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ["Xiaomi"])
    result = cli("spark-screen", str(src), str(tmp_path / "out"), "--index", str(tmp_path / "nope.index"))
    assert result.exit_code == 2
    assert "nope.index not found" in result.stderr


def test_an_index_from_another_data_version_is_refused(tmp_path: Path, home: Path) -> None:
    store = open_store(f"sqlite:///{home / 'listwatch.db'}")
    path = lw_spark.write_index(store, tmp_path / "screen.index")
    assert lw_spark.read_index(path)[0] == store.data_version(max_age=0)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(lw_spark.SparkScreenError, match="unreadable"):
        lw_spark.read_index(path)


def test_without_the_spark_extra_spark_screen_says_what_to_install(cli: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ["Xiaomi"])
    monkeypatch.setattr(lw_spark, "find_spec", lambda name: None)  # as after a plain 'pip install listwatch'
    result = cli("spark-screen", str(src), str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "pip install 'listwatch[spark]'" in result.stderr and "Traceback" not in result.output
