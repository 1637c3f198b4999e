"""Which versions of the bundled dataset and of each ingested source the store held at a record time.

The evidence of an answer (:mod:`listwatch.evidence`) names them, so an auditor can tell which
files an answer rests on and replay it with ``--known-at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from listwatch.store.reader import Reader

__all__ = ["DATASET", "SourceVersion", "Versions", "versions"]

DATASET = "listwatch-dataset"  # the bundled, curated dataset, as a source


@dataclass(frozen=True)
class SourceVersion:
    source: str  # listwatch-dataset, ofac-sdn, ofac-cons, csl, ftm:<dataset>, bis-dpl
    version: int  # row id of that version (per kind)
    content_hash: str
    as_of: dt.date | None  # the list's own date, when the file gave one or --as-of said
    recorded_at: dt.datetime
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Versions:
    sources: list[SourceVersion]  # the newest version of each source, by source name
    last_recorded: dt.datetime | None  # the newest record time of any fact: replaying there reproduces


def _newest(*stamps: dt.datetime | None) -> dt.datetime | None:
    real = [s for s in stamps if s is not None]
    return max(real) if real else None


def versions(store: Reader, known_at: dt.datetime | None = None) -> Versions:
    """The newest version of each source recorded at or before ``known_at`` (default: now).

    The first seed of the bundled dataset keeps the dataset's own release time for its events,
    so its version counts from the earliest of those times.
    """
    first_event = store.first_bundled_event()
    ds_rows = store.dataset_versions()
    src_rows = store.source_versions(known_at)
    last = _newest(*store.last_recorded(known_at))
    out: dict[str, SourceVersion] = {}
    for i, r in enumerate(ds_rows):
        at = min(r.seeded_at, first_event) if i == 0 and first_event is not None else r.seeded_at
        if known_at is None or at <= known_at:
            out[DATASET] = SourceVersion(DATASET, r.id, r.digest, None, at)
    for r in src_rows:
        out[r.source] = SourceVersion(r.source, r.id, r.content_hash, r.as_of, r.recorded_at, list(r.files))
    last = _newest(last, *(v.recorded_at for v in out.values()))
    return Versions(sorted(out.values(), key=lambda v: v.source), last)
