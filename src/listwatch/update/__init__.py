"""Keeping the lists current: ``listwatch update`` and ``serve --update-every``.

:func:`update` fetches each source from its publisher (:data:`SOURCES`) with conditional
requests and applies changed files through the ingest path; :func:`source_status` tells, per
source, when it last succeeded, was attempted and failed, and how fresh its data is.
"""

from __future__ import annotations

from typing import Any

from listwatch.freshness import latest_versions
from listwatch.snapshots import snapshots
from listwatch.store.db import Store
from listwatch.update.fetch import Fetcher, FetchError
from listwatch.update.run import SourceOutcome, UpdateError, check_sources, parse_from, update
from listwatch.update.schedule import Scheduler, parse_interval
from listwatch.update.sources import SOURCES, UpdateSource
from listwatch.update.state import SourceState, source_states

__all__ = ["SOURCES", "FetchError", "Fetcher", "Scheduler", "SourceOutcome", "UpdateError", "UpdateSource",
           "check_sources", "parse_from", "parse_interval", "source_status", "update"]


def source_status(store: Store) -> list[dict[str, Any]]:
    """Per updatable source: where it comes from, its data's date and version, the bundled snapshot's
    date, and the last update attempt / success / change with the error of a failed attempt."""
    states = source_states(store)
    latest = latest_versions(store)
    bundled = {s.source: s.as_of.isoformat() for s in snapshots()}
    out = []
    for sid, src in SOURCES.items():
        st = states.get(sid, SourceState(sid, url=src.url(src.main)))
        version, day = latest.get(sid, (None, None))
        out.append(st.as_json() | {"title": src.title, "data_as_of": day.isoformat() if day else None,
                                   "version": version, "bundled_snapshot": bundled.get(sid)})
    return out
