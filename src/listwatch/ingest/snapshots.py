"""Loading the bundled snapshots (:mod:`listwatch.snapshots`) through the ordinary ingest path."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from dataclasses import replace
from pathlib import Path

from listwatch.gcpause import gc_paused
from listwatch.ingest import IngestResult, ingest_batches, read_source
from listwatch.snapshots import Snapshot, pending
from listwatch.store.db import Store

__all__ = ["load_snapshots"]


def _first_seen(path: Path) -> dict[str, dt.date]:
    text = gzip.decompress(path.read_bytes()).decode("ascii")
    return {row["ent_num"]: dt.date.fromisoformat(row["on_or_before"]) for row in csv.DictReader(io.StringIO(text))}


def load_snapshots(store: Store, now: dt.datetime | None = None) -> list[IngestResult]:
    """Load every pending snapshot, dated as :mod:`listwatch.snapshots` says; returns what each load did."""
    results: list[IngestResult] = []
    with gc_paused():
        for snap in pending(store):
            results += _load(store, snap, now)
    return results


def _load(store: Store, snap: Snapshot, now: dt.datetime | None) -> list[IngestResult]:
    batches = read_source(snap.fmt, [snap.path])
    if snap.first_seen is not None:
        seen = _first_seen(snap.first_seen)
        batches = [replace(b, records=[r if r.listed_on else replace(r, first_seen=seen.get(
            r.source_id.rpartition(":")[2])) for r in b.records]) for b in batches]
    return ingest_batches(store, batches, snap.as_of, now)
