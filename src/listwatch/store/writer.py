"""The one place that writes the store: all of the SQL of an ingest or a seed, none of their logic.

:meth:`~listwatch.store.db.Store.writer` opens a :class:`Writer` on one transaction. The caller
(:mod:`listwatch.ingest.apply`) reads what it needs through it (the source's latest version,
its records, the facts entity resolution works on), decides, and hands back plain rows. A
failure anywhere rolls the whole version back. Seeding from the bundled dataset goes through it
too (:mod:`listwatch.store.seeding` decides, the writer writes).

Facts (names, identifiers, citations, list definitions) are never deleted or overwritten in
place: each keeps when listwatch first and last saw it, and a fact withdrawn gets ``retracted_at``
(the statement model of FollowTheMoney), so reads scoped by ``known_at`` can replay any moment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Update, bindparam, insert, select, update
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from listwatch.model import Identifier
from listwatch.store import schema as t

__all__ = ["RECORD_PREFIXES", "Facts", "RecordState", "Writer", "bump_data_version"]

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
    addresses: list[tuple[str, str]]  # (entity id, address) of organisations with no one country: their countries
    held_names: set[tuple[str, str]] = field(default_factory=set)  # (entity id, name) of every name row


def _converted(f: Callable[[Any], Any] | None, typ: TypeEngine[Any], values: list[Any]) -> list[Any]:
    """One column's values through its bind processor ``f``. Each distinct value is converted once (a version's
    rows share one record time, a few dates and lists) and the column is then mapped through that table in C,
    not through a Python call per value; JSON values (lists, dicts) are not hashable: converted one by one."""
    if f is None:
        return values
    if not isinstance(typ, JSON):
        try:
            table = {v: f(v) for v in set(values)}
        except TypeError:  # an unhashable value in a column of another type: as JSON
            pass
        else:
            return list(map(table.__getitem__, values))
    return list(map(f, values))


def bulk(conn: Connection, stmt: Insert | Update, rows: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(stmt, rows)`` - one executemany - without SQLAlchemy's per-row parameter handling.

    The statement is compiled once for the connection's dialect; each value goes through its column type's
    own bind processor (the JSON serialiser, UTC datetimes, SQLite's date strings, psycopg's JSON wrapper),
    so the database receives what ``conn.execute`` would send, on every backend. Every row must carry the
    same keys. On the three real list files this was most of the ingest time (see benchmarks/).
    """
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]), for_executemany=True)
    assert isinstance(compiled, SQLCompiler)
    if any(bind.key not in rows[0] for bind in compiled.binds.values()):  # a column default fills it in
        conn.execute(stmt, list(rows))
        return
    procs = [(name, bind.key, bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect), bind.type)
             for name, bind in compiled.binds.items()]
    if compiled.positional:
        order = {name: i for i, name in enumerate(compiled.positiontup or ())}
        procs.sort(key=lambda p: order[p[0]])
    # column by column (map and zip run in C): a version writes some 100,000 rows of 10-15 columns
    columns = [_converted(f, typ, list(map(itemgetter(key), rows))) for _, key, f, typ in procs]
    if isinstance(stmt, Insert) and conn.dialect.name == "postgresql":
        _copy(conn, stmt, [key for _, key, _, _ in procs], columns)
        return
    if compiled.positional:
        params: list[Any] = list(zip(*columns, strict=True))
    else:
        names = [name for name, _, _, _ in procs]
        params = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    conn.exec_driver_sql(compiled.string, params)


def _copy(conn: Connection, stmt: Insert, keys: list[str], columns: list[list[Any]]) -> None:
    """PostgreSQL: the rows of a plain INSERT through one ``COPY ... FROM STDIN`` in the same transaction,
    each value as its bind processor made it. An executemany sends one INSERT per row (pipelined), about
    three times the client CPU and several times the server's on a list file's 100,000 rows."""
    table = stmt.table
    prep = conn.dialect.identifier_preparer
    names = ", ".join(prep.quote(table.c[key].name) for key in keys)
    sql = f"COPY {prep.format_table(table)} ({names}) FROM STDIN"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for listener in conn.dispatch.before_cursor_execute:  # as for any statement: the writer sees it write
        listener(conn, cursor, sql, (), None, True)
    with cursor, cursor.copy(sql) as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)


def bump_data_version(conn: Connection) -> None:
    """Give the data a new version (:meth:`~listwatch.store.reader.Reader.data_version`), in the transaction
    of ``conn``: the serial goes up by one and the token is drawn anew, so the version is never one seen
    before (not even after a restored backup)."""
    dv = t.data_version
    done = conn.execute(update(dv).where(dv.c.id == 1).values(serial=dv.c.serial + 1, token=uuid.uuid4().hex))
    if done.rowcount == 0:  # the row is gone (removed by hand): a new one
        conn.execute(insert(dv).values(id=1, serial=1, token=uuid.uuid4().hex))


def _prefix(source_id: str) -> str | None:
    """``csl:`` of ``csl:123``; None for an id without a colon."""
    head, colon, _ = source_id.partition(":")
    return head + colon if colon else None


class Writer:
    """Reads and writes for one source version, inside one transaction (see module doc)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # what this transaction changed in the event log, for the change feed's subscribers (webhooks):
        # (key, list id) of the events recorded, and of the events withdrawn (retracted)
        self.recorded: list[tuple[str, str]] = []
        self.withdrawn: list[tuple[str, str]] = []
        self.wrote = False  # whether a statement that may change rows ran (see saw())

    def saw(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        """Every statement run on this writer's connection (SQLAlchemy's ``before_cursor_execute``): anything
        but a SELECT may change data - an INSERT, UPDATE or DELETE, through a method here or not - and then
        the writer bumps the data version when it closes (:meth:`~listwatch.store.db.Store.writer`)."""
        if not statement.lstrip(" \t\n(").upper().startswith("SELECT"):
            self.wrote = True

    def latest_digest(self, source: str) -> str | None:
        return self.conn.execute(select(t.source_versions.c.content_hash).where(t.source_versions.c.source == source)
                                 .order_by(t.source_versions.c.id.desc()).limit(1)).scalar_one_or_none()

    def latest_version(self, source: str) -> tuple[str, int] | None:
        """(content hash, record count) of the source's latest version, None if it has none."""
        row = self.conn.execute(select(t.source_versions.c.content_hash, t.source_versions.c.records)
                                .where(t.source_versions.c.source == source)
                                .order_by(t.source_versions.c.id.desc()).limit(1)).first()
        return None if row is None else (row[0], row[1])

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
        sr = t.source_records
        rows = self.conn.execute(select(sr.c.source_id, sr.c.entity_id, sr.c.digest, sr.c.name, sr.c.list_ids,
                                        sr.c.present, sr.c.aliases, sr.c.identifiers, sr.c.properties)
                                 .where(sr.c.source == source)).all()
        return {sid: RecordState(sid, eid, digest, name, tuple(lists), present,
                                 None if aliases is None else tuple(aliases), _identifiers(ids, sid),
                                 None if props is None else {k: tuple(v) for k, v in props.items()})
                for sid, eid, digest, name, lists, present, aliases, ids, props in rows}

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
        """Every fact entity resolution works on, and the names the store holds. The names table is read once
        for its three uses (normalised names, the record ids names cite, the (entity, name) pairs held): it is
        the largest table read here (35,000 rows with the three real lists), and each scan cost ~0.1 s."""
        c = self.conn
        norms: list[tuple[str, str]] = []
        cited: list[tuple[str, str]] = []
        held: set[tuple[str, str]] = set()
        # (entity_id is NOT NULL in names: every row counts, as each of the three reads had it)
        for eid, name, norm, sources in c.execute(select(t.names.c.entity_id, t.names.c.name, t.names.c.norm,
                                                         t.names.c.sources)):
            norms.append((norm, eid))
            held.add((eid, name))
            cited += [(sid, eid) for sid in sources if sid.startswith(RECORD_PREFIXES)]
        return Facts(
            [(r.scheme, r.value, r.entity_id) for r in c.execute(
                select(t.identifiers.c.scheme, t.identifiers.c.value, t.identifiers.c.entity_id)
                .where(t.identifiers.c.scheme.in_(schemes)).order_by(t.identifiers.c.id))],
            norms,
            [(r.id, r.country, r.kind) for r in c.execute(
                select(t.entities.c.id, t.entities.c.country, t.entities.c.kind))],
            # record ids the curated data cites for an entity's listings (a second Entity List row of the same
            # party adds no name), then for its names, then the records ingested (each later one wins). An
            # ingest's own events are not read: each cites a record of source_records, whose entity wins anyway
            [(sid, r.entity_id) for r in c.execute(
                select(t.events.c.sources, t.events.c.entity_id)
                .where(t.events.c.entity_id.is_not(None), ~t.events.c.origin.startswith("ingest:")))
             for sid in r.sources if sid.startswith(RECORD_PREFIXES)]
            + cited
            + [(sid, r.entity_id) for r in c.execute(
                select(t.source_records.c.source_id, t.source_records.c.entity_id, t.source_records.c.same_as))
               for sid in (r.source_id, *(r.same_as or ()))],
            [(r.entity_id, a) for r in c.execute(
                select(t.source_records.c.entity_id, t.source_records.c.properties)
                .join(t.entities, t.entities.c.id == t.source_records.c.entity_id)
                .where(t.entities.c.country.is_(None), t.entities.c.kind != "person"))
             for a in (r.properties or {}).get("address", ())],
            held)

    def identifier_keys(self) -> set[tuple[str, str, str, str]]:
        return {(r[0], r[1], r[2], r[3]) for r in self.conn.execute(
            select(t.identifiers.c.entity_id, t.identifiers.c.scheme, t.identifiers.c.value,
                   t.identifiers.c.exchange)).all()}

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
        """The ids that have no row in ``sources``. Many ids that share a prefix (``csl:``, ``ofac-sdn:``) are
        looked up as one prefix match each, not as one ``IN`` of every id: a version's 10,000 new records
        made 10,000 bound parameters to compile and send for one query."""
        want = set(ids)
        prefixes = {p for i in want if (p := _prefix(i))} if len(want) > 1000 else set()
        have: set[str] = set()
        for prefix in sorted(prefixes):
            have.update(self.conn.execute(select(t.sources.c.id).where(
                t.sources.c.id.startswith(prefix, autoescape=True))).scalars())
        if rest := [i for i in want if _prefix(i) not in prefixes]:
            have.update(self.conn.execute(select(t.sources.c.id).where(t.sources.c.id.in_(rest))).scalars())
        return want - have

    def insert(self, *, sources: list[dict[str, Any]], entities: list[dict[str, Any]], names: list[dict[str, Any]],
               identifiers: list[dict[str, Any]], records: list[dict[str, Any]], links: list[dict[str, Any]],
               events: list[dict[str, Any]]) -> None:
        """Insert rows, parents first."""
        for table, rows in ((t.sources, sources), (t.entities, entities), (t.names, names),
                            (t.identifiers, identifiers), (t.source_records, records), (t.entity_links, links),
                            (t.events, events)):
            self.insert_rows(table, rows)

    # -- seeding (decided by listwatch.store.seeding) ----------------------------------------
    def latest_dataset(self) -> str | None:
        return self.conn.execute(select(t.dataset_versions.c.digest).order_by(t.dataset_versions.c.id.desc())
                                 .limit(1)).scalar_one_or_none()

    def ids(self, table: Any) -> set[str]:
        """The ids of every row of a table keyed by id (sources, lists, entities)."""
        return set(self.conn.execute(select(table.c.id)).scalars())

    def ingested_record_ids(self) -> set[str]:
        return set(self.conn.execute(select(t.source_records.c.source_id)).scalars())

    def fact_rows(self, table: Any) -> list[Any]:
        """Every name or identifier row: id, entity, what it says, its sources, whether withdrawn."""
        return list(self.conn.execute(select(table)))

    def bundled_events(self, origin: str) -> tuple[dict[str, str], set[str]]:
        """(key -> list id of the events of ``origin``, keys of every retracted event)."""
        return ({r.key: r.list_id for r in self.conn.execute(
                    select(t.events.c.key, t.events.c.list_id).where(t.events.c.origin == origin))},
                set(self.conn.execute(select(t.retractions.c.event_key)).scalars()))

    def event_keys(self, keys: Sequence[str]) -> set[str]:
        return set(self.conn.execute(select(t.events.c.key).where(t.events.c.key.in_(list(keys)))).scalars())

    def update_by_id(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Rows of ``{"_id": row id, column: value, ...}`` (the same columns in every row)."""
        if rows:
            cols = [k for k in rows[0] if k != "_id"]  # (a bind name may not be a column's name)
            self.conn.execute(update(table).where(table.c.id == bindparam("_id"))
                              .values({c: bindparam(f"v_{c}") for c in cols}),
                              [{"_id": r["_id"], **{f"v_{c}": r[c] for c in cols}} for r in rows])

    def insert_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        bulk(self.conn, insert(table), rows)
        if table is t.events:
            self.recorded += [(e["key"], e["list_id"]) for e in rows]

    def retract_events(self, events: dict[str, str], now: dt.datetime, reason: str) -> None:
        """Withdraw events (key -> list id) as of ``now``: a dated retraction row each, never a delete."""
        self.insert_rows(t.retractions, [{"event_key": k, "recorded_at": now, "reason": reason} for k in events])
        self.withdrawn += list(events.items())

    def record_dataset(self, digest: str, now: dt.datetime, added: int, retracted: int) -> None:
        self.conn.execute(insert(t.dataset_versions).values(digest=digest, seeded_at=now, events_added=added,
                                                            events_retracted=retracted))

    def retract_facts(self, table: Any, ids: Sequence[int], now: dt.datetime) -> None:
        """Withdraw name or identifier rows (by row id) as of ``now``: kept, never deleted."""
        if ids:
            self.conn.execute(update(table).where(table.c.id.in_(list(ids))).values(retracted_at=now))

    def reconfirm_facts(self, table: Any, ids: Sequence[int], now: dt.datetime) -> None:
        """Seen again ``now``: ``last_seen`` moves on; a fact withdrawn earlier is in force again (its
        ``first_seen`` stays: replaying the gap shows it, erring towards a name rather than none)."""
        if ids:
            self.conn.execute(update(table).where(table.c.id.in_(list(ids))).values(last_seen=now,
                                                                                  retracted_at=None))

    def settle_facts(self, entity_ids: Collection[str], now: dt.datetime) -> int:
        """After a version changed records of these entities: a name or identifier an ingest added that
        no record of the entity prints any more (as last printed: a record gone from the list keeps
        its names) is withdrawn as of ``now``; one printed again is in force again. Facts the curated
        data states (they cite more than ingested records) are the dataset's, left alone; so are the
        entities with a record stored before printed fields were kept. Returns how many were withdrawn."""
        if not entity_ids:
            return 0
        c, sr = self.conn, t.source_records
        printed_names: dict[str, set[str]] = {}
        printed_ids: dict[str, set[tuple[str, str, str]]] = {}
        unknown: set[str] = set()
        for r in c.execute(select(sr.c.entity_id, sr.c.name, sr.c.aliases, sr.c.identifiers)
                           .where(sr.c.entity_id.in_(list(entity_ids)))).all():
            if r.aliases is None or r.identifiers is None:
                unknown.add(r.entity_id)
            printed_names.setdefault(r.entity_id, set()).update((r.name, *(r.aliases or ())))
            printed_ids.setdefault(r.entity_id, set()).update(tuple(i) for i in r.identifiers or ())
        settled = sorted(set(entity_ids) - unknown)
        withdrawn = 0

        def printed(r: Any) -> bool:
            if table is t.names:
                return r.name in printed_names.get(r.entity_id, ())
            return (r.scheme, r.value, r.exchange) in printed_ids.get(r.entity_id, ())

        for table in (t.names, t.identifiers):
            what = [table.c.name] if table is t.names else [table.c.scheme, table.c.value, table.c.exchange]
            rows = c.execute(select(table.c.id, table.c.entity_id, table.c.sources, table.c.retracted_at, *what)
                             .where(table.c.entity_id.in_(settled))).all()
            cited = sorted({s for r in rows for s in r.sources})
            ingested = set(c.execute(select(sr.c.source_id).where(sr.c.source_id.in_(cited))).scalars())
            mine = [r for r in rows if r.sources and all(s in ingested for s in r.sources)]
            out = [r.id for r in mine if r.retracted_at is None and not printed(r)]
            self.retract_facts(table, out, now)
            self.reconfirm_facts(table, [r.id for r in mine if r.retracted_at is not None and printed(r)], now)
            withdrawn += len(out)
        return withdrawn

    def update_records(self, rows: list[dict[str, Any]]) -> None:
        """Rows of ``{sid, digest, new_name, new_lists, new_aliases, new_ids, new_props, now_present, version,
        seen}``."""
        if rows:
            bulk(self.conn, update(t.source_records).where(t.source_records.c.source_id == bindparam("sid")).values(
                digest=bindparam("digest"), name=bindparam("new_name"), list_ids=bindparam("new_lists"),
                aliases=bindparam("new_aliases"), identifiers=bindparam("new_ids"), properties=bindparam("new_props"),
                present=bindparam("now_present"), last_version=bindparam("version"),
                last_seen=bindparam("seen")), rows)
