"""Reading a SQLite store through the standard ``sqlite3`` module: a command that only reads starts without
importing SQLAlchemy (a quarter of a second, more than a whole ``status`` needs otherwise).

:class:`SqliteReader` runs the same named statements as :class:`~listwatch.store.db.Store`
(:mod:`listwatch.store.statements`), as SQLAlchemy compiled them for SQLite. The compiled forms are kept in
a *statement catalog*, a JSON file beside the database's indexes (``index/statements-<key>.json``), keyed by
the statements' and the schema's code and SQLAlchemy's version: a statement not in it yet is compiled (this
once SQLAlchemy is imported) and added. A catalog of another key is never read; a damaged one is rebuilt.
Answers are never cached here, only how to ask.

Values cross as SQLAlchemy's SQLite types make them: UTC timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff``
text read back as tz-aware UTC datetimes, dates as ISO text, JSON as text, booleans as 0/1.

:func:`open_reader` gives a reader only for a SQLite file that needs no writing first (schema at the newest
migration, seeded from the current bundled dataset, bundled snapshots loaded or off); else None, and the
caller opens the :class:`~listwatch.store.db.Store`, which does that writing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sqlite3
import threading
import weakref
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from listwatch.cachefile import library_version, remembered, save_json, store_index_dir
from listwatch.store.reader import Reader, database_url, head_revisions

__all__ = ["SqliteReader", "catalog_key", "open_reader"]

FORMAT = 1
REMEMBERED = "remembered.json"  # beside the catalog: what a read-only opening takes remembered (catalog_key, _ready)
_HERE = Path(__file__).parent


def _utc_in(v: dt.datetime) -> str:
    if v.tzinfo is None:
        raise ValueError("naive datetime given where a UTC timestamp is required")
    return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc_out(v: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(v)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# kind -> (Python to SQLite, SQLite to Python), None: as it is (see statements._kind)
_CONVERT: dict[str, tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]] = {
    "plain": (None, None),
    "utc": (_utc_in, _utc_out),
    "date": (lambda v: v.isoformat(), dt.date.fromisoformat),
    "json": (lambda v: orjson.dumps(v).decode(), orjson.loads),
    "bool": (int, bool),
}


def catalog_key(memo: Path | None = None) -> str:
    """What the compiled statements depend on: their code, the schema's, and SQLAlchemy's version (read, not
    imported: not importing it is what the catalog is for); kept in the file ``memo`` while neither file changes
    (:func:`~listwatch.cachefile.remembered`)."""
    about = f"catalog {FORMAT} sqlalchemy {library_version('sqlalchemy')}"

    def compute() -> str:
        import hashlib  # noqa: PLC0415 - OpenSSL's loading is ~2% of a status, which takes the remembered key

        h = hashlib.sha256(about.encode())
        for name in ("statements.py", "schema.py"):
            h.update(name.encode() + (_HERE / name).read_bytes())
        return h.hexdigest()

    return remembered(memo, about, [_HERE / "statements.py", _HERE / "schema.py"], compute)


@functools.cache
def _row_type(names: tuple[str, ...]) -> Any:
    """A row class whose columns are also attributes, one per set of column names (a namedtuple class costs
    an ``eval``: the variants of one statement, e.g. ``events`` with and without ``known_at``, share one)."""
    return namedtuple("Row", names, rename=True)


class _Statement:
    """One compiled statement: its SQL, parameters (kind, expanding, constant) and result columns."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.sql: str = doc["sql"]
        self.params: dict[str, dict[str, Any]] = doc["params"]
        self.columns = [(_CONVERT[kind][1]) for _, kind in doc["columns"]]
        self.row = _row_type(tuple(name for name, _ in doc["columns"]))

    def bind(self, given: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        sql, bound = self.sql, dict[str, Any]()
        for name, p in self.params.items():
            value = given[name] if p["given"] else p["value"]
            to_db = _CONVERT[p["kind"]][0]
            if not p["expanding"]:
                bound[name] = value if to_db is None or value is None else to_db(value)
                continue
            names = [f"{name}__{i}" for i in range(len(value))]
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join(f":{n}" for n in names))
            bound.update((n, v if to_db is None or v is None else to_db(v)) for n, v in zip(names, value, strict=True))
        return sql, bound

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        convs = list(enumerate(self.columns))
        if all(c is None for _, c in convs):
            return [self.row(*r) for r in raw]
        return [self.row(*(v if c is None or v is None else c(v) for (_, c), v in zip(convs, r, strict=True)))
                for r in raw]


class SqliteReader(Reader):
    """A read-only view of a SQLite store (see the module doc)."""

    def __init__(self, url: str, path: Path, catalog: Path | None, max_age: float = 1.0) -> None:
        super().__init__(max_age)
        self.url, self.sqlite_file = url, path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout=30000")
        # closed when this reader goes, or at exit (a cursor left in a reference cycle would keep it open, and
        # the CLI freezes the collector at exit: see store.reader.close_at_exit)
        weakref.finalize(self, self._conn.close)
        self._lock = threading.Lock()
        self.catalog_path = catalog
        self._docs: dict[str, Any] = {}
        self._compiled: dict[str, _Statement] = {}
        if catalog is not None:
            try:
                doc = json.loads(catalog.read_text(encoding="utf-8"))
                if doc.get("key") == catalog.stem.removeprefix("statements-"):
                    self._docs = doc["statements"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._docs = {}  # missing or damaged: compiled again as needed, and written anew

    def close(self) -> None:
        self._conn.close()

    def _statement(self, name: str, flags: tuple[tuple[str, Any], ...]) -> _Statement:
        key = name + json.dumps(flags)
        if (found := self._compiled.get(key)) is not None:
            return found
        doc = self._docs.get(key)
        try:
            found = _Statement(doc) if doc is not None else None
        except (KeyError, TypeError, ValueError):
            found = None  # a damaged entry: compiled again
        if found is None:
            from listwatch.store.statements import compile_sqlite  # noqa: PLC0415 - SQLAlchemy, once per statement

            self._docs[key] = doc = compile_sqlite(name, flags)
            found = _Statement(doc)
            self._save()
        self._compiled[key] = found
        return found

    def _save(self) -> None:
        if (path := self.catalog_path) is not None:  # in a read-only directory this process keeps what it compiled
            save_json(path, {"key": path.stem.removeprefix("statements-"), "statements": self._docs})

    def _run(self, name: str, params: dict[str, Any] | None = None, **flags: Any) -> list[Any]:
        stmt = self._statement(name, tuple(sorted(flags.items())))
        sql, bound = stmt.bind(params or {})
        with self._lock:
            raw = self._conn.execute(sql, bound).fetchall()
        return stmt.rows(raw)

    def schema_revision(self) -> str:
        with self._lock:
            if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                                      ).fetchone():
                return ""
            return ",".join(sorted(r[0] for r in self._conn.execute("SELECT version_num FROM alembic_version")))


def _catalog_path(url: str, path: Path) -> Path | None:
    folder = store_index_dir(url, path)
    return None if folder is None else folder / f"statements-{catalog_key(folder / REMEMBERED)[:24]}.json"


def open_reader(url: str | None = None) -> SqliteReader | None:
    """A :class:`SqliteReader` of the store at ``url`` (default :func:`~listwatch.store.reader.database_url`)
    if it is a SQLite file that needs no migration, seed or snapshot load first; else None."""
    url = url or database_url()
    prefix = "sqlite:///"
    db = url[len(prefix):] if url.startswith(prefix) else ""
    if not db or "?" in db or db == ":memory:" or db.startswith("file:") or not os.path.isfile(db):
        return None
    reader = SqliteReader(url, Path(db), _catalog_path(url, Path(db)))
    try:
        if _ready(reader):
            return reader
    except sqlite3.Error:
        pass  # e.g. a database being created: the Store opens it
    reader.close()
    return None


def _ready(reader: SqliteReader) -> bool:
    from listwatch import snapshots  # noqa: PLC0415 - light, but only needed here
    from listwatch.datadigest import remembered_hash  # noqa: PLC0415

    memo = None if reader.catalog_path is None else reader.catalog_path.parent / REMEMBERED
    if set(filter(None, reader.schema_revision().split(","))) != head_revisions(memo):
        return False
    if reader.dataset_digest() != remembered_hash(memo):
        return False
    return not (snapshots.enabled() and snapshots.pending(reader))
