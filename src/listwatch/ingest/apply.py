"""Apply one version of a published list to the store: diff -> resolve -> write, in one transaction.

1. **diff** (:mod:`listwatch.ingest.diff`): the version against the records the store holds for
   the source: new, back, changed, gone.
2. **resolve** (:class:`listwatch.resolve.RecordResolver`): a new record joins an existing entity
   or founds its own; a weak name match is only linked ``possible_same``.
3. **write** (:class:`listwatch.store.writer.Writer`): rows for entities, names, identifiers,
   citations, records and events.

Events: a new (or returning) record is ``listed`` on each of its lists; a gone record is
``delisted``; a changed one is ``amended`` (and ``listed`` / ``delisted`` for lists it gained or
lost). Effective dates: the record's own listing date if the file prints one, else the earliest
day a dated copy of the list showed it (``first_seen``: listed on or before that day), else the version's
``as_of`` date (the list's publication date, when the caller knows it), else the import day; such
events carry confidence ``reported``, because the file does not state when the change took effect.
A version whose content hash equals the source's latest version changes nothing; a crash or a bad
file leaves the previous version intact.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from listwatch.dataset import event_key
from listwatch.ingest.diff import Change, diff
from listwatch.ingest.guard import check_shrink
from listwatch.ingest.records import SourceRecord, pack_records
from listwatch.resolve import MERGE_SCHEMES, RecordResolver, country_codes, name_key
from listwatch.store.db import Store
from listwatch.store.writer import RecordState, Writer, identifiers_json

__all__ = ["IngestResult", "SourceApplier", "apply_version", "content_hash"]


@dataclass(frozen=True)
class IngestResult:
    source: str
    version: int | None  # None: the same content as the latest version, nothing done
    records: int
    added: int
    removed: int
    amended: int
    merged: int
    linked: int
    recorded_at: dt.datetime | None = None  # when this version's events were recorded


def content_hash(parts: Sequence[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()


def _props(props: dict[str, tuple[str, ...]]) -> dict[str, list[str]] | None:
    return {k: list(v) for k, v in props.items()} or None


def _entity_id(source_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", source_id.lower()).strip("-")


@dataclass
class _Rows:
    """What one version writes, gathered before writing."""

    source: str
    digest: str
    version: int
    now: dt.datetime
    window: dt.date | None  # first day a change without a printed date may have happened
    entities: list[dict[str, Any]]
    names: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]
    records: list[dict[str, Any]]
    links: list[dict[str, Any]]
    events: list[dict[str, Any]]

    def event(self, entity_id: str, list_id: str, typ: str, day: dt.date, rec_id: str, name: str | None,
              note: str, dated: bool = False) -> None:
        """``dated``: the file prints this day, so there is no window of doubt before it."""
        window = None if dated or self.window is None or self.window >= day else self.window
        self.events.append({
            "key": event_key("ingest", self.source, rec_id, list_id, typ, day, self.digest, self.version),
            "origin": f"ingest:{self.source}", "entity_id": entity_id, "list_id": list_id, "type": typ,
            "effective": day, "window_start": window, "recorded_at": self.now, "confidence": "reported",
            "sources": [rec_id],
            "listed_as": name if typ != "delisted" else None, "by": None, "note": note})


def _resolve_new(changes: list[Change], resolver: RecordResolver,
                 rows: _Rows) -> tuple[dict[str, str], dict[str, str], int]:
    """Entity id per new record id, why each joined an existing entity, and how many did."""
    out: dict[str, str] = {}
    joined: dict[str, str] = {}
    for ch in changes:
        rec = ch.record
        names = (rec.name, *rec.aliases)
        eid, link_to, why_joined = resolver.resolve(rec.source_id, rec.schema, names, rec.identifiers, rec.countries,
                                                    rec.same_as)
        codes = sorted(country_codes(rec.countries))
        if eid is None:
            eid = _entity_id(rec.source_id)
            country = codes[0] if len(codes) == 1 else None
            kind = "person" if rec.schema == "Person" else rec.schema.lower()
            rows.entities.append({"id": eid, "name": rec.name, "kind": kind,
                                  "country": country.upper() if country else None,
                                  "parent_id": None, "parent_sources": [], "note": None})
            resolver.learn(eid, [rec.source_id, *rec.same_as], names, rec.identifiers, codes, kind)
            rows.links += [{"entity_a": eid, "entity_b": other, "kind": "possible_same", "reason": why,
                            "recorded_at": rows.now} for other, why in link_to]
        else:
            joined[rec.source_id] = why_joined
            resolver.learn(eid, [rec.source_id, *rec.same_as], names, rec.identifiers, codes, "")
        out[rec.source_id] = eid
    return out, joined, len(joined)


def _facts(rows: _Rows, eid: str, rec: SourceRecord, have_names: set[tuple[str, str]],
           have_ids: set[tuple[str, str, str, str]]) -> None:
    for n in dict.fromkeys((rec.name, *rec.aliases)):
        if (eid, n) not in have_names:
            have_names.add((eid, n))
            rows.names.append({"entity_id": eid, "name": n, "norm": name_key(n), "script": None,
                               "confidence": "verified", "sources": [rec.source_id], "note": None,
                               "first_seen": rows.now, "last_seen": rows.now})
    for i in rec.identifiers:
        k = (eid, i.scheme, i.value, i.exchange or "")
        if k not in have_ids:
            have_ids.add(k)
            rows.identifiers.append({"entity_id": eid, "scheme": i.scheme, "value": i.value,
                                     "exchange": i.exchange or "", "confidence": "verified",
                                     "sources": [rec.source_id], "first_seen": rows.now, "last_seen": rows.now})


class SourceApplier:
    """Applies successive versions of one source inside one writer transaction, keeping what it
    read (the source's records, the resolver, the names and identifiers held) in memory, so a
    replay of hundreds of versions reads the store once."""

    def __init__(self, w: Writer, source: str) -> None:
        self.w, self.source = w, source
        self.latest = w.latest_digest(source)
        self.before = w.previous_day(source)
        self._held_names: set[tuple[str, str]] = set()  # set by resolver (see have_names)

    @functools.cached_property
    def prev(self) -> dict[str, RecordState]:
        """The source's records as the store holds them (read on the first version that changes anything:
        a re-published, unchanged file reads nothing more)."""
        return self.w.records(self.source)

    @functools.cached_property
    def resolver(self) -> RecordResolver:
        facts = self.w.facts(MERGE_SCHEMES)
        self._held_names = facts.held_names
        return RecordResolver(facts)

    @functools.cached_property
    def have_names(self) -> set[tuple[str, str]]:
        """(entity, name) of every name held: read with the resolver's facts, in the same scan of the names table
        (every version that changes anything reads both, the resolver first)."""
        _ = self.resolver
        return self._held_names

    @functools.cached_property
    def have_ids(self) -> set[tuple[str, str, str, str]]:
        return self.w.identifier_keys()

    def apply(self, records: Sequence[SourceRecord], files: list[dict[str, Any]], digest: str,
              as_of: dt.date | None, now: dt.datetime, list_names: dict[str, str] | None = None,
              partial: frozenset[str] = frozenset(), gone: Collection[str] | None = None,
              allow_shrink: bool = False, note: str | None = None) -> IngestResult:
        """One version (see module doc). ``gone``: a delta version - ``records`` holds only what
        changed and ``gone`` the ids that left; otherwise every record missing from ``records`` left.
        ``note`` is logged in the version record (a rollback says so).

        Raises :class:`~listwatch.ingest.guard.ShrinkRefused` (changing nothing) when the version
        would remove more of the source than the shrink guard allows, unless ``allow_shrink``.
        """
        w, source = self.w, self.source
        if self.latest == digest:
            return IngestResult(source, None, len(records), 0, 0, 0, 0, 0)
        day = as_of or now.date()
        # 1. diff
        changes = diff(self.prev, records, partial, gone)
        count = len(changes.changes) if gone is None else sum(r.present for r in self.prev.values()) + \
            len(changes.of_kind("new")) + len(changes.of_kind("back")) - len(changes.gone)
        held = sum(r.present for r in self.prev.values())
        override = check_shrink(source, [f["name"] for f in files], held, len(changes.gone), count,
                                allow=allow_shrink)
        version = w.begin_version(source, digest, files, as_of, now, count,
                                  "; ".join(filter(None, (note, override))) or None)
        if gone is None:  # a whole version can be re-applied later (rollback); a delta cannot
            w.save_snapshot(version, pack_records(records))
        w.ensure_lists({lid for r in records for lid in r.list_ids}, list_names or {}, now)
        # 2. resolve
        window = dt.date.min if self.before is None else self.before + dt.timedelta(days=1)
        rows = _Rows(source, digest, version, now, window, [], [], [], [], [], [])
        entity_of, joined_by, merged = _resolve_new(changes.of_kind("new"), self.resolver, rows)
        # 3. write
        note = f"{source} version {digest[:12]}"  # (the caller's note is in the version record)
        updates: list[dict[str, Any]] = []
        for ch in changes.changes:
            rec = ch.record
            eid = entity_of[rec.source_id] if ch.old is None else ch.old.entity_id
            if ch.old is None:
                rows.records.append({"source_id": rec.source_id, "source": source, "entity_id": eid,
                                     "digest": ch.digest, "name": rec.name, "list_ids": list(rec.list_ids),
                                     "present": True, "last_version": version, "aliases": list(rec.aliases),
                                     "identifiers": identifiers_json(rec.identifiers),
                                     "same_as": list(rec.same_as), "properties": _props(rec.properties),
                                     "first_seen": now, "last_seen": now, "joined_by": joined_by.get(rec.source_id)})
            else:
                updates.append({"sid": rec.source_id, "digest": ch.digest, "new_name": rec.name,
                                "new_lists": list(rec.list_ids), "new_aliases": list(rec.aliases),
                                "new_ids": identifiers_json(rec.identifiers),
                                "new_props": _props(rec.properties), "now_present": True,
                                "version": version, "seen": now})
            if ch.kind in ("new", "back"):
                # a printed listing date dates a first listing, or a return it postdates; else the earliest
                # dated copy that showed it (first_seen), else the version's day: "on or before" that day
                printed = rec.listed_on if ch.kind == "new" or (
                    rec.listed_on and self.before and rec.listed_on > self.before) else None
                effective = printed or (rec.first_seen if ch.kind == "new" else None) or day
                seen = f"{'first seen' if ch.kind == 'new' else 'back'} in {note}"
                for lid in rec.list_ids:
                    rows.event(eid, lid, "listed", effective, rec.source_id, rec.name,
                               seen if printed else f"listed on or before {effective} (no listing date "
                               f"printed); {seen}", printed is not None)
            elif ch.kind == "changed":
                for lid in ch.gained:
                    rows.event(eid, lid, "listed", day, rec.source_id, rec.name, f"added in {note}")
                for lid in ch.lost:
                    rows.event(eid, lid, "delisted", day, rec.source_id, rec.name, f"removed in {note}")
                for lid in ch.kept:
                    rows.event(eid, lid, "amended", day, rec.source_id, rec.name,
                               f"names or identifiers changed in {note}")
            _facts(rows, eid, rec, self.have_names, self.have_ids)
            self.prev[rec.source_id] = RecordState(rec.source_id, eid, ch.digest, rec.name, tuple(rec.list_ids),
                                                   True, tuple(rec.aliases), tuple(rec.identifiers), rec.properties)
        for old in changes.gone:
            for lid in old.list_ids:
                rows.event(old.entity_id, lid, "delisted", day, old.source_id, None, f"no longer in {note}")
            updates.append({"sid": old.source_id, "digest": old.digest, "new_name": old.name,
                            "new_lists": list(old.list_ids), "new_aliases": list(old.aliases or ()),
                            "new_ids": identifiers_json(old.identifiers or ()),
                            "new_props": _props(old.properties or {}), "now_present": False,
                            "version": version, "seen": None})
            self.prev[old.source_id] = replace(old, present=False)
        files_text = ", ".join(f["name"] for f in files)
        missing = w.missing_sources([r["source_id"] for r in rows.records])
        cites = [{"id": r["source_id"], "citation": f"{r['source_id']} ({r['name']}) as published in {files_text}",
                  "first_seen": now, "last_seen": now} for r in rows.records if r["source_id"] in missing]
        w.insert(sources=cites, entities=rows.entities, names=rows.names, identifiers=rows.identifiers,
                 records=rows.records, links=rows.links, events=rows.events)
        w.update_records(updates)
        w.settle_facts({ch.old.entity_id for ch in changes.changes if ch.old is not None and ch.kind != "same"}, now)
        added = len(changes.of_kind("new")) + len(changes.of_kind("back"))
        amended = len(changes.of_kind("changed"))
        w.finish_version(version, added, len(changes.gone), amended)
        self.latest, self.before = digest, day
        return IngestResult(source, version, count, added, len(changes.gone), amended, merged, len(rows.links), now)


def apply_version(store: Store, source: str, records: Sequence[SourceRecord], files: list[dict[str, Any]],
                  digest: str, as_of: dt.date | None = None, now: dt.datetime | None = None,
                  list_names: dict[str, str] | None = None, allow_shrink: bool = False,
                  note: str | None = None, partial: frozenset[str] = frozenset()) -> IngestResult:
    """Bring ``source`` in the store to this version (see module doc and :meth:`SourceApplier.apply`).

    An earlier version may come back (A -> B -> A): its events are new ones, keyed by the version
    that records them. ``partial``: record fields the given files do not print
    (see :mod:`listwatch.ingest.diff`).
    """
    with store.writer() as w:
        return SourceApplier(w, source).apply(records, files, digest, as_of, now or dt.datetime.now(dt.UTC),
                                              list_names, partial, allow_shrink=allow_shrink, note=note)
