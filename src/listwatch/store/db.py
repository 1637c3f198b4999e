"""The store: a SQLite file (WAL, foreign keys on) by default, any SQLAlchemy URL otherwise.

:func:`open_store` migrates the database to the newest schema (Alembic) and seeds it from the
bundled dataset on first use, and again whenever the bundled data changes. Seeding appends:
new facts become new events recorded now-or-at-release; facts gone from the data are
*retracted* (a dated retraction row), never deleted, so ``known_at`` replays stay exact.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
import platformdirs
from sqlalchemy import Connection, Engine, and_, create_engine, event, func, inspect, or_, select, text, true
from sqlalchemy.engine import Row

from listwatch.dataset import Dataset, bundled_dir, content_hash
from listwatch.dataset import load as load_dataset
from listwatch.match.normalize import lookup_key
from listwatch.model import (
    Confidence,
    Entity,
    Event,
    EventType,
    Identifier,
    ListDef,
    Name,
    Source,
)
from listwatch.store import outbox, seeding
from listwatch.store import schema as t
from listwatch.store.writer import Writer

__all__ = ["Store", "database_url", "open_store", "visible"]

T = TypeVar("T")


def database_url(home: str | os.PathLike[str] | None = None) -> str:
    """``$LISTWATCH_DATABASE_URL``, else a SQLite file in ``$LISTWATCH_HOME`` (or the user data dir)."""
    if url := os.environ.get("LISTWATCH_DATABASE_URL"):
        return url
    root = Path(home or os.environ.get("LISTWATCH_HOME") or platformdirs.user_data_dir("listwatch"))
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / 'listwatch.db'}"


def _json(value: Any) -> str:
    """JSON columns' serialiser (and ``orjson.loads`` their reader): orjson, a dependency of followthemoney
    and rigour, is several times faster than the json module, and an ingest writes and reads some 200,000
    JSON values."""
    return orjson.dumps(value).decode()


def _make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, json_serializer=_json, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the Alembic migrations, all or nothing.

    On SQLite two things need care. Python's sqlite3 commits DDL as it goes, so the migration runs
    with explicit transaction control (``BEGIN`` ... ``COMMIT``) to be atomic. And a migration that
    changes a column rebuilds its table; dropping a table other rows point at fails with foreign
    keys enforced, so they are off for the migration (SQLite allows that only outside a
    transaction) and checked with ``PRAGMA foreign_key_check`` before the commit.
    """
    from alembic import command  # noqa: PLC0415 - only when a migration is due (slow to import)
    from alembic.config import Config  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            conn.commit()
            raw.isolation_level = None  # we say BEGIN and COMMIT ourselves
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("BEGIN")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if raw is not None and (bad := raw.execute("PRAGMA foreign_key_check").fetchone()):
                    raise RuntimeError(f"migration to {revision} broke a foreign key: {tuple(bad)}")
        finally:
            if raw is not None:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raw.execute("PRAGMA foreign_keys=ON")
                raw.isolation_level = ""


MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*["']([^"']+)["']""", re.MULTILINE)


def head_revisions() -> set[str]:
    """The newest migration revision(s), read from the migration files without importing Alembic."""
    revs: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revs if key == "revision" else downs).add(value)
    return revs - downs


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is already the newest (then opening it needs no Alembic)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        have = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return bool(have) and have == head_revisions()


def open_store(url: str | None = None, data_dir: Path | None = None, seed: bool = True,
               snapshots: bool | None = None) -> Store:
    """Open (create, migrate, seed) the store.

    ``snapshots``: load the bundled list snapshots into sources never ingested
    (:mod:`listwatch.snapshots`; default: ``$LISTWATCH_SNAPSHOTS``, on unless ``0``).
    """
    store = Store(_make_engine(url or database_url()))
    if not at_head(store.engine):
        migrate(store.engine)
    if seed:
        store.seed_if_changed(data_dir)
        from listwatch import snapshots as snap  # noqa: PLC0415 - it reads this module's store

        if (snap.enabled() if snapshots is None else snapshots) and snap.pending(store):
            from listwatch.ingest.snapshots import load_snapshots  # noqa: PLC0415 - parsers only when needed

            load_snapshots(store)
    return store


def visible(table: Any, known_at: dt.datetime | None) -> Any:
    """The read view of a time-aware fact table (names, identifiers, sources, lists) at ``known_at``:
    first seen by then (NULL: stored before times were kept) and not withdrawn by then. ``None``: now."""
    c = table.c
    if known_at is None:
        return c.retracted_at.is_(None)
    return and_(or_(c.first_seen.is_(None), c.first_seen <= known_at),
                or_(c.retracted_at.is_(None), c.retracted_at > known_at))


log = logging.getLogger("listwatch.store")
INGEST_LOCK = 0x6C697374  # "list": the PostgreSQL advisory lock key that serialises ingests


class Store:
    """Reads and appends facts. Queries return domain objects from :mod:`listwatch.model`."""

    def __init__(self, engine: Engine, max_age: float = 1.0) -> None:
        self.engine = engine
        self.max_age = max_age  # how stale (seconds) the data version may be: other processes write too
        self._entity_cache: dict[str, Entity] = {}
        self._entity_version: str | None = None
        self._version: tuple[float, str] | None = None
        self._first_facts: tuple[str, dt.datetime | None] | None = None
        self._facts_versions: dict[tuple[str, dt.datetime | None], str] = {}
        self._derived: dict[str, tuple[str, Any]] = {}
        self._writing = threading.local()  # this thread's open writer, so writers nest
        self._build_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.serve_stale = False  # see derived()

    @property
    def in_memory(self) -> bool:
        """A SQLite database in this process's memory: nothing on disk, gone with its last connection."""
        db = self.engine.url.database
        return self.engine.dialect.name == "sqlite" and (not db or db == ":memory:" or db.startswith("file::memory:"))

    # -- seeding ----------------------------------------------------------------------
    def derived(self, name: str, build: Callable[[], T]) -> T:
        """A value computed from the store's data (an index), rebuilt only when the data changes.

        Built once however many threads ask at the same time (the others wait for it). With
        ``serve_stale`` (the server), a value that exists but is stale is still answered while one
        background thread builds the new one, which then replaces it at once: an ingest never
        makes waiting requests rebuild the index each (a stampede) or wait for it.
        """
        version = self.data_version()
        cached = self._derived.get(name)
        if cached is not None and cached[0] == version:
            return cast(T, cached[1])
        if cached is not None and self.serve_stale:
            self._rebuild_in_background(name, build, version)
            return cast(T, cached[1])
        with self._build_lock(name):
            cached = self._derived.get(name)
            if cached is None or cached[0] != version:
                cached = (version, build())
                self._derived[name] = cached
        return cast(T, cached[1])

    def has_derived(self, name: str) -> bool:
        """Whether a value of ``name`` exists, current or stale (the server is ready to answer)."""
        return name in self._derived

    def _build_lock(self, name: str) -> threading.Lock:
        with self._locks_lock:
            return self._build_locks.setdefault(name, threading.Lock())

    def _rebuild_in_background(self, name: str, build: Callable[[], Any], version: str) -> None:
        lock = self._build_lock(name)
        if not lock.acquire(blocking=False):
            return  # already being built

        def run() -> None:
            try:
                self._derived[name] = (version, build())  # one assignment: readers see old or new
            except Exception as exc:  # the old value keeps serving; the next request tries again
                log.error("rebuilding %s failed: %s: %s", name, type(exc).__name__, exc)
            finally:
                lock.release()

        threading.Thread(target=run, name=f"rebuild-{name}", daemon=True).start()

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One transaction for ingested versions (:mod:`listwatch.store.writer`); caches dropped after.

        Writers nest: inside an open one (same thread) the same transaction is used, so several
        files or sources are applied all or nothing. Writers are serialised across processes: on
        PostgreSQL by a transaction-scoped advisory lock (concurrent ingests of different sources
        would otherwise race on shared rows - lists, entities - and fail with a unique violation);
        SQLite allows one writer at a time by itself.
        """
        open_writer: Writer | None = getattr(self._writing, "writer", None)
        if open_writer is not None:
            yield open_writer
            return
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INGEST_LOCK})
                self._writing.writer = w = Writer(conn)
                try:
                    yield w
                finally:
                    self._writing.writer = None
                # in the same transaction: a change that is rolled back queues no webhook delivery
                self._writing.queued = outbox.enqueue(conn, w.recorded, w.withdrawn, dt.datetime.now(dt.UTC))
        finally:
            self.forget()

    def queued_deliveries(self) -> dict[int, str]:
        """Webhook id -> delivery id queued by this thread's last committed writer (or seed)."""
        queued: dict[int, str] = getattr(self._writing, "queued", {})
        return queued

    def forget(self) -> None:
        """Drop cached entities and the data version (after a write, e.g. an ingest)."""
        self._entity_cache.clear()
        self._version = None

    def dataset_digest(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.dataset_versions.c.digest).order_by(t.dataset_versions.c.id.desc())
                                .limit(1)).scalar_one_or_none()

    def seed_if_changed(self, data_dir: Path | None = None) -> bool:
        root = data_dir or bundled_dir()
        if self.dataset_digest() == content_hash(root):
            return False
        self.seed(load_dataset(root))
        return True

    def seed(self, ds: Dataset, now: dt.datetime | None = None) -> tuple[int, int]:
        """Bring the store in line with a dataset (:mod:`listwatch.store.seeding`), through the one writer;
        returns (events added, events retracted)."""
        with self.writer() as w:
            return seeding.seed(w, ds, now or dt.datetime.now(dt.UTC))

    def append_events(self, evs: Sequence[Event], origin: str) -> int:
        """Append events (skipping keys already present); returns how many were new."""
        with self.writer() as w:
            have = w.event_keys([e.key for e in evs])
            rows = [seeding.event_row(e, origin) for e in evs if e.key not in have]
            w.insert_rows(t.events, rows)
        return len(rows)

    # -- reading ------------------------------------------------------------------------
    def sources(self, ids: Iterable[str]) -> dict[str, Source]:
        ids = list(set(ids))
        with self.engine.connect() as conn:
            return {r.id: Source(r.id, r.citation)
                    for r in conn.execute(select(t.sources).where(t.sources.c.id.in_(ids)))}

    def lists(self) -> list[ListDef]:
        with self.engine.connect() as conn:
            return [ListDef(r.id, r.name, r.authority, r.maintainer, r.established, tuple(r.sources), r.note)
                    for r in conn.execute(select(t.lists).order_by(t.lists.c.id))]

    def list_def(self, list_id: str) -> ListDef | None:
        return next((x for x in self.lists() if x.id == list_id), None)

    def entity(self, entity_id: str, known_at: dt.datetime | None = None) -> Entity | None:
        return self.entities([entity_id], known_at).get(entity_id)

    def entities(self, ids: Iterable[str], known_at: dt.datetime | None = None) -> dict[str, Entity]:
        """Entities by id with the names and identifiers in force at ``known_at`` (default: now; see
        :func:`visible`); an entity none of whose names was known then is left out. The current ones are
        cached for one data version (an alias another process adds is seen)."""
        if known_at is not None:
            with self.engine.connect() as conn:
                return self._load_entities(conn, set(ids), self.facts_at(known_at))
        version = self.data_version()
        if version != self._entity_version:
            self._entity_cache.clear()
            self._entity_version = version
        wanted = set(ids)
        missing = {i for i in wanted if i not in self._entity_cache}
        if missing:
            with self.engine.connect() as conn:
                self._entity_cache.update(self._load_entities(conn, missing, None))
        return {i: self._entity_cache[i] for i in wanted if i in self._entity_cache}

    def all_entities(self, known_at: dt.datetime | None = None) -> dict[str, Entity]:
        """Every entity known at ``known_at`` (default: now), as :meth:`entities` of :meth:`entity_ids` gives
        them, from one read of each table (no list of ids to send back; to build an index). Not cached."""
        with self.engine.connect() as conn:
            return self._load_entities(conn, None, self.facts_at(known_at))

    def record_properties(self) -> dict[str, dict[str, list[str]]]:
        """Per entity, the FollowTheMoney properties its present published records give (merged)."""
        out: dict[str, dict[str, list[str]]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(select(t.source_records.c.entity_id, t.source_records.c.properties)
                                  .where(t.source_records.c.present, t.source_records.c.properties.is_not(None))
                                  .order_by(t.source_records.c.source_id)):
                props = out.setdefault(r.entity_id, {})
                for k, vs in r.properties.items():
                    props[k] = list(dict.fromkeys((*props.get(k, ()), *vs)))
        return out

    def facts_at(self, known_at: dt.datetime | None) -> dt.datetime | None:
        """The record time whose names and identifiers a replay of ``known_at`` sees: ``known_at``, but
        never before the first facts listwatch held (the bundled data's release). Before anything was
        recorded an entity is still found, and its status says "nothing recorded yet" (unknown), not
        "no such entity" - which a user could take for "not listed"."""
        if known_at is None:
            return None
        version = self.data_version()
        if self._first_facts is None or self._first_facts[0] != version:
            with self.engine.connect() as conn:
                first = conn.execute(select(func.min(t.names.c.first_seen))).scalar_one_or_none()
            self._first_facts = (version, first)
        first = self._first_facts[1]
        return known_at if first is None else max(known_at, first)

    @staticmethod
    def _load_entities(conn: Connection, ids: set[str] | None, known_at: dt.datetime | None) -> dict[str, Entity]:
        """The entities ``ids`` (None: all) with the names and identifiers in force at ``known_at``."""
        def among(column: Any) -> Any:
            return column.in_(ids) if ids is not None else true()

        ents = list(conn.execute(select(t.entities).where(among(t.entities.c.id))))
        nm: dict[str, list[Name]] = {}
        named: set[str] = set()  # entities with a name row, in force or not
        n = t.names.c  # only the columns an Entity holds (a row's times cost more to read than the rest)
        for r in conn.execute(select(n.entity_id, n.name, n.sources, n.confidence, n.script, n.note,
                                     visible(t.names, known_at).label("shown"))
                              .where(among(n.entity_id)).order_by(n.id)):
            named.add(r.entity_id)
            if r.shown:
                nm.setdefault(r.entity_id, []).append(
                    Name(r.name, tuple(r.sources), Confidence(r.confidence), r.script, r.note))
        idents: dict[str, list[Identifier]] = {}
        for r in conn.execute(select(t.identifiers).where(among(t.identifiers.c.entity_id))
                              .where(visible(t.identifiers, known_at)).order_by(t.identifiers.c.id)):
            idents.setdefault(r.entity_id, []).append(
                Identifier(r.scheme, r.value, tuple(r.sources), Confidence(r.confidence), r.exchange or None))
        return {r.id: Entity(id=r.id, name=r.name, kind=r.kind, country=r.country, names=tuple(nm.get(r.id, [])),
                             identifiers=tuple(idents.get(r.id, [])), parent=r.parent_id,
                             parent_sources=tuple(r.parent_sources), note=r.note)
                for r in ents if r.id in nm or r.id not in named}

    def children(self, entity_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.entities.c.id).where(t.entities.c.parent_id == entity_id)
                                     .order_by(t.entities.c.id)).scalars())

    def events(self, *, entity_id: str | None = None, list_id: str | None = None,
               known_at: dt.datetime | None = None, list_wide: bool = False,
               entity_ids: Collection[str] | None = None) -> list[Event]:
        """Events known at ``known_at`` (recorded then and not retracted by then).

        ``list_wide``: also the list-wide events (entity ``None``) of the lists involved.
        ``entity_ids``: the events of any of these entities (instead of ``entity_id``'s).
        """
        q = select(t.events)
        if entity_id is not None or entity_ids is not None:
            cond = (t.events.c.entity_id == entity_id if entity_ids is None
                    else t.events.c.entity_id.in_(sorted(entity_ids)))
            if list_wide:
                cond = cond | t.events.c.entity_id.is_(None)
            q = q.where(cond)
        if list_id is not None:
            q = q.where(t.events.c.list_id == list_id)
        r_q = select(t.retractions.c.event_key)
        if known_at is not None:
            q = q.where(t.events.c.recorded_at <= known_at)
            r_q = r_q.where(t.retractions.c.recorded_at <= known_at)
        with self.engine.connect() as conn:
            retracted = set(conn.execute(r_q).scalars())
            rows = list(conn.execute(q.order_by(t.events.c.effective, t.events.c.id)))
        return [self._event(r) for r in rows if r.key not in retracted]

    @staticmethod
    def _event(r: Row[Any]) -> Event:
        return Event(key=r.key, list_id=r.list_id, type=EventType(r.type), effective=r.effective,
                     recorded_at=r.recorded_at, sources=tuple(r.sources), confidence=Confidence(r.confidence),
                     entity_id=r.entity_id, note=r.note, listed_as=r.listed_as, by=r.by,
                     window_start=r.window_start)

    def events_page(self, since: dt.datetime | None, list_id: str | None, cursor: int,
                    limit: int) -> tuple[list[Event], int]:
        """Events after the ``cursor`` (an event row id), oldest first; returns them and the new cursor.

        A retracted event is not in the feed: its replacement is (see :meth:`retractions_since`).
        """
        q = (select(t.events).where(t.events.c.id > cursor)
             .where(t.events.c.key.not_in(select(t.retractions.c.event_key)))
             .order_by(t.events.c.id).limit(limit))
        if since is not None:
            q = q.where(t.events.c.recorded_at > since)
        if list_id is not None:
            q = q.where(t.events.c.list_id == list_id)
        with self.engine.connect() as conn:
            rows = list(conn.execute(q))
        return [self._event(r) for r in rows], (rows[-1].id if rows else cursor)

    def retractions_since(self, since: dt.datetime | None,
                          list_id: str | None = None) -> list[tuple[Event, dt.datetime, str]]:
        """(the withdrawn event, when it was withdrawn, why) for retractions recorded after ``since``."""
        q = (select(t.events, t.retractions.c.recorded_at.label("retracted_at"), t.retractions.c.reason)
             .join(t.retractions, t.retractions.c.event_key == t.events.c.key).order_by(t.retractions.c.id))
        if since is not None:
            q = q.where(t.retractions.c.recorded_at > since)
        if list_id is not None:
            q = q.where(t.events.c.list_id == list_id)
        with self.engine.connect() as conn:
            return [(self._event(r), r.retracted_at, r.reason) for r in conn.execute(q)]

    def events_recorded(self, origin: str, at: dt.datetime) -> list[Event]:
        """The events one ingest recorded (same origin, same record time)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.events).where(t.events.c.origin == origin)
                                .where(t.events.c.recorded_at == at).order_by(t.events.c.id))
            return [self._event(r) for r in rows]

    def events_by_key(self, keys: Sequence[str], retracted: Sequence[str] = ()
                      ) -> tuple[list[Event], list[tuple[Event, dt.datetime, str]]]:
        """The events with ``keys`` (as recorded, in that order), and the withdrawals of ``retracted``."""
        found: dict[str, Event] = {}
        gone: list[tuple[Event, dt.datetime, str]] = []
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                found.update((r.key, self._event(r)) for r in conn.execute(
                    select(t.events).where(t.events.c.key.in_(keys[i:i + 500]))))
            for i in range(0, len(retracted), 500):
                gone += [(self._event(r), r.retracted_at, r.reason) for r in conn.execute(
                    select(t.events, t.retractions.c.recorded_at.label("retracted_at"), t.retractions.c.reason)
                    .join(t.retractions, t.retractions.c.event_key == t.events.c.key)
                    .where(t.events.c.key.in_(retracted[i:i + 500])).order_by(t.retractions.c.id))]
        return [found[k] for k in keys if k in found], gone

    def lookup(self, query: str, known_at: dt.datetime | None = None) -> tuple[list[str], list[str]]:
        """(ids by entity id or identifier, ids by a name or alias equal to the query after normalising),
        from the facts in force at ``known_at`` (default: now)."""
        raw = query.strip()
        sym, _, exch = raw.partition("@")
        known_at = self.facts_at(known_at)
        with self.engine.connect() as conn:
            by_id = set(conn.execute(select(t.entities.c.id).where(func.lower(t.entities.c.id) == raw.lower()))
                        .scalars())
            q = (select(t.identifiers.c.entity_id).where(func.upper(t.identifiers.c.value) == sym.upper())
                 .where(visible(t.identifiers, known_at)))
            if exch:
                q = q.where(func.upper(t.identifiers.c.exchange) == exch.upper())
            by_id |= set(conn.execute(q).scalars())
            by_name = set(conn.execute(select(t.names.c.entity_id).where(t.names.c.norm == lookup_key(query))
                                       .where(visible(t.names, known_at))).scalars())
        known = self.entities(by_id | by_name, known_at)
        return sorted(by_id & known.keys()), sorted(by_name & known.keys())

    def entity_ids(self, known_at: dt.datetime | None = None) -> list[str]:
        """Every entity known at ``known_at`` (default: now): one with a name in force then (or no name row)."""
        n = t.names.c
        shown = select(n.entity_id).where(visible(t.names, self.facts_at(known_at)))
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.entities.c.id).where(
                t.entities.c.id.in_(shown) | t.entities.c.id.not_in(select(n.entity_id)))
                .order_by(t.entities.c.id)).scalars())

    def data_version(self, max_age: float | None = None) -> str:
        """Changes whenever names, identifiers, events or source versions are added: the key for
        every cache (entities, derived indexes), in this process and the others sharing the database.

        Read from the database at most every ``max_age`` seconds (default :attr:`max_age`).
        """
        now = time.monotonic()
        if self._version is not None and now - self._version[0] < (self.max_age if max_age is None else max_age):
            return self._version[1]
        with self.engine.connect() as conn:
            parts = [conn.execute(select(func.count()).select_from(tbl)).scalar_one()
                     for tbl in (t.entities, t.names, t.identifiers, t.events, t.retractions)]
            parts += [conn.execute(select(func.count()).select_from(tbl).where(tbl.c.retracted_at.is_not(None)))
                      .scalar_one() for tbl in (t.names, t.identifiers)]  # withdrawn facts
            parts.append(conn.execute(select(func.max(t.dataset_versions.c.id))).scalar_one_or_none() or 0)
            parts.append(conn.execute(select(func.max(t.source_versions.c.id))).scalar_one_or_none() or 0)
        version = ":".join(map(str, parts))
        self._version = (now, version)
        return version

    def facts_version(self, known_at: dt.datetime | None) -> str:
        """A fingerprint of the names, identifiers and entities in force at ``known_at`` (None: now): equal
        fingerprints, equal screening indexes (:func:`listwatch.indexes.screen_index_at`)."""
        at = self.facts_at(known_at)
        key = (self.data_version(), at)  # the facts in force at a past time change only with the data
        if (found := self._facts_versions.get(key)) is not None:
            return found
        with self.engine.connect() as conn:
            parts = [tuple(conn.execute(select(func.count(), func.coalesce(func.sum(tbl.c.id), 0))
                                        .where(visible(tbl, at))).one()) for tbl in (t.names, t.identifiers)]
            parts.append((conn.execute(select(func.count()).select_from(t.entities)).scalar_one(),))
        if len(self._facts_versions) > 64:
            self._facts_versions.clear()
        self._facts_versions[key] = found = repr(parts)
        return found

    def all_names(self, ever: bool = False) -> list[tuple[str, str]]:
        """(name, entity id) for every name and alias in force now; ``ever``: withdrawn ones too."""
        q = select(t.names.c.name, t.names.c.entity_id)
        with self.engine.connect() as conn:
            return [(r.name, r.entity_id) for r in conn.execute(q if ever else q.where(visible(t.names, None)))]

    def entity_ids_on(self, list_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(t.events.c.entity_id).where(t.events.c.list_id == list_id)
                                       .where(t.events.c.entity_id.is_not(None)).distinct()).scalars())
