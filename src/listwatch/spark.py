"""Batch screening on Apache Spark, with the same answers as ``listwatch screen-file``.

:func:`screen_dataframe` takes a Spark DataFrame and the name of its name column and returns it
with the screening result of every row as added columns (:data:`RESULT_FIELDS`; keys are only
ever added). How the work is split:

* on the **driver**, once: the screening index is written to a file (the same index ``screen``
  searches) and shipped to the executors with ``SparkContext.addFile``; the status of every
  listed entity on ``as_of`` (as known at ``known_at``) is computed from the store in one pass
  and broadcast - a small table (tens of thousands of entities), so executors need no database;
* on the **executors**: Arrow record batches (``mapInArrow``) are screened row by row against the
  index, which each Python worker process loads once and keeps (:func:`_executor_index`), never
  per row or per batch.

A row that cannot be screened (null, empty, over the query length limit) gets an ``error`` and
``restricted`` null; it never fails the job. A row with no hit gets ``restricted`` false, as
``screen-file`` reports no listing for it. Needs the ``spark`` extra (PySpark 4, PyArrow).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from listwatch.match.index import NameIndex
from listwatch.match.indexfile import IndexFileError, load_index, read_meta, save_index
from listwatch.screen import (
    DEFAULT_THRESHOLD,
    FILTERED_SEARCH,
    ScreenError,
    ScreenFilter,
    check_query,
    screen_index,
)
from listwatch.status import statuses

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from listwatch.store.db import Store

__all__ = ["RESULT_FIELDS", "SparkScreenError", "read_index", "require_spark", "screen_dataframe", "screen_files",
           "session", "with_row_numbers", "write_index"]

INDEX_FORMAT = "listwatch-spark-index/1"
RESULT_FIELDS = ("entity_id", "entity_name", "matched_name", "score", "lists", "effects", "restricted",
                 "explanation", "evidence", "error")


class SparkScreenError(ValueError):
    """The job cannot start (no such column, no index file); the message says what is missing."""


def require_spark() -> None:
    """Refuse with an install hint where the optional ``spark`` extra (PySpark, PyArrow) is missing.

    A plain ``pip install listwatch`` does not bring them; this module imports them only inside
    the functions that run Spark, each of which calls this first.
    """
    missing = [m for m in ("pyspark", "pyarrow") if find_spec(m) is None]
    if missing:
        raise SparkScreenError(f"Spark screening needs {' and '.join(missing)}: pip install 'listwatch[spark]'")


@dataclass(frozen=True)
class Verdict:
    """What executors need to know about one entity on ``as_of``."""

    name: str
    restricted: bool | None
    lists: tuple[str, ...]
    effects: tuple[str, ...]
    kind: str = "company"
    country: str | None = None


def write_index(store: Store, path: Path) -> Path:
    """Write the store's screening index to ``path`` (format: :mod:`listwatch.match.indexfile`, with the
    data version it was built from); executors map it, so one copy per machine serves every worker."""
    return save_index(screen_index(store), path, INDEX_FORMAT, {"data_version": store.data_version(max_age=0)})


def read_index(path: Path) -> tuple[str, NameIndex]:
    """(data version, index) from a file written by :func:`write_index`; a clear error otherwise."""
    if not path.is_file():
        raise SparkScreenError(f"screening index file {path} not found: write it on the driver with write_index()")
    try:
        index = load_index(path, INDEX_FORMAT)
        version = str(read_meta(path)["data_version"])
    except (IndexFileError, KeyError) as exc:
        raise SparkScreenError(f"screening index file {path} is unreadable ({exc}); rebuild it") from exc
    return version, index


_LOADED: dict[str, tuple[str, NameIndex]] = {}


def _executor_index(path: str) -> tuple[str, NameIndex]:
    """The index of this worker process, loaded on first use and then kept."""
    if path not in _LOADED:
        _LOADED[path] = read_index(Path(path))
    return _LOADED[path]


def verdicts(store: Store, as_of: dt.date, known_at: dt.datetime | None) -> dict[str, Verdict]:
    """Every entity's status on ``as_of``, computed once from the store (the broadcast table)."""
    out = {}
    for entity_id, s in statuses(store, as_of, known_at).items():
        assert s.entity is not None
        out[entity_id] = Verdict(s.entity.name, s.restricted, tuple(x.list_id for x in s.listings if x.in_force),
                                 tuple(e.kind.value for e in s.effects), s.entity.kind, s.entity.country)
    return out


def _result(query: Any, index: NameIndex, table: dict[str, Verdict], threshold: float,
            filters: ScreenFilter | None) -> dict[str, Any]:
    """The result columns of one row: its best hit (as ``screen-file`` reports it) or its error.

    With ``filters``, the best hit that they keep, searched as deep as :func:`listwatch.screen.screen`.
    """
    try:
        if query is None:
            raise ScreenError("empty query")
        hits = index.search(check_query(query), limit=FILTERED_SEARCH if filters else 1, threshold=threshold)
    except ScreenError as exc:
        return {"error": str(exc)}
    for hit in hits:
        v = table.get(hit.ref)
        if v is None:  # not an entity of this data version: screen() passes over such names too
            continue
        if filters and not (filters.keeps_kind(v.kind, v.country) and filters.keeps_lists(v.lists)):
            continue
        return {"entity_id": hit.ref, "entity_name": v.name, "matched_name": hit.name, "score": hit.score,
                "lists": list(v.lists), "effects": list(v.effects), "restricted": v.restricted,
                "explanation": json.dumps(hit.explanation.as_dict(), ensure_ascii=False, sort_keys=True)}
    return {"restricted": False}


def _row_filters(base: ScreenFilter | None, country: Any) -> ScreenFilter | None:
    """The filters of one row: ``base`` narrowed to the row's country when it has one."""
    if not isinstance(country, str) or not country.strip():
        return base
    base = base or ScreenFilter()
    return ScreenFilter(base.lists, (country,), base.schemas)


def screen_dataframe(df: DataFrame, name_col: str = "name", *, id_col: str | None = None,
                     country_col: str | None = None, as_of: dt.date | None = None,
                     known_at: dt.datetime | None = None, threshold: float = DEFAULT_THRESHOLD,
                     filters: ScreenFilter | None = None, store: Store | None = None,
                     index_path: Path | None = None) -> DataFrame:
    """``df`` with the screening result columns added (see :data:`RESULT_FIELDS`).

    ``id_col`` (optional) holds an identifier (ISIN, LEI, ticker@exchange): a row whose identifier
    is on the index is answered by it, else by its name. ``filters`` are those of ``screen-file``
    (``--list``, ``--country``, ``--schema``); ``country_col`` (optional, ISO 3166 alpha-2) narrows
    each row's hits to listed parties of that row's country, as ``--country`` would. ``index_path``:
    an index file already written with :func:`write_index` (e.g. shipped beside the job); by
    default the driver writes one from the store.
    """
    require_spark()
    from pyspark import SparkFiles  # noqa: PLC0415 - optional dependency
    from pyspark.sql import types as T  # noqa: PLC0415

    for col in (name_col, id_col, country_col):
        if col is not None and col not in df.columns:
            raise SparkScreenError(f"no column {col!r} in the DataFrame (found {', '.join(df.columns)})")
    taken = [c for c in RESULT_FIELDS if c in df.columns]
    if taken:
        raise SparkScreenError(f"the DataFrame already has result column(s) {', '.join(taken)}; rename them")
    if store is None:
        from listwatch.store.db import open_store  # noqa: PLC0415 - executors unpickle this module: keep SQLAlchemy off them

        store = open_store()
    day = as_of or dt.date.today()
    if filters:
        filters.check_lists(store)
    if index_path is None:
        index_path = write_index(store, Path(tempfile.mkdtemp(prefix="listwatch-spark-")) / "screen.index")
    version, _ = read_index(index_path)  # refuse a missing or foreign file here, before any task runs
    if version != store.data_version(max_age=0):
        raise SparkScreenError(f"index file {index_path} was built from data version {version}, the store is at "
                               f"{store.data_version()}; write it again")
    spark = df.sparkSession
    sc = spark.sparkContext
    sc.addFile(str(index_path))
    table = sc.broadcast(verdicts(store, day, known_at))
    evidence = {"data_version": version, "as_of": day.isoformat(),
                "known_at": known_at.isoformat() if known_at else None}
    file_name = index_path.name
    schema = T.StructType([*df.schema.fields,
                           T.StructField("entity_id", T.StringType()), T.StructField("entity_name", T.StringType()),
                           T.StructField("matched_name", T.StringType()), T.StructField("score", T.DoubleType()),
                           T.StructField("lists", T.ArrayType(T.StringType())),
                           T.StructField("effects", T.ArrayType(T.StringType())),
                           T.StructField("restricted", T.BooleanType()),
                           T.StructField("explanation", T.StringType()),
                           T.StructField("evidence", T.StringType()), T.StructField("error", T.StringType())])
    evidence_text = json.dumps(evidence, sort_keys=True)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa  # noqa: PLC0415

        _, index = _executor_index(SparkFiles.get(file_name))
        verdict_table: dict[str, Verdict] = table.value
        for batch in batches:
            names = batch.column(name_col).to_pylist()
            ids = batch.column(id_col).to_pylist() if id_col else [None] * len(names)
            countries = batch.column(country_col).to_pylist() if country_col else [None] * len(names)
            results = []
            for name, ident, country in zip(names, ids, countries, strict=True):
                row_filters = _row_filters(filters, country)
                r = _result(ident, index, verdict_table, 1.0, row_filters) if ident else {}
                if not r.get("entity_id"):
                    r = _result(name, index, verdict_table, threshold, row_filters)
                results.append(r)
            cols = {f: [r.get(f) for r in results] for f in RESULT_FIELDS if f != "evidence"}
            cols["evidence"] = [evidence_text] * len(results)
            arrays = [batch.column(i) for i in range(batch.num_columns)]
            arrays += [pa.array(cols[f], type=_ARROW[f]) for f in RESULT_FIELDS]
            yield pa.RecordBatch.from_arrays(arrays, names=[*batch.schema.names, *RESULT_FIELDS])

    return df.mapInArrow(run, schema)


class _ArrowTypes(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        import pyarrow as pa  # noqa: PLC0415

        types = {"score": pa.float64(), "lists": pa.list_(pa.string()), "effects": pa.list_(pa.string()),
                 "restricted": pa.bool_()}
        value = types.get(key, pa.string())
        self[key] = value
        return value


_ARROW = _ArrowTypes()


def session(master: str | None = None, app_name: str = "listwatch spark-screen",
            config: dict[str, str] | None = None) -> Any:
    """A SparkSession; ``master`` only when given (under ``spark-submit`` the submit line decides).

    Python workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise, so that they
    import the same listwatch and libraries as the driver.
    """
    require_spark()
    from pyspark.sql import SparkSession  # noqa: PLC0415 - optional dependency

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def with_row_numbers(df: DataFrame) -> DataFrame:
    """``df`` with ``row``: the 1-based position of each row in read order (as ``screen-file`` counts).

    Computed in the JVM: rows per partition are counted once, and each row's number is its
    partition's offset plus its position in the partition (``monotonically_increasing_id``).
    """
    return _numbered(df)[0]


def _numbered(df: DataFrame) -> tuple[DataFrame, int]:
    """:func:`with_row_numbers` and the number of ``df``'s partitions that hold rows (known from the count, so
    the caller need not ask ``df.rdd`` for its partitions: that plans the whole query once more)."""
    require_spark()
    from pyspark.sql import functions as F  # noqa: PLC0415

    tagged = df.withColumn("_lw_id", F.monotonically_increasing_id())
    counts = sorted((r["_lw_pid"], r["count"]) for r in
                    tagged.groupBy(F.shiftright("_lw_id", 33).alias("_lw_pid")).count().collect())
    offsets, total = [], 0
    for pid, n in counts:
        offsets.append((pid, total))
        total += n
    spark = df.sparkSession
    table = spark.createDataFrame(offsets or [(0, 0)], "_lw_pid long, _lw_offset long")
    within = F.col("_lw_id").bitwiseAND(F.lit((1 << 33) - 1))
    return (tagged.withColumn("_lw_pid", F.shiftright("_lw_id", 33))
            .join(F.broadcast(table), "_lw_pid", "left")
            .withColumn("row", F.col("_lw_offset") + within + F.lit(1))
            .drop("_lw_pid", "_lw_offset", "_lw_id")), len(counts)


def screen_files(source: Path | str, target: Path | str, *, column: str = "name", id_column: str | None = None,
                 country_column: str | None = None, filters: ScreenFilter | None = None,
                 as_of: dt.date | None = None, known_at: dt.datetime | None = None,
                 threshold: float = DEFAULT_THRESHOLD, in_format: str | None = None, out_format: str = "parquet",
                 master: str | None = None, index_path: Path | None = None, store: Store | None = None) -> int:
    """Screen a CSV or Parquet file (or directory) into Parquet or CSV; returns the number of rows.

    The output has ``row`` (1-based input row), ``query`` (the screened name) and the
    :data:`RESULT_FIELDS`; in CSV, ``lists`` and ``effects`` are joined with ``;`` as in
    ``screen-file``.
    """
    require_spark()
    from pyspark.sql import functions as F  # noqa: PLC0415

    if out_format not in {"parquet", "csv"}:
        raise SparkScreenError(f"output format {out_format!r}: choose parquet or csv")
    src = str(source)
    fmt = in_format or ("parquet" if src.rstrip("/").endswith(".parquet") or Path(src, "_SUCCESS").exists()
                        else "csv")
    spark = session(master)
    reader = spark.read
    if fmt == "csv":
        df = reader.csv(src, header=True, multiLine=True, escape='"', encoding="UTF-8", inferSchema=False)
    elif fmt == "parquet":
        df = reader.parquet(src)
    else:
        raise SparkScreenError(f"input format {fmt!r}: choose csv or parquet")
    names = {c.strip().lower(): c for c in df.columns}
    col = names.get(column.strip().lower())
    if col is None:
        raise SparkScreenError(f"{src}: no column {column!r} (found {', '.join(df.columns)}); choose one with --column")
    extra = []
    for option in (id_column, country_column):
        if option:
            found = names.get(option.strip().lower())
            if found is None:
                raise SparkScreenError(f"{src}: no column {option!r} (found {', '.join(df.columns)})")
            extra.append(found)
    ident = names.get(id_column.strip().lower()) if id_column else None
    country = names.get(country_column.strip().lower()) if country_column else None
    numbered, parts = _numbered(df.select(col, *extra))
    parallel = max(spark.sparkContext.defaultParallelism, parts)
    # Range-partitioned by row BEFORE screening, then sorted within each partition after it: the output is in row
    # order as an orderBy("row") would give, but the range boundaries are sampled from the cheap numbered input.
    # An orderBy after screening sampled the screened rows, so Spark ran the whole screening twice.
    numbered = numbered.repartitionByRange(parallel, "row")
    query = numbered.withColumnRenamed(col, "query")
    result = screen_dataframe(query, "query", id_col=ident, country_col=country, as_of=as_of, known_at=known_at,
                              threshold=threshold, filters=filters, store=store, index_path=index_path)
    result = result.select("row", "query", *extra, *RESULT_FIELDS).sortWithinPartitions("row")
    if out_format == "csv":
        result = (result.withColumn("lists", F.array_join("lists", ";"))
                  .withColumn("effects", F.array_join("effects", ";")))
    result.write.mode("overwrite").option("header", True).format(out_format).save(str(target))
    return int(spark.read.format(out_format).option("header", True).load(str(target)).count())
