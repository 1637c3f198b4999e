"""Apply one version of a published list to the store, in one transaction.

A version is the set of :class:`~listwatch.ingest.records.SourceRecord` read from a source's files.
Against the records the store holds for that source:

* a record not seen before (or seen and gone) -> ``listed`` on each of its lists;
* a record gone from the new version -> ``delisted`` from each of its lists;
* a record whose names, identifiers or lists changed -> ``amended`` (and ``listed`` /
  ``delisted`` for lists it gained or lost).

Effective dates: the record's own listing date if the file prints one, else the version's
``as_of`` date (the list's publication date, when the caller knows it), else the import day; such
events carry confidence ``reported``, because the file does not state when the change took effect.
A version whose content hash equals the source's latest version changes nothing. Everything runs
in one database transaction: a crash or a bad file leaves the previous version intact.

Entity resolution: a new record joins an existing entity when an identifier (ISIN, LEI, USCC)
agrees, or - for organisations - when a name agrees after normalisation and so does the country.
A name match without that agreement creates a separate entity linked ``possible_same``; nothing
is merged on a weak match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rigour.territories import lookup_territory
from sqlalchemy import Connection, bindparam, insert, select, update

from listwatch.dataset import event_key
from listwatch.ingest.records import SourceRecord
from listwatch.match.normalize import lookup_key
from listwatch.store import schema as t
from listwatch.store.db import Store

__all__ = ["IngestResult", "apply_version", "content_hash"]

MERGE_SCHEMES = ("isin", "lei", "uscc")


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


def _digest(r: SourceRecord) -> str:
    doc = [r.name, sorted(r.aliases), sorted(r.list_ids), sorted(i.label for i in r.identifiers), r.schema]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def _country_codes(names: Sequence[str]) -> set[str]:
    out = set()
    for n in names:
        terr = lookup_territory(n)
        if terr is not None:
            out.add(terr.code.lower())
    return out


def _entity_id(source_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", source_id.lower()).strip("-")


class _Resolver:
    """In-memory view of the store's entities for matching new records against them."""

    def __init__(self, conn: Connection) -> None:
        self.by_ident: dict[tuple[str, str], str] = {}
        for scheme, value, eid in conn.execute(select(t.identifiers.c.scheme, t.identifiers.c.value,
                                                      t.identifiers.c.entity_id)
                                               .where(t.identifiers.c.scheme.in_(MERGE_SCHEMES))):
            self.by_ident.setdefault((scheme, value.upper()), eid)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for norm, eid in conn.execute(select(t.names.c.norm, t.names.c.entity_id)):
            self.by_name[norm].add(eid)
        self.country: dict[str, str | None] = {}
        self.kind: dict[str, str] = {}
        for r in conn.execute(select(t.entities.c.id, t.entities.c.country, t.entities.c.kind)):
            self.country[r.id] = r.country.lower() if r.country else None
            self.kind[r.id] = r.kind

    def resolve(self, rec: SourceRecord) -> tuple[str | None, list[tuple[str, str]]]:
        """(entity to join or None, [(entity, reason)] to link as possible same)."""
        for i in rec.identifiers:
            if i.scheme in MERGE_SCHEMES and (hit := self.by_ident.get((i.scheme, i.value.upper()))):
                return hit, []
        names = {lookup_key(n) for n in (rec.name, *rec.aliases)}
        cands = sorted({e for n in names for e in self.by_name.get(n, ())})
        if not cands:
            return None, []
        countries = _country_codes(rec.countries)
        if rec.schema != "Person":
            for e in cands:
                if self.kind.get(e) != "person" and self.country.get(e) and self.country[e] in countries:
                    return e, []
        return None, [(e, "same normalised name; " + ("person: names alone never merge" if rec.schema == "Person"
                                                        else "country missing or different")) for e in cands]

    def learn(self, entity_id: str, rec: SourceRecord, country: str | None, kind: str) -> None:
        for i in rec.identifiers:
            if i.scheme in MERGE_SCHEMES:
                self.by_ident.setdefault((i.scheme, i.value.upper()), entity_id)
        for n in (rec.name, *rec.aliases):
            self.by_name[lookup_key(n)].add(entity_id)
        self.country.setdefault(entity_id, country)
        self.kind.setdefault(entity_id, kind)


def _event_row(source: str, entity_id: str, list_id: str, typ: str, day: dt.date, now: dt.datetime,
               rec: SourceRecord, note: str, version_hash: str) -> dict[str, Any]:
    return {"key": event_key("ingest", source, rec.source_id, list_id, typ, day, version_hash),
            "origin": f"ingest:{source}", "entity_id": entity_id, "list_id": list_id, "type": typ,
            "effective": day, "recorded_at": now, "confidence": "reported", "sources": [rec.source_id],
            "listed_as": rec.name if typ != "delisted" else None, "by": None, "note": note}


def apply_version(store: Store, source: str, records: Sequence[SourceRecord], files: list[dict[str, Any]],
                  digest: str, as_of: dt.date | None = None, now: dt.datetime | None = None,
                  list_names: dict[str, str] | None = None) -> IngestResult:
    """Bring ``source`` in the store to this version (see module doc); returns what changed."""
    now = now or dt.datetime.now(dt.UTC)
    day = as_of or now.date()
    with store.engine.begin() as conn:
        latest = conn.execute(select(t.source_versions.c.content_hash).where(t.source_versions.c.source == source)
                              .order_by(t.source_versions.c.id.desc()).limit(1)).scalar_one_or_none()
        if latest == digest:
            return IngestResult(source, None, len(records), 0, 0, 0, 0, 0)
        inserted = conn.execute(insert(t.source_versions).values(
            source=source, content_hash=digest, files=files, as_of=as_of, recorded_at=now, records=len(records),
            added=0, removed=0, amended=0)).inserted_primary_key
        assert inserted is not None
        version = int(inserted[0])
        _ensure_lists(conn, {lid for r in records for lid in r.list_ids}, list_names or {})
        prev = {r.source_id: r for r in conn.execute(
            select(t.source_records).where(t.source_records.c.source == source))}
        resolver = _Resolver(conn)
        events: list[dict[str, Any]] = []
        new_entities: list[dict[str, Any]] = []
        names: list[dict[str, Any]] = []
        idents: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        rec_rows: list[dict[str, Any]] = []
        rec_updates: list[dict[str, Any]] = []
        have_names = {(r.entity_id, r.name) for r in conn.execute(select(t.names.c.entity_id, t.names.c.name))}
        have_ids = {(r.entity_id, r.scheme, r.value, r.exchange) for r in conn.execute(
            select(t.identifiers.c.entity_id, t.identifiers.c.scheme, t.identifiers.c.value, t.identifiers.c.exchange))}
        added = amended = merged = 0
        seen: set[str] = set()
        note = f"{source} version {digest[:12]}"
        for rec in records:
            if rec.source_id in seen:
                continue
            seen.add(rec.source_id)
            d = _digest(rec)
            old = prev.get(rec.source_id)
            effective = rec.listed_on or day
            if old is None:
                eid, link_to = resolver.resolve(rec)
                if eid is None:
                    eid = _entity_id(rec.source_id)
                    countries = sorted(_country_codes(rec.countries))
                    kind = "person" if rec.schema == "Person" else rec.schema.lower()
                    new_entities.append({"id": eid, "name": rec.name, "kind": kind,
                                         "country": countries[0].upper() if len(countries) == 1 else None,
                                         "parent_id": None, "parent_sources": [], "note": None})
                    resolver.learn(eid, rec, countries[0] if len(countries) == 1 else None, kind)
                    links += [{"entity_a": eid, "entity_b": other, "kind": "possible_same", "reason": why,
                               "recorded_at": now} for other, why in link_to]
                else:
                    merged += 1
                    resolver.learn(eid, rec, None, "")
                rec_rows.append({"source_id": rec.source_id, "source": source, "entity_id": eid, "digest": d,
                                 "name": rec.name, "list_ids": list(rec.list_ids), "present": True,
                                 "last_version": version})
                events += [_event_row(source, eid, lid, "listed", effective, now, rec,
                                      f"first seen in {note}", digest) for lid in rec.list_ids]
                added += 1
            else:
                eid = old.entity_id
                if not old.present:
                    events += [_event_row(source, eid, lid, "listed", effective, now, rec,
                                          f"back in {note}", digest) for lid in rec.list_ids]
                    added += 1
                elif old.digest != d:
                    gained = [x for x in rec.list_ids if x not in old.list_ids]
                    lost = [x for x in old.list_ids if x not in rec.list_ids]
                    events += [_event_row(source, eid, lid, "listed", day, now, rec, f"added in {note}", digest)
                               for lid in gained]
                    events += [_event_row(source, eid, lid, "delisted", day, now, rec, f"removed in {note}", digest)
                               for lid in lost]
                    events += [_event_row(source, eid, lid, "amended", day, now, rec,
                                          f"names or identifiers changed in {note}", digest)
                               for lid in rec.list_ids if lid in old.list_ids]
                    amended += 1
                rec_updates.append({"sid": rec.source_id, "digest": d, "new_name": rec.name,
                                    "new_lists": list(rec.list_ids), "version": version})
            for n in dict.fromkeys((rec.name, *rec.aliases)):
                if (eid, n) not in have_names:
                    have_names.add((eid, n))
                    names.append({"entity_id": eid, "name": n, "norm": lookup_key(n), "script": None,
                                  "confidence": "verified", "sources": [rec.source_id], "note": None})
            for i in rec.identifiers:
                k = (eid, i.scheme, i.value, i.exchange or "")
                if k not in have_ids:
                    have_ids.add(k)
                    idents.append({"entity_id": eid, "scheme": i.scheme, "value": i.value, "exchange": i.exchange or "",
                                   "confidence": "verified", "sources": [rec.source_id]})
        removed = 0
        for sid, old in prev.items():
            if old.present and sid not in seen:
                gone = SourceRecord(sid, tuple(old.list_ids), old.name, "Organization")
                events += [_event_row(source, old.entity_id, lid, "delisted", day, now, gone,
                                      f"no longer in {note}", digest) for lid in old.list_ids]
                conn.execute(update(t.source_records).where(t.source_records.c.source_id == sid).values(
                    present=False, last_version=version))
                removed += 1
        have_src = set(conn.execute(select(t.sources.c.id).where(t.sources.c.id.in_(
            [r["source_id"] for r in rec_rows]))).scalars()) if rec_rows else set()
        files_text = ", ".join(f["name"] for f in files)
        cites = [{"id": r["source_id"], "citation": f"{r['source_id']} ({r['name']}) as published in {files_text}"}
                 for r in rec_rows if r["source_id"] not in have_src]
        for table, rows in ((t.sources, cites), (t.entities, new_entities), (t.names, names), (t.identifiers, idents),
                            (t.source_records, rec_rows), (t.entity_links, links), (t.events, events)):
            if rows:
                conn.execute(insert(table), rows)
        if rec_updates:
            conn.execute(update(t.source_records).where(t.source_records.c.source_id == bindparam("sid")).values(
                digest=bindparam("digest"), name=bindparam("new_name"), list_ids=bindparam("new_lists"),
                present=True, last_version=bindparam("version")), rec_updates)
        conn.execute(update(t.source_versions).where(t.source_versions.c.id == version).values(
            added=added, removed=removed, amended=amended))
    store.forget()
    return IngestResult(source, version, len(seen), added, removed, amended, merged, len(links), now)


def _ensure_lists(conn: Connection, list_ids: set[str], names: dict[str, str]) -> None:
    have = set(conn.execute(select(t.lists.c.id)).scalars())
    rows: list[dict[str, Any]] = [
        {"id": lid, "name": names.get(lid, lid), "authority": "as published in the ingested source",
         "maintainer": "see the source", "established": None,
         "note": "created by ingest; its legal effects are not modelled unless a regime covers it",
         "sources": []} for lid in sorted(list_ids - have)]
    if rows:
        conn.execute(insert(t.lists), rows)
