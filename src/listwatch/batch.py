"""Batch screening of a CSV file: streamed in bounded windows, screened on every core.

Memory stays constant in the input size: rows are read a window at a time (``WINDOW`` rows),
screened by a process pool (the index file is built, if due, before the pool starts; the workers
share that one mapped file, see :func:`_pool`), written out in input order while the next window
is screened. A row that cannot be screened (no text, undecodable bytes, too long) gets an error
entry with its 1-based data-row number; the rest of the file is still screened.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import IO, Any

from listwatch.match.index import Hit
from listwatch.screen import (
    DEFAULT_THRESHOLD,
    ScreenError,
    ScreenFilter,
    answer,
    check_search,
    remember_statuses,
    screen_index,
    search_each,
)
from listwatch.store.db import Store, open_store
from listwatch.tables import TableError, is_xlsx, xlsx_rows

__all__ = ["BatchError", "Row", "read_rows", "screen_rows"]

WINDOW = 2048
CHUNK = 128


class BatchError(ValueError):
    """The input file as a whole is unusable (no such column, not CSV)."""


@dataclass(frozen=True)
class Row:
    row: int  # 1-based data row, header excluded
    query: str
    error: str | None = None


class _Counting(io.RawIOBase):
    """A binary reader that reports how many bytes have been consumed (for the progress bar)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._raw, self._on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        self._on_read(n)
        return n


def read_rows(path: Path, column: str = "name", on_read: Callable[[int], None] | None = None) -> Iterator[Row]:
    """Stream ``column`` of a CSV file (or the first sheet of an .xlsx workbook) as rows; undecodable rows
    come back with an error."""
    with path.open("rb") as fh:
        workbook = is_xlsx(fh.read(4))
    if workbook:
        yield from _xlsx_rows(path, column)
        return
    raw = path.open("rb")
    stream: IO[bytes] = io.BufferedReader(_Counting(raw, on_read)) if on_read else raw
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        reader = csv.reader(text)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise BatchError(f"{path}: the file is empty") from None
        except csv.Error as exc:
            raise BatchError(f"{path}: line 1: {exc}") from exc
        col = column.strip().lower()
        if col not in header:
            raise BatchError(f"{path}: no column {column!r} in the header (found {', '.join(header)}); "
                             "choose one with --column")
        at = header.index(col)
        n = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                n += 1
                yield Row(n, "", f"line {reader.line_num}: {exc}")
                continue
            if not cells:
                continue
            n += 1
            value = cells[at] if at < len(cells) else ""
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield Row(n, value.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                          f"row {n}: not UTF-8 text")
                continue
            yield Row(n, value, None if value.strip() else f"row {n}: empty {column!r}")
    finally:
        text.close()


def _xlsx_rows(path: Path, column: str) -> Iterator[Row]:
    try:
        rows = xlsx_rows(path.read_bytes(), str(path))
        header = [h.strip().lower() for h in next(rows, [])]
        col = column.strip().lower()
        if col not in header:
            raise BatchError(f"{path}: no column {column!r} in the first sheet's header (found "
                             f"{', '.join(h for h in header if h)}); choose one with --column")
        at = header.index(col)
        n = 0
        for cells in rows:
            if not any(cells):
                continue
            n += 1
            value = cells[at] if at < len(cells) else ""
            yield Row(n, value, None if value.strip() else f"row {n}: empty {column!r}")
    except TableError as exc:
        raise BatchError(str(exc)) from None


_STORE: Store | None = None


def _init(url: str | None) -> None:
    global _STORE  # noqa: PLW0603 - one store per worker process
    _STORE = open_store(url)


def _forkable() -> bool:
    """Whether workers may be forked from this process: on Linux, with no other thread running (a thread
    could hold a lock - a stream's, a logger's - that the child would then wait for forever)."""
    return sys.platform == "linux" and threading.active_count() == 1


def _pool(workers: int, url: str | None, known_at: dt.datetime | None) -> Pool:
    """Worker processes sharing one mapped index. Forked (Linux): the store, its mapped index file and the
    caches a first search fills are inherited, nothing is re-imported or re-read; the store's connections
    are closed first, so every process opens its own (no database connection crosses a fork). Elsewhere
    spawned: each worker imports listwatch, opens the store and maps the file built here."""
    global _STORE  # noqa: PLW0603 - inherited by the forked workers
    from listwatch.indexes import build_index  # noqa: PLC0415 - screen.py imports it lazily too

    st = open_store(url)
    build_index(st)  # once here, so the workers map one file instead of each building it
    if not _forkable():
        return mp.get_context("spawn").Pool(workers, initializer=_init, initargs=(url,))
    screen_index(st, known_at).search("warm up the caches of a first search")  # a replay's index too
    if not st.in_memory:  # (an in-memory database is copied into each worker with its connection)
        st.engine.dispose()
    _STORE = st
    gc.freeze()  # what the workers inherit stays out of their collections, which would touch (and so copy) it all
    try:
        return mp.get_context("fork").Pool(workers)
    finally:
        gc.unfreeze()


def _screen_chunk(args: tuple[list[Row], dt.date, float, int, dt.datetime | None, ScreenFilter | None],
                  ) -> list[dict[str, Any]]:
    rows, as_of, threshold, limit, known_at, filters = args
    assert _STORE is not None
    found: list[list[Hit] | str] = []  # per row: its hits, or why it has none (as screen() would say)
    valid: list[int] = []  # the rows searched, together (search_each), once each is known to be searchable
    for r in rows:
        if r.error:
            found.append(r.error)
            continue
        try:
            if filters:
                filters.check_lists(_STORE)
            check_search(r.query, threshold, limit)
        except ScreenError as exc:
            found.append(f"row {r.row}: {exc}")
            continue
        valid.append(len(found))
        found.append([])
    searched = search_each([rows[i].query for i in valid], threshold, limit, _STORE, known_at, filters)
    for at, got in zip(valid, searched, strict=True):
        found[at] = got
    if known_at is None and not filters:  # the chunk's entities and their statuses in one read each
        ents = _STORE.entities(h.ref for hits in found if not isinstance(hits, str) for h in hits)
        remember_statuses(_STORE, ents.values(), as_of, known_at)
    out: list[dict[str, Any]] = []
    for r, hits in zip(rows, found, strict=True):
        if isinstance(hits, str):
            out.append({"row": r.row, "query": r.query, "error": hits})
            continue
        kept = answer(hits, as_of, limit, _STORE, known_at, filters)
        out.append({"row": r.row, "query": r.query, "results": [h.as_json() for h in kept]})
    return out


def screen_rows(rows: Iterator[Row], as_of: dt.date, threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
                workers: int | None = None, url: str | None = None,
                known_at: dt.datetime | None = None, filters: ScreenFilter | None = None) -> Iterator[dict[str, Any]]:
    """Results per row, in input order, computed ``WINDOW`` rows at a time on ``workers`` processes.

    ``known_at`` replays each status as known then; ``filters`` keep only some hits (as in ``screen``).
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init(url)
        for window in _windows(rows):
            yield from _screen_chunk((window, as_of, threshold, limit, known_at, filters))
        return
    with _pool(workers, url, known_at) as pool:
        pending: AsyncResult[list[list[dict[str, Any]]]] | None = None
        for window in _windows(rows):  # the next window is queued before this one's results are written
            chunks = [(window[i:i + CHUNK], as_of, threshold, limit, known_at, filters)
                      for i in range(0, len(window), CHUNK)]
            queued = pool.map_async(_screen_chunk, chunks, chunksize=1)
            if pending is not None:
                yield from (r for part in pending.get() for r in part)
            pending = queued
        if pending is not None:
            yield from (r for part in pending.get() for r in part)


def _windows(rows: Iterator[Row]) -> Iterator[list[Row]]:
    window: list[Row] = []
    for r in rows:
        window.append(r)
        if len(window) >= WINDOW:
            yield window
            window = []
    if window:
        yield window


CSV_COLUMNS = ["row", "query", "hits", "entity_id", "entity_name", "matched_name", "score", "restricted", "lists",
               "effects", "source_ids", "explanation", "error"]


def csv_record(result: dict[str, Any]) -> dict[str, Any]:
    """One output CSV row: the best hit of an input row (or its error)."""
    best = (result.get("results") or [None])[0]
    rec: dict[str, Any] = {"row": result["row"], "query": result["query"], "hits": len(result.get("results") or []),
                           "error": result.get("error", "")}
    if best:
        rec.update({"entity_id": best["entity"]["id"], "entity_name": best["entity"]["name"],
                    "matched_name": best["matched_name"], "score": best["score"], "restricted": best["restricted"],
                    "lists": ";".join(best["lists"]), "effects": ";".join(best["effects"]),
                    "source_ids": ";".join(best["source_ids"]), "explanation": best["explanation"]["summary"]})
    return rec
