"""The bundled snapshots of the official lists: what listwatch answers from before its first update.

This folder holds the newest full copy of each list that could be bundled (``manifest.json`` says
which file, from when and where; ``tools/build_snapshots.py`` rebuilds it). On first start, each
source the store has never ingested is loaded through the ordinary ingest path
(:mod:`listwatch.ingest.snapshots`), dated honestly: a record's listing date where its file prints
one; for an SDN record, the earliest dated copy that shows it (``ofac-sdn/first-seen.csv.gz``,
from the SDN history: listed *on or before* that day); else the snapshot's own date (listed on or
before it). A source that an update or an ingest already brought is never touched: a snapshot
never replaces newer data.

Loading the three lists takes tens of seconds once; ``LISTWATCH_SNAPSHOTS=0`` (or
``open_store(snapshots=False)``) skips it, e.g. for throwaway test stores. This module is light
(no parsers): every store opening asks :func:`pending`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from listwatch.store.reader import Reader

__all__ = ["ROOT", "Snapshot", "enabled", "pending", "snapshots"]

ROOT = Path(__file__).resolve().parent


# A named tuple (immutable, compared by value): unlike a frozen dataclass, made without compiling generated methods
# (~3 M instructions each) in every process that imports it: status's start-up.
class Snapshot(NamedTuple):
    """One bundled list file (manifest.json): its source, format, date, event origin and where it lies."""

    source: str
    fmt: str
    as_of: dt.date
    origin: str
    path: Path  # what ``read_source`` takes: a directory for OFAC CSV, the file for the CSL
    first_seen: Path | None = None


@cache
def snapshots() -> tuple[Snapshot, ...]:
    doc: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for source, m in doc.items():
        folder = ROOT / source
        path = folder if m["format"] == "ofac-csv" else folder / m["files"][0]["name"]
        seen = folder / m["first_seen"]["file"] if "first_seen" in m else None
        out.append(Snapshot(source, m["format"], dt.date.fromisoformat(m["as_of"]), m["origin"], path, seen))
    return tuple(out)


def enabled() -> bool:
    """Whether stores load the snapshots on first start (``LISTWATCH_SNAPSHOTS``, default on)."""
    return os.environ.get("LISTWATCH_SNAPSHOTS", "1").strip().lower() not in ("0", "false", "no", "off")


def pending(store: Reader) -> list[Snapshot]:
    """The snapshots of sources this store has never ingested."""
    have = store.ingested_sources()
    return [s for s in snapshots() if s.source not in have]
