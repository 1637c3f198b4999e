"""``listwatch update``: bring each source to its publisher's current file.

Per source: a conditional GET of the main file (validators from the last success); ``304`` or the
same SHA-256 as last time means unchanged - nothing is written but the attempt's time. Otherwise
the companions are fetched, the files are written under their official names into a temporary
directory, and :func:`listwatch.ingest.ingest` applies them - the same path as ``listwatch
ingest``: a new version with its change events, or a refusal that leaves the old data intact.
A failure of one source (download or ingest) is recorded with its error and the others go on.
A change queues its webhook deliveries in its own transaction (as ``listwatch ingest`` does), and the
persisted indexes (screening, resolver) are rebuilt here, not on the next request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from listwatch.indexes import build_index
from listwatch.ingest import IngestError, IngestResult, ingest
from listwatch.store.db import Store
from listwatch.update.fetch import Fetcher, FetchError, Progress
from listwatch.update.sources import SOURCES, UpdateSource
from listwatch.update.state import SourceState, load_state, save_state

__all__ = ["SourceOutcome", "UpdateError", "check_sources", "parse_from", "update"]

EASTERN = ZoneInfo("America/New_York")


class UpdateError(ValueError):
    """Bad ``update`` arguments (an unknown source, a malformed ``--from``)."""


@dataclass(frozen=True)
class SourceOutcome:
    source: str
    outcome: str  # "updated" | "unchanged" | "failed"
    took: float  # seconds
    requests: int
    version: int | None = None
    records: int = 0
    added: int = 0
    removed: int = 0
    amended: int = 0
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "outcome": self.outcome, "version": self.version, "records": self.records,
                "added": self.added, "removed": self.removed, "amended": self.amended,
                "took_s": round(self.took, 3), "requests": self.requests, "error": self.error,
                "notes": list(self.notes)}


def parse_from(values: Sequence[str]) -> dict[str, str]:
    """``SOURCE=URL`` pairs -> {source: base URL}."""
    out = {}
    for v in values:
        source, sep, url = v.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise UpdateError(f"--from {v!r}: expected SOURCE=URL with an http(s) URL")
        if source not in SOURCES:
            raise UpdateError(f"--from {v!r}: unknown source {source!r}; known: {', '.join(SOURCES)}")
        out[source] = url
    return out


def _day(last_modified: str | None, now: dt.datetime) -> dt.date:
    """The version's date: the file's Last-Modified day (US Eastern) if given and not in the future, else today."""
    today = now.astimezone(EASTERN).date()
    if last_modified:
        try:
            return min(email.utils.parsedate_to_datetime(last_modified).astimezone(EASTERN).date(), today)
        except (TypeError, ValueError):
            pass
    return today


def _one(store: Store, src: UpdateSource, base: str | None, fetcher: Fetcher, client: httpx.Client,
         now: dt.datetime, progress: Progress | None,
         allow_shrink: bool) -> tuple[SourceOutcome, SourceState, IngestResult | None]:
    state = load_state(store, src.id)
    main_url = src.url(src.main, base)
    same_place = state.url == main_url  # validators belong to the last success at this URL
    start, sent = time.perf_counter(), fetcher.requests
    tried = replace(state, url=main_url, last_attempt=now)

    def done(outcome: str, **kw: Any) -> SourceOutcome:
        return SourceOutcome(src.id, outcome, time.perf_counter() - start, fetcher.requests - sent, **kw)

    try:
        got = fetcher.get(client, main_url, src.main, state.etag if same_place else None,
                          state.last_modified if same_place else None, progress)
        if got.status == 404:
            raise FetchError(f"{main_url}: HTTP 404 Not Found", 404)
        digest = hashlib.sha256(got.data).hexdigest() if got.status == 200 else state.content_hash
        if got.status == 304 or digest == state.content_hash:
            keep = replace(tried, last_success=now, error=None,
                           etag=got.etag or state.etag, last_modified=got.last_modified or state.last_modified)
            return done("unchanged"), keep, None
        notes: list[str] = []
        with tempfile.TemporaryDirectory(prefix=f"listwatch-{src.id}-") as tmp:
            (Path(tmp) / src.main).write_bytes(got.data)
            for name in src.files[1:]:
                extra = fetcher.get(client, src.url(name, base), name, progress=progress)
                if extra.status == 404:
                    notes.append(f"{name} not published at {extra.url}: read without it")
                    continue
                (Path(tmp) / name).write_bytes(extra.data)
            path = Path(tmp) if src.fmt == "ofac-csv" else Path(tmp) / src.main
            step = f"ingest {src.id}"
            if progress:
                progress(step, 0, None)
            results: list[IngestResult] = [r for r in ingest(store, src.fmt, [path], _day(got.last_modified, now),
                                                             now, allow_shrink) if r.source == src.id]
            if progress:
                progress(step, 1, 1)
        r = results[0] if results else None
        new_state = replace(tried, etag=got.etag, last_modified=got.last_modified, content_hash=digest,
                            last_success=now, error=None)
        if r is None or r.version is None:
            return done("unchanged", records=r.records if r else 0, notes=tuple(notes)), new_state, None
        return (done("updated", version=r.version, records=r.records, added=r.added, removed=r.removed,
                     amended=r.amended, notes=tuple(notes)),
                replace(new_state, last_change=now, version=r.version), r)
    except (FetchError, IngestError) as exc:
        return done("failed", error=str(exc)), replace(tried, error=str(exc)), None


def check_sources(only: Sequence[str]) -> None:
    """Raise :class:`UpdateError` for a name in ``only`` that is not an updatable source."""
    unknown = [s for s in only if s not in SOURCES]
    if unknown:
        raise UpdateError(f"unknown source {unknown[0]!r}; known: {', '.join(SOURCES)}")


def update(store: Store, only: Sequence[str] = (), bases: dict[str, str] | None = None,
           fetcher: Fetcher | None = None, now: Callable[[], dt.datetime] | None = None,
           progress: Progress | None = None, rebuild: bool = True, allow_shrink: bool = False) -> list[SourceOutcome]:
    """Update each source (all, or ``only``); see module doc. Never raises for one source's failure.

    ``rebuild``: after a change, build the screening index now (off any request path).
    ``allow_shrink``: apply a version the shrink guard would refuse (the list really shrank).
    """
    check_sources(only)
    fetcher = fetcher or Fetcher()
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    outcomes = []
    applied: list[IngestResult] = []
    with fetcher.client() as client:
        for sid in only or list(SOURCES):
            outcome, state, result = _one(store, SOURCES[sid], (bases or {}).get(sid), fetcher, client, clock(),
                                          progress, allow_shrink)
            if result is not None:
                applied.append(result)
            save_state(store, state)
            outcomes.append(outcome)
    if rebuild and any(o.outcome == "updated" for o in outcomes):
        build_index(store)  # the persisted indexes of the new data version, so no request waits for them
    return outcomes
