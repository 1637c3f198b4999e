"""How fresh each list's data is: the "data as of" every face shows.

A list fed by ingested sources is as fresh as the newest of their latest versions (the list's own
date where the version knows it, else the day it was recorded); a curated list is as fresh as the
bundled dataset's last release that touched it (source ``curated``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from listwatch.store.reader import Reader

__all__ = ["ListFreshness", "freshness", "latest_versions", "source_dates"]


# A named tuple (immutable, compared by value): unlike a frozen dataclass, made without compiling generated methods
# (~3 M instructions each) in every process that imports it: status's start-up.
class ListFreshness(NamedTuple):
    """How fresh a list's data is: the newest date of its sources, and each source's date."""

    list_id: str
    data_as_of: dt.date | None  # the newest of the sources below
    sources: tuple[tuple[str, dt.date], ...]  # (source, its latest version's date), "curated" for the bundled dataset

    def as_json(self) -> dict[str, Any]:
        return {"data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
                "data_sources": [{"source": s, "as_of": d.isoformat()} for s, d in self.sources]}


def latest_versions(store: Reader, known_at: dt.datetime | None = None) -> dict[str, tuple[int, dt.date]]:
    """source -> (its latest version id, that version's date: the list's own, else its record day),
    of the versions recorded by ``known_at`` (default: all)."""
    return {r.source: (r.id, r.as_of or r.recorded_at.date()) for r in store.source_versions(known_at)}


def freshness(store: Reader, known_at: dt.datetime | None = None) -> dict[str, ListFreshness]:
    """list id -> how fresh its data is (see module doc), as known at ``known_at`` (default: now)."""
    latest = {src: day for src, (_, day) in latest_versions(store, known_at).items()}
    feeds = store.list_feeds(known_at)
    per_list: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for list_id, origin, recorded in feeds:
        if origin.startswith("ingest:") and (src := origin[len("ingest:"):]) in latest:
            per_list[list_id][src] = latest[src]
        elif origin == "bundled" and recorded is not None:
            per_list[list_id]["curated"] = max(per_list[list_id].get("curated", recorded.date()), recorded.date())
    out = {}
    for list_id, srcs in per_list.items():
        pairs = tuple(sorted(srcs.items(), key=lambda kv: kv[1], reverse=True))
        out[list_id] = ListFreshness(list_id, pairs[0][1] if pairs else None, pairs)
    return out


def source_dates(store: Reader, known_at: dt.datetime | None = None) -> dict[str, dt.date]:
    """source (``curated`` for the bundled dataset) -> the date of its data, newest first (as known at
    ``known_at``, default: now)."""
    dates: dict[str, dt.date] = {}
    for f in freshness(store, known_at).values():
        for src, day in f.sources:
            dates[src] = max(dates.get(src, day), day)
    return dict(sorted(dates.items(), key=lambda kv: kv[1], reverse=True))
