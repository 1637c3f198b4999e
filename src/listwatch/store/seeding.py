"""Bring the store in line with the bundled, curated dataset: decide here, write through the Writer.

Seeding appends. New events are recorded at the dataset's release time on the first seed and no
earlier than now on a later one, so replaying an earlier ``known_at`` never shows a fact this
installation did not have then. Facts are kept as a time-aware record:

* names, identifiers, citations and list definitions the dataset holds get ``first_seen`` (the
  first seed: the dataset's release time, as its events; later: now) and ``last_seen`` (now);
* a curated name or identifier the dataset no longer holds (an alias dropped from the YAML) gets
  ``retracted_at`` now, and a curated citation likewise: never deleted, so a replay before that time
  still shows it. Facts an ingest added (they cite only ingested record ids) are the ingest's to
  withdraw, not the dataset's;
* an event gone from the dataset gets a dated retraction row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import Any

from listwatch.dataset import Dataset
from listwatch.match.normalize import lookup_key
from listwatch.model import Entity, Event, Name
from listwatch.store import schema as t
from listwatch.store.statements import BUNDLED
from listwatch.store.writer import Writer

__all__ = ["BUNDLED", "event_row", "seed"]



def event_row(ev: Event, origin: str) -> dict[str, Any]:
    return {"key": ev.key, "origin": origin, "entity_id": ev.entity_id, "list_id": ev.list_id,
            "type": ev.type.value, "effective": ev.effective, "recorded_at": ev.recorded_at,
            "confidence": ev.confidence.value, "sources": list(ev.sources), "listed_as": ev.listed_as,
            "by": ev.by, "note": ev.note}


def _name_row(entity_id: str, n: Name, seen: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    return {"entity_id": entity_id, "name": n.name, "norm": lookup_key(n.name), "script": n.script,
            "confidence": n.confidence.value, "sources": list(n.sources), "note": n.note,
            "first_seen": seen, "last_seen": now}


def seed(w: Writer, ds: Dataset, now: dt.datetime) -> tuple[int, int]:
    """Seed ``ds`` (see module doc); returns (events added, events retracted). Nothing if already seeded."""
    latest = w.latest_dataset()
    if latest == ds.digest:
        return (0, 0)
    first = latest is None
    seen = min([now, *(ev.recorded_at for ev in ds.events)]) if first else now
    ingested = w.ingested_record_ids()
    _sources(w, ds, seen, now, ingested)
    _lists(w, ds, seen, now)
    _entities(w, ds.entities.values(), seen, now, ingested)
    have, retracted = w.bundled_events(BUNDLED)
    new = [event_row(ev if first else replace(ev, recorded_at=max(ev.recorded_at, now)), BUNDLED)
           for ev in ds.events if ev.key not in have]
    w.insert_rows(t.events, new)
    keys = {ev.key for ev in ds.events}
    gone = {k: lid for k, lid in sorted(have.items()) if k not in keys and k not in retracted}
    w.retract_events(gone, now, f"no longer in bundled dataset {ds.digest[:12]}")
    w.record_dataset(ds.digest, now, len(new), len(gone))
    return (len(new), len(gone))


def _curated(sources: Iterable[str], ingested: Collection[str]) -> bool:
    """A fact the curated data stated: it cites something besides ingested records."""
    return any(s not in ingested for s in sources)


def _sources(w: Writer, ds: Dataset, seen: dt.datetime, now: dt.datetime, ingested: Collection[str]) -> None:
    have = {r.id: r for r in w.fact_rows(t.sources)}
    w.insert_rows(t.sources, [{"id": s.id, "citation": s.citation, "first_seen": seen, "last_seen": now}
                              for s in ds.sources.values() if s.id not in have])
    w.update_by_id(t.sources, [{"_id": s.id, "citation": s.citation, "last_seen": now, "retracted_at": None}
                               for s in ds.sources.values() if s.id in have])
    w.update_by_id(t.sources, [{"_id": sid, "retracted_at": now} for sid, r in have.items()
                               if sid not in ds.sources and r.retracted_at is None and sid not in ingested])


def _lists(w: Writer, ds: Dataset, seen: dt.datetime, now: dt.datetime) -> None:
    have = w.ids(t.lists)
    rows = [{"id": lst.id, "name": lst.name, "authority": lst.authority, "maintainer": lst.maintainer,
             "established": lst.established, "note": lst.note, "sources": list(lst.sources)}
            for lst in ds.lists.values()]
    w.insert_rows(t.lists, [{**r, "first_seen": seen, "last_seen": now} for r in rows if r["id"] not in have])
    w.update_by_id(t.lists, [{"_id": r.pop("id"), **r, "last_seen": now} for r in rows if r["id"] in have])


def _entities(w: Writer, ents: Iterable[Entity], seen: dt.datetime, now: dt.datetime,
              ingested: Collection[str]) -> None:
    ents = list(ents)
    have = w.ids(t.entities)
    w.insert_rows(t.entities, [
        {"id": e.id, "name": e.name, "kind": e.kind, "country": e.country, "parent_id": None,
         "parent_sources": list(e.parent_sources), "note": e.note} for e in ents if e.id not in have])
    w.update_by_id(t.entities, [
        {"_id": e.id, "name": e.name, "kind": e.kind, "country": e.country, "note": e.note,
         "parent_sources": list(e.parent_sources)} for e in ents if e.id in have])
    w.update_by_id(t.entities, [{"_id": e.id, "parent_id": e.parent} for e in ents if e.parent])
    names = {(e.id, n.name): n for e in ents for n in e.names}
    have_names = _facts(w, t.names, names, _name_key, now, ingested)
    w.insert_rows(t.names, [_name_row(k[0], n, seen, now) for k, n in names.items() if k not in have_names])
    idents = {(e.id, i.scheme, i.value, i.exchange or ""): i for e in ents for i in e.identifiers}
    have_ids = _facts(w, t.identifiers, idents, _ident_key, now, ingested)
    w.insert_rows(t.identifiers, [
        {"entity_id": k[0], "scheme": i.scheme, "value": i.value, "exchange": k[3], "confidence": i.confidence.value,
         "sources": list(i.sources), "first_seen": seen, "last_seen": now}
        for k, i in idents.items() if k not in have_ids])


def _name_key(r: Any) -> tuple[str, str]:
    return (r.entity_id, r.name)


def _ident_key(r: Any) -> tuple[str, str, str, str]:
    return (r.entity_id, r.scheme, r.value, r.exchange)


def _facts(w: Writer, table: Any, want: dict[Any, Any], key: Any, now: dt.datetime,
           ingested: Collection[str]) -> set[Any]:
    """Reconfirm the rows of ``table`` the dataset still holds, retract the curated ones it dropped;
    returns the keys held."""
    rows = w.fact_rows(table)
    w.reconfirm_facts(table, [r.id for r in rows if key(r) in want], now)
    w.retract_facts(table, [r.id for r in rows if key(r) not in want and r.retracted_at is None
                            and _curated(r.sources, ingested)], now)
    return {key(r) for r in rows}
