"""The store: a SQLite file (WAL, foreign keys on) by default, any SQLAlchemy URL otherwise.

:func:`open_store` migrates the database to the newest schema (Alembic) and seeds it from the
bundled dataset on first use, and again whenever the bundled data changes. Seeding appends:
new facts become new events recorded now-or-at-release; facts gone from the data are
*retracted* (a dated retraction row), never deleted, so ``known_at`` replays stay exact.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text

from listwatch.datadigest import bundled_dir, content_hash
from listwatch.dataset import Dataset
from listwatch.dataset import load as load_dataset
from listwatch.model import Event
from listwatch.store import outbox, seeding
from listwatch.store import schema as t
from listwatch.store.reader import MIGRATIONS, Reader, close_at_exit, database_url, head_revisions
from listwatch.store.statements import statement
from listwatch.store.writer import Writer, bump_data_version

__all__ = ["MIGRATIONS", "Store", "database_url", "head_revisions", "open_store"]


def _json(value: Any) -> str:
    """JSON columns' serialiser (and ``orjson.loads`` their reader): orjson, a dependency of followthemoney
    and rigour, is several times faster than the json module, and an ingest writes and reads some 200,000
    JSON values."""
    return orjson.dumps(value).decode()


def _make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, json_serializer=_json, json_deserializer=orjson.loads)
    close_at_exit(engine)
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
                before = _revisions(conn)
                command.upgrade(cfg, revision)
                if _revisions(conn) != before and inspect(conn).has_table("data_version"):
                    bump_data_version(conn)  # a migration may change what the data says: caches are rebuilt
                if raw is not None and (bad := raw.execute("PRAGMA foreign_key_check").fetchone()):
                    raise RuntimeError(f"migration to {revision} broke a foreign key: {tuple(bad)}")
        finally:
            if raw is not None:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raw.execute("PRAGMA foreign_keys=ON")
                raw.isolation_level = ""


def _revisions(conn: Connection) -> set[str]:
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is already the newest (then opening it needs no Alembic)."""
    with engine.connect() as conn:
        have = _revisions(conn)
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


log = logging.getLogger("listwatch.store")
INGEST_LOCK = 0x6C697374  # "list": the PostgreSQL advisory lock key that serialises ingests


class Store(Reader):
    """Reads (:class:`~listwatch.store.reader.Reader`, through SQLAlchemy) and appends facts."""

    def __init__(self, engine: Engine, max_age: float = 1.0) -> None:
        super().__init__(max_age)
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        db = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        self.sqlite_file = None if not db or db == ":memory:" or db.startswith("file::memory:") else Path(db)
        self._writing = threading.local()  # this thread's open writer, so writers nest

    def _run(self, name: str, params: dict[str, Any] | None = None, **flags: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(statement(name, tuple(sorted(flags.items()))), params or {}))

    def schema_revision(self) -> str:
        with self.engine.connect() as conn:
            return ",".join(sorted(_revisions(conn)))

    @property
    def in_memory(self) -> bool:
        """A SQLite database in this process's memory: nothing on disk, gone with its last connection."""
        db = self.engine.url.database
        return self.engine.dialect.name == "sqlite" and (not db or db == ":memory:" or db.startswith("file::memory:"))

    # -- seeding ----------------------------------------------------------------------
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
                event.listen(conn, "before_cursor_execute", w.saw)
                try:
                    yield w
                finally:
                    event.remove(conn, "before_cursor_execute", w.saw)
                    self._writing.writer = None
                if w.wrote:  # in the same transaction: no reader ever sees the new data under the old version
                    bump_data_version(conn)
                # in the same transaction: a change that is rolled back queues no webhook delivery
                self._writing.queued = outbox.enqueue(conn, w.recorded, w.withdrawn, dt.datetime.now(dt.UTC))
        finally:
            self.forget()

    def queued_deliveries(self) -> dict[int, str]:
        """Webhook id -> delivery id queued by this thread's last committed writer (or seed)."""
        queued: dict[int, str] = getattr(self._writing, "queued", {})
        return queued

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

    def children(self, entity_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.entities.c.id).where(t.entities.c.parent_id == entity_id)
                                     .order_by(t.entities.c.id)).scalars())

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

