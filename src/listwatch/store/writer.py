"""The one place that writes an ingested source version: all of its SQL, none of its logic.

:meth:`~listwatch.store.db.Store.writer` opens a :class:`Writer` on one transaction. The caller
(:mod:`listwatch.ingest.apply`) reads what it needs through it (the source's latest version,
its records, the facts entity resolution works on), decides, and hands back plain rows. A
failure anywhere rolls the whole version back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from listwatch.model import Identifier
from listwatch.store import schema as t

__all__ = ["RECORD_PREFIXES", "Facts", "RecordState", "Writer"]

RECORD_PREFIXES = ("csl:", "ofac-sdn:", "ofac-cons:")  # ids of published records, as sources cite them


@dataclass(frozen=True)
class RecordState:
    """What the store holds of one published record: its entity, digest and lists."""

    source_id: str
    entity_id: str
    digest: str
    name: str
    list_ids: tuple[str, ...]
    present: bool
    aliases: tuple[str, ...] | None = None  # None: stored before printed fields were kept
    identifiers: tuple[Identifier, ...] | None = None
    properties: dict[str, tuple[str, ...]] | None = None  # FtM properties as last printed (None: none kept)


def identifiers_json(ids: Iterable[Identifier]) -> list[list[str]]:
    return [[i.scheme, i.value, i.exchange or ""] for i in ids]


def _identifiers(rows: list[list[str]] | None, source_id: str) -> tuple[Identifier, ...] | None:
    if rows is None:
        return None
    return tuple(Identifier(s, v, (source_id,), exchange=x or None) for s, v, x in rows)


@dataclass(frozen=True)
class Facts:
    """What entity resolution works on: identifiers, normalised names, entities, record ids."""

    identifiers: list[tuple[str, str, str]]  # (scheme, value, entity id)
    names: list[tuple[str, str]]  # (normalised name, entity id)
    entities: list[tuple[str, str | None, str]]  # (entity id, country, kind)
    records: list[tuple[str, str]]  # (source record id, entity id)


class Writer:
    """Reads and writes for one source version, inside one transaction (see module doc)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # what this transaction changed in the event log, for the change feed's subscribers (webhooks):
        # (key, list id) of the events recorded, and of the events withdrawn (retracted)
        self.recorded: list[tuple[str, str]] = []
        self.withdrawn: list[tuple[str, str]] = []

    def latest_digest(self, source: str) -> str | None:
        return self.conn.execute(select(t.source_versions.c.content_hash).where(t.source_versions.c.source == source)
                                 .order_by(t.source_versions.c.id.desc()).limit(1)).scalar_one_or_none()

    def begin_version(self, source: str, digest: str, files: list[dict[str, Any]], as_of: dt.date | None,
                      now: dt.datetime, records: int, override: str | None = None) -> int:
        inserted = self.conn.execute(insert(t.source_versions).values(
            source=source, content_hash=digest, files=files, as_of=as_of, recorded_at=now, records=records,
            added=0, removed=0, amended=0, override=override)).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def version_snapshot(self, source: str, version: int) -> tuple[str, list[dict[str, Any]], bytes | None] | None:
        """(content hash, files, packed records or None if not kept) of one version of ``source``."""
        row = self.conn.execute(
            select(t.source_versions.c.content_hash, t.source_versions.c.files, t.source_snapshots.c.records)
            .select_from(t.source_versions.outerjoin(t.source_snapshots))
            .where(t.source_versions.c.source == source, t.source_versions.c.id == version)).first()
        return None if row is None else (row[0], row[1], row[2])

    def save_snapshot(self, version: int, records: bytes) -> None:
        self.conn.execute(insert(t.source_snapshots).values(version_id=version, records=records))

    def finish_version(self, version: int, added: int, removed: int, amended: int) -> None:
        self.conn.execute(update(t.source_versions).where(t.source_versions.c.id == version).values(
            added=added, removed=removed, amended=amended))

    def records(self, source: str) -> dict[str, RecordState]:
        return {r.source_id: RecordState(r.source_id, r.entity_id, r.digest, r.name, tuple(r.list_ids), r.present,
                                         None if r.aliases is None else tuple(r.aliases),
                                         _identifiers(r.identifiers, r.source_id),
                                         None if r.properties is None else
                                         {k: tuple(v) for k, v in r.properties.items()})
                for r in self.conn.execute(select(t.source_records).where(t.source_records.c.source == source))}

    def previous_day(self, source: str) -> dt.date | None:
        """The list date of the source's latest version (its ``as_of``, else the day it was recorded)."""
        row = self.conn.execute(select(t.source_versions.c.as_of, t.source_versions.c.recorded_at)
                                .where(t.source_versions.c.source == source)
                                .order_by(t.source_versions.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        day: dt.date = row.as_of or row.recorded_at.date()
        return day

    def facts(self, schemes: Sequence[str]) -> Facts:
        c = self.conn
        return Facts(
            [(r.scheme, r.value, r.entity_id) for r in c.execute(
                select(t.identifiers.c.scheme, t.identifiers.c.value, t.identifiers.c.entity_id)
                .where(t.identifiers.c.scheme.in_(schemes)).order_by(t.identifiers.c.id))],
            [(r.norm, r.entity_id) for r in c.execute(select(t.names.c.norm, t.names.c.entity_id))],
            [(r.id, r.country, r.kind) for r in c.execute(
                select(t.entities.c.id, t.entities.c.country, t.entities.c.kind))],
            # record ids the curated data cites for an entity's names, then the records ingested (they win)
            [(sid, r.entity_id) for r in c.execute(select(t.names.c.sources, t.names.c.entity_id))
             for sid in r.sources if sid.startswith(RECORD_PREFIXES)]
            + [(sid, r.entity_id) for r in c.execute(
                select(t.source_records.c.source_id, t.source_records.c.entity_id, t.source_records.c.same_as))
               for sid in (r.source_id, *(r.same_as or ()))])

    def name_keys(self) -> set[tuple[str, str]]:
        return {(r.entity_id, r.name) for r in self.conn.execute(select(t.names.c.entity_id, t.names.c.name))}

    def identifier_keys(self) -> set[tuple[str, str, str, str]]:
        return {(r.entity_id, r.scheme, r.value, r.exchange) for r in self.conn.execute(
            select(t.identifiers.c.entity_id, t.identifiers.c.scheme, t.identifiers.c.value,
                   t.identifiers.c.exchange))}

    def ensure_lists(self, list_ids: Iterable[str], names: dict[str, str], now: dt.datetime) -> None:
        have = set(self.conn.execute(select(t.lists.c.id)).scalars())
        rows: list[dict[str, Any]] = [
            {"id": lid, "name": names.get(lid, lid), "authority": "as published in the ingested source",
             "maintainer": "see the source", "established": None,
             "note": "created by ingest; its legal effects are not modelled unless a regime covers it",
             "sources": [], "first_seen": now, "last_seen": now} for lid in sorted(set(list_ids) - have)]
        if rows:
            self.conn.execute(insert(t.lists), rows)

    def missing_sources(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        have = set(self.conn.execute(select(t.sources.c.id).where(t.sources.c.id.in_(ids))).scalars())
        return set(ids) - have

    def insert(self, *, sources: list[dict[str, Any]], entities: list[dict[str, Any]], names: list[dict[str, Any]],
               identifiers: list[dict[str, Any]], records: list[dict[str, Any]], links: list[dict[str, Any]],
               events: list[dict[str, Any]]) -> None:
        """Insert rows, parents first."""
        for table, rows in ((t.sources, sources), (t.entities, entities), (t.names, names),
                            (t.identifiers, identifiers), (t.source_records, records), (t.entity_links, links),
                            (t.events, events)):
            if rows:
                self.conn.execute(insert(table), rows)
        self.recorded += [(e["key"], e["list_id"]) for e in events]

    def update_records(self, rows: list[dict[str, Any]]) -> None:
        """Rows of ``{sid, digest, new_name, new_lists, new_aliases, new_ids, new_props, now_present, version,
        seen}``."""
        if rows:
            self.conn.execute(update(t.source_records).where(t.source_records.c.source_id == bindparam("sid")).values(
                digest=bindparam("digest"), name=bindparam("new_name"), list_ids=bindparam("new_lists"),
                aliases=bindparam("new_aliases"), identifiers=bindparam("new_ids"), properties=bindparam("new_props"),
                present=bindparam("now_present"), last_version=bindparam("version"),
                last_seen=bindparam("seen")), rows)
