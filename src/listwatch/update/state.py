"""What ``listwatch update`` remembers per source.

``source_updates`` keeps, per source, the validators of the last download (for the next
conditional request), the hash of its main file and the times of the last attempt, success and
change, with the error of a failed attempt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from listwatch.store import schema as t
from listwatch.store.db import Store

__all__ = ["SourceState", "load_state", "save_state", "source_states"]


@dataclass(frozen=True)
class SourceState:
    source: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_attempt: dt.datetime | None = None
    last_success: dt.datetime | None = None
    last_change: dt.datetime | None = None
    version: int | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        def ts(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v else None
        return {"source": self.source, "url": self.url, "last_attempt": ts(self.last_attempt),
                "last_success": ts(self.last_success), "last_change": ts(self.last_change),
                "version": self.version, "error": self.error}


def load_state(store: Store, source: str) -> SourceState:
    with store.engine.connect() as conn:
        row = conn.execute(select(t.source_updates).where(t.source_updates.c.source == source)).first()
    return SourceState(**row._asdict()) if row else SourceState(source)


def source_states(store: Store) -> dict[str, SourceState]:
    with store.engine.connect() as conn:
        return {r.source: SourceState(**r._asdict()) for r in conn.execute(select(t.source_updates))}


def save_state(store: Store, st: SourceState) -> None:
    vals = {k: v for k, v in st.__dict__.items() if k != "source"}
    with store.engine.begin() as conn:
        done = conn.execute(update(t.source_updates).where(t.source_updates.c.source == st.source).values(**vals))
        if not done.rowcount:
            conn.execute(insert(t.source_updates).values(source=st.source, **vals))
