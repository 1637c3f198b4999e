"""Plain-data (JSON-ready) forms of statuses, timelines, memberships and diffs.

These dicts are the JSON contract shared by the CLI's ``--json`` and the HTTP API: keys are
only ever added, never renamed. Dates are ISO ``YYYY-MM-DD``; record times ISO 8601 UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from listwatch.freshness import ListFreshness, source_dates
from listwatch.model import Deadline, Effect, Entity, Event, ListDef, Listing, Status
from listwatch.status import status

if TYPE_CHECKING:
    from listwatch.history import Diff, Member, Timeline
    from listwatch.ingest.apply import IngestResult
    from listwatch.store.reader import Reader

__all__ = [
    "candidates_json",
    "changes_json",
    "diff_json",
    "entity_json",
    "ingest_json",
    "lists_json",
    "members_json",
    "status_json",
    "timeline_json",
]


def _d(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _ts(ts: dt.datetime | None) -> str | None:
    return ts.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if ts else None


class _Citations:
    """Source id -> citation text, fetched once per report."""

    def __init__(self, store: Reader, ids: Iterable[str]) -> None:
        self._src = store.sources(ids)

    def text(self, ids: Iterable[str]) -> str:
        return "; ".join(self._src[i].citation for i in ids if i in self._src)

    def items(self, ids: Iterable[str]) -> list[dict[str, str]]:
        return [{"id": i, "citation": self._src[i].citation} for i in ids if i in self._src]


def entity_json(e: Entity, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": e.id, "name": e.name, "aliases": e.aliases}
    if full:
        out["identifiers"] = [{"scheme": i.scheme, "value": i.value, "exchange": i.exchange} for i in e.identifiers]
        out["country"] = e.country
        out["parent"] = e.parent
    return out


def _effect(e: Effect) -> dict[str, Any]:
    return {"kind": e.kind.value, "authority": e.authority, "in_force": e.in_force, "start": _d(e.start),
            "end": _d(e.end), "citation": e.citation, "list": e.list_id, "note": e.note,
            "divestment_until": _d(e.divestment_until)}


def _deadline(d: Deadline) -> dict[str, Any]:
    return {"effect": d.effect.value, "change": d.change, "date": _d(d.date), "authority": d.authority,
            "citation": d.citation, "list": d.list_id}


def _listing(x: Listing, cites: _Citations) -> dict[str, Any]:
    return {"list": x.list_id, "since": _d(x.since), "until": _d(x.until), "in_force": x.in_force,
            "suspended_by": x.suspended_by, "source": cites.text(x.sources[:1]), "listed_as": x.listed_as,
            "confidence": x.confidence.value, "sources": cites.items(x.sources)}


def status_json(store: Reader, s: Status) -> dict[str, Any]:
    cites = _Citations(store, [i for x in s.listings for i in x.sources])
    return {
        "query": s.query,
        "as_of": _d(s.as_of),
        "known_at": _ts(s.known_at),
        "entity": entity_json(s.entity) if s.entity else None,
        "restricted": s.restricted,
        "listings": [_listing(x, cites) for x in s.listings],
        "effects": [_effect(e) for e in s.effects],
        "suspended_effects": [_effect(e) for e in s.suspended_effects],
        "deadlines": [_deadline(d) for d in s.deadlines],
        "data_as_of": {src: _d(day) for src, day in _source_dates(store, s.known_at).items()},
        "reason": s.reason,
        "unknown": [{"list": u.list_id, "reason": u.reason} for u in s.unknown],
    }


def _source_dates(store: Reader, known_at: dt.datetime | None) -> dict[str, dt.date]:
    if known_at is None:
        return store.derived("source_dates", lambda: source_dates(store))
    return source_dates(store, known_at)


def candidates_json(store: Reader, found: Iterable[Entity], as_of: dt.date,
                    known_at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The entities an ambiguous name stands for, each with its lists and status on ``as_of``."""
    out = []
    for e in found:
        s = status(store, e, as_of, known_at)
        out.append({"id": e.id, "name": e.name, "lists": [x.list_id for x in s.listings],
                    "restricted": s.restricted, "reason": s.reason})
    return out


def _event(ev: Event, cites: _Citations) -> dict[str, Any]:
    return {"type": ev.type.value, "list": ev.list_id, "date": _d(ev.effective), "entity": ev.entity_id,
            "listed_as": ev.listed_as, "note": ev.note, "confidence": ev.confidence.value,
            "recorded_at": _ts(ev.recorded_at), "source": cites.text(ev.sources), "sources": cites.items(ev.sources)}


def timeline_json(store: Reader, tl: Timeline) -> dict[str, Any]:
    cites = _Citations(store, [i for ev in tl.events for i in ev.sources])
    periods = []
    for list_id, ps in sorted(tl.periods.items()):
        for p in ps:
            periods.append({
                "list": list_id, "since": _d(p.since), "until": _d(p.until), "listed_as": p.listed_as,
                "suspended": [{"start": _d(a), "end": _d(b), "source": cites.text(ev.sources)}
                              for a, b, ev in p.suspensions],
            })
    effects = [{
        "kind": s.rule.effect.value, "authority": s.rule.authority, "list": s.period.list_id,
        "start": _d(s.start), "end": _d(s.end), "ended_by": s.ended_by, "took_effect": s.bites,
        "citation": s.rule.citation,
    } for s in sorted(tl.spans, key=lambda s: (s.start, s.rule.effect))]
    return {"entity": entity_json(tl.entity), "events": [_event(ev, cites) for ev in tl.events],
            "listings": periods, "effects": effects}


def _member(m: Member) -> dict[str, Any]:
    return {"id": m.entity.id, "name": m.entity.name, "since": _d(m.since), "listed_as": m.listed_as,
            "in_force": m.in_force}


def members_json(list_id: str, as_of: dt.date, ms: list[Member]) -> dict[str, Any]:
    return {"list": list_id, "as_of": _d(as_of), "count": len(ms), "members": [_member(m) for m in ms]}


def diff_json(d: Diff) -> dict[str, Any]:
    return {
        "list": d.list_id, "from": _d(d.start), "to": _d(d.end),
        "added": [_member(m) for m in d.added],
        "removed": [{**_member(m), "until": _d(m.until)} for m in d.removed],
        "amended": [{**_member(after), "before": {"listed_as": before.listed_as, "since": _d(before.since)}}
                    for before, after in d.amended],
    }


def changes_json(store: Reader, events: list[Event],
                 retracted: list[tuple[Event, dt.datetime, str]] | None = None) -> dict[str, Any]:
    """The feed: events (retracted ones left out) and, under ``retracted``, what was withdrawn."""
    withdrawn = retracted or []
    ents = store.entities([e.entity_id for e in events if e.entity_id]
                          + [e.entity_id for e, _, _ in withdrawn if e.entity_id])
    cites = _Citations(store, [i for ev in events for i in ev.sources])

    def who(ev: Event) -> dict[str, str] | None:
        e = ents.get(ev.entity_id) if ev.entity_id else None
        if e is None and ev.entity_id:  # every name of it withdrawn since: named as known when recorded
            e = store.entity(ev.entity_id, ev.recorded_at)
        return {"id": e.id, "name": e.name} if e is not None else None

    return {"changes": [{
        "entity": who(ev),
        "list": ev.list_id, "type": ev.type.value, "effective": _d(ev.effective), "recorded_at": _ts(ev.recorded_at),
        "source": cites.text(ev.sources) or ", ".join(ev.sources), "source_ids": list(ev.sources),
        "confidence": ev.confidence.value, "note": ev.note} for ev in events],
        "retracted": [{"entity": who(ev), "list": ev.list_id, "type": ev.type.value, "effective": _d(ev.effective),
                       "recorded_at": _ts(ev.recorded_at), "retracted_at": _ts(at), "reason": why, "note": ev.note}
                      for ev, at, why in withdrawn]}


def lists_json(lists: list[ListDef], entity_counts: dict[str, int] | None = None,
               fresh: dict[str, ListFreshness] | None = None) -> dict[str, Any]:
    """The lists; with ``fresh``, each says how current its data is (``data_as_of``, ``data_sources``)."""
    none: dict[str, Any] = {"data_as_of": None, "data_sources": []}
    return {"lists": [{"id": x.id, "name": x.name, "authority": x.authority, "maintainer": x.maintainer,
                       "established": _d(x.established),
                       **({"entities": entity_counts.get(x.id, 0)} if entity_counts is not None else {}),
                       **((fresh[x.id].as_json() if x.id in fresh else none) if fresh is not None else {})}
                      for x in lists]}


def ingest_json(results: list[IngestResult], queued: dict[int, str]) -> dict[str, Any]:
    """The versions applied, and under ``webhooks`` the deliveries queued: webhook id -> delivery id."""
    return {"results": [{**dataclasses.asdict(r), "recorded_at": _ts(r.recorded_at)} for r in results],
            "webhooks": {str(k): v for k, v in queued.items()}}
