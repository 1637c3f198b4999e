"""The read side of the store: facts, events, versions, as domain objects - without SQLAlchemy.

:class:`Reader` answers every question the status, timeline, screening and lists paths ask, each by one
or more named statements of :mod:`listwatch.store.statements`. It does not run them itself: a subclass
does - :class:`~listwatch.store.db.Store` through SQLAlchemy (every backend, and the one that writes),
:class:`~listwatch.store.fastread.SqliteReader` through ``sqlite3`` - so both give the same answers from
the same statements, and this module imports no database library.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from listwatch.cachefile import remembered
from listwatch.match.normalize import lookup_key
from listwatch.model import Confidence, Entity, Event, EventType, Identifier, ListDef, Name, Source

__all__ = ["MIGRATIONS", "Reader", "database_url", "head_revisions"]

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*["']([^"']+)["']"""


def database_url(home: str | os.PathLike[str] | None = None) -> str:
    """``$LISTWATCH_DATABASE_URL``, else a SQLite file in ``$LISTWATCH_HOME`` (or the user data dir)."""
    if url := os.environ.get("LISTWATCH_DATABASE_URL"):
        return url
    if not (root := home or os.environ.get("LISTWATCH_HOME")):
        import platformdirs  # noqa: PLC0415 - only without LISTWATCH_HOME

        root = platformdirs.user_data_dir("listwatch")
    Path(root).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(root) / 'listwatch.db'}"


def head_revisions(memo: Path | None = None) -> set[str]:
    """The newest migration revision(s), read from the migration files without importing Alembic; kept in the file
    ``memo`` while no migration file changes (:func:`~listwatch.cachefile.remembered`)."""
    folder = MIGRATIONS / "versions"
    files = sorted(folder / name for name in os.listdir(folder) if name.endswith(".py"))

    def read() -> str:
        revs: set[str] = set()
        downs: set[str] = set()
        for path in files:
            for key, value in re.findall(_REVISION, path.read_text(encoding="utf-8"), re.MULTILINE):
                (revs if key == "revision" else downs).add(value)
        return ",".join(sorted(revs - downs))

    return set(filter(None, remembered(memo, f"migrations {folder}", files, read).split(",")))


_OPEN: weakref.WeakSet[Any] = weakref.WeakSet()  # database handles still alive: SQLAlchemy engines, SQLite readers


def close_at_exit(handle: Any) -> None:
    """Close ``handle`` (an engine's ``dispose()``, else its ``close()``) when the process exits, if it is still
    alive then. Interpreter shutdown closes only the connections its garbage collector reaches (an engine sits in
    reference cycles), and the CLI freezes the collector at exit (cli._no_collection_at_exit); a SQLite database
    whose last connection closes folds its write-ahead log back into the file and removes the -wal/-shm files."""
    _OPEN.add(handle)


@atexit.register
def _close_open() -> None:
    for handle in list(_OPEN):
        (handle.dispose if hasattr(handle, "dispose") else handle.close)()


class Reader:
    """Reads facts; queries return domain objects from :mod:`listwatch.model`. Subclasses run the statements
    (:meth:`_run`) and say where the database is (:attr:`url`, :attr:`sqlite_file`)."""

    url: str  # the database URL, password hidden: part of index file names and keys
    sqlite_file: Path | None  # the SQLite database file (None: in memory, or another database)

    def __init__(self, max_age: float = 1.0) -> None:
        self.max_age = max_age  # how stale (seconds) the data version may be: other processes write too
        self._entity_cache: dict[str, Entity] = {}
        self._entity_version: str | None = None
        self._version: tuple[float, str] | None = None
        self._first_facts: tuple[str, dt.datetime | None] | None = None
        self._facts_versions: dict[tuple[str, dt.datetime | None], str] = {}
        self._derived: dict[str, tuple[str, Any]] = {}
        self._build_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.serve_stale = False  # see derived()

    def _run(self, name: str, params: dict[str, Any] | None = None, **flags: Any) -> list[Any]:
        """The rows of statement ``name`` (built with ``flags``) run with ``params``; each row is a tuple
        whose columns are also attributes."""
        raise NotImplementedError

    def schema_revision(self) -> str:
        """The database's schema revision(s) (Alembic's), "" before the first migration."""
        raise NotImplementedError

    def _scalar(self, name: str, params: dict[str, Any] | None = None, **flags: Any) -> Any:
        rows = self._run(name, params, **flags)
        return rows[0][0] if rows else None

    def _column(self, name: str, params: dict[str, Any] | None = None, **flags: Any) -> list[Any]:
        return [r[0] for r in self._run(name, params, **flags)]

    # -- values derived from the data ---------------------------------------------------------------
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
                import logging  # noqa: PLC0415 - only the server rebuilds in the background

                logging.getLogger("listwatch.store").error("rebuilding %s failed: %s: %s", name,
                                                           type(exc).__name__, exc)
            finally:
                lock.release()

        threading.Thread(target=run, name=f"rebuild-{name}", daemon=True).start()

    def forget(self) -> None:
        """Drop cached entities and the data version (after a write, e.g. an ingest)."""
        self._entity_cache.clear()
        self._version = None

    def data_version(self, max_age: float | None = None) -> str:
        """Changes with every write of the data (a seed, an ingest, a rollback, added events, a migration):
        the key for every cache (entities, derived indexes), in this process and the others sharing the
        database. It is the ``data_version`` row, which the writer bumps in the transaction of its change
        (:meth:`listwatch.store.db.Store.writer`): serial number and a token drawn at random on each bump.

        Read from the database at most every ``max_age`` seconds (default :attr:`max_age`).
        """
        now = time.monotonic()
        if self._version is not None and now - self._version[0] < (self.max_age if max_age is None else max_age):
            return self._version[1]
        rows = self._run("data_version")
        if not rows:
            raise RuntimeError(f"{self.url}: the store has no data_version row (migrations create it)")
        version = f"{rows[0][0]}.{rows[0][1]}"
        self._version = (now, version)
        return version

    def dataset_digest(self) -> str | None:
        return cast(str | None, self._scalar("dataset_digest"))

    def ingested_sources(self) -> set[str]:
        """The sources of which a version was ever ingested."""
        return set(self._column("ingested_sources"))

    # -- reading ------------------------------------------------------------------------------------
    def sources(self, ids: Iterable[str]) -> dict[str, Source]:
        return {r.id: Source(r.id, r.citation) for r in self._run("sources_by_id", {"ids": list(set(ids))})}

    def lists(self) -> list[ListDef]:
        return [ListDef(r.id, r.name, r.authority, r.maintainer, r.established, tuple(r.sources), r.note)
                for r in self._run("lists")]

    def list_def(self, list_id: str) -> ListDef | None:
        return next((x for x in self.lists() if x.id == list_id), None)

    def entity(self, entity_id: str, known_at: dt.datetime | None = None) -> Entity | None:
        return self.entities([entity_id], known_at).get(entity_id)

    def entities(self, ids: Iterable[str], known_at: dt.datetime | None = None) -> dict[str, Entity]:
        """Entities by id with the names and identifiers in force at ``known_at`` (default: now; see
        :func:`~listwatch.store.statements.visible`); an entity none of whose names was known then is left
        out. The current ones are cached for one data version (an alias another process adds is seen)."""
        if known_at is not None:
            return self._load_entities(set(ids), self.facts_at(known_at))
        version = self.data_version()
        if version != self._entity_version:
            self._entity_cache.clear()
            self._entity_version = version
        wanted = set(ids)
        missing = {i for i in wanted if i not in self._entity_cache}
        if missing:
            self._entity_cache.update(self._load_entities(missing, None))
        return {i: self._entity_cache[i] for i in wanted if i in self._entity_cache}

    def all_entities(self, known_at: dt.datetime | None = None) -> dict[str, Entity]:
        """Every entity known at ``known_at`` (default: now), as :meth:`entities` of :meth:`entity_ids` gives
        them, from one read of each table (no list of ids to send back; to build an index). Not cached."""
        return self._load_entities(None, self.facts_at(known_at))

    def facts_at(self, known_at: dt.datetime | None) -> dt.datetime | None:
        """The record time whose names and identifiers a replay of ``known_at`` sees: ``known_at``, but
        never before the first facts listwatch held (the bundled data's release). Before anything was
        recorded an entity is still found, and its status says "nothing recorded yet" (unknown), not
        "no such entity" - which a user could take for "not listed"."""
        if known_at is None:
            return None
        version = self.data_version()
        if self._first_facts is None or self._first_facts[0] != version:
            self._first_facts = (version, self._scalar("first_facts"))
        first = self._first_facts[1]
        return known_at if first is None else max(known_at, first)

    @staticmethod
    def _at(known_at: dt.datetime | None) -> dict[str, Any]:
        return {} if known_at is None else {"known_at": known_at}

    def _load_entities(self, ids: set[str] | None, known_at: dt.datetime | None) -> dict[str, Entity]:
        """The entities ``ids`` (None: all) with the names and identifiers in force at ``known_at``."""
        at, known, every = self._at(known_at), known_at is not None, ids is None
        wanted = {} if ids is None else {"ids": sorted(ids)}
        ents = self._run("entities_by_id", wanted, every=every)
        nm: dict[str, list[Name]] = {}
        named: set[str] = set()  # entities with a name row, in force or not
        for r in self._run("names_of", {**wanted, **at}, known=known, every=every):
            named.add(r.entity_id)
            if r.shown:
                nm.setdefault(r.entity_id, []).append(
                    Name(r.name, tuple(r.sources), Confidence(r.confidence), r.script, r.note))
        idents: dict[str, list[Identifier]] = {}
        for r in self._run("identifiers_of", {**wanted, **at}, known=known, every=every):
            idents.setdefault(r.entity_id, []).append(
                Identifier(r.scheme, r.value, tuple(r.sources), Confidence(r.confidence), r.exchange or None))
        return {r.id: Entity(id=r.id, name=r.name, kind=r.kind, country=r.country, names=tuple(nm.get(r.id, [])),
                             identifiers=tuple(idents.get(r.id, [])), parent=r.parent_id,
                             parent_sources=tuple(r.parent_sources), note=r.note)
                for r in ents if r.id in nm or r.id not in named}

    def events(self, *, entity_id: str | None = None, list_id: str | None = None,
               known_at: dt.datetime | None = None, list_wide: bool = False,
               entity_ids: Collection[str] | None = None) -> list[Event]:
        """Events known at ``known_at`` (recorded then and not retracted by then).

        ``list_wide``: also the list-wide events (entity ``None``) of the lists involved.
        ``entity_ids``: the events of any of these entities (instead of ``entity_id``'s).
        """
        params = self._at(known_at)
        entity = "many" if entity_ids is not None else "one" if entity_id is not None else ""
        if entity:
            params.update({"entity_ids": sorted(entity_ids)} if entity_ids is not None else {"entity_id": entity_id})
        if list_id is not None:
            params["list_id"] = list_id
        retracted = set(self._column("retracted_keys", self._at(known_at), known=known_at is not None))
        rows = self._run("events", params, entity=entity, list_wide=list_wide and bool(entity),
                         by_list=list_id is not None, known=known_at is not None)
        return [self._event(r) for r in rows if r.key not in retracted]

    @staticmethod
    def _event(r: Any) -> Event:
        return Event(key=r.key, list_id=r.list_id, type=EventType(r.type), effective=r.effective,
                     recorded_at=r.recorded_at, sources=tuple(r.sources), confidence=Confidence(r.confidence),
                     entity_id=r.entity_id, note=r.note, listed_as=r.listed_as, by=r.by,
                     window_start=r.window_start)

    def lookup(self, query: str, known_at: dt.datetime | None = None) -> tuple[list[str], list[str]]:
        """(ids by entity id or identifier, ids by a name or alias equal to the query after normalising),
        from the facts in force at ``known_at`` (default: now)."""
        raw = query.strip()
        sym, _, exch = raw.partition("@")
        known_at = self.facts_at(known_at)
        at, known = self._at(known_at), known_at is not None
        by_id = set(self._column("entity_by_id", {"id": raw.lower()}))
        by_id |= set(self._column("entities_by_identifier", {"value": sym.upper(), **at,
                                                             **({"exchange": exch.upper()} if exch else {})},
                                  known=known, exchange=bool(exch)))
        by_name = set(self._column("entities_by_name", {"norm": lookup_key(query), **at}, known=known))
        found = self.entities(by_id | by_name, known_at)
        return sorted(by_id & found.keys()), sorted(by_name & found.keys())

    def entity_ids(self, known_at: dt.datetime | None = None) -> list[str]:
        """Every entity known at ``known_at`` (default: now): one with a name in force then (or no name row)."""
        at = self.facts_at(known_at)
        return self._column("entity_ids", self._at(at), known=at is not None)

    def facts_version(self, known_at: dt.datetime | None) -> str:
        """A fingerprint of the names, identifiers and entities in force at ``known_at`` (None: now): equal
        fingerprints, equal screening indexes (:func:`listwatch.indexes.screen_index_at`)."""
        at = self.facts_at(known_at)
        key = (self.data_version(), at)  # the facts in force at a past time change only with the data
        if (found := self._facts_versions.get(key)) is not None:
            return found
        r = self._run("facts_version", self._at(at), known=at is not None)[0]
        if len(self._facts_versions) > 64:
            self._facts_versions.clear()
        self._facts_versions[key] = found = repr([(r[0], r[1]), (r[2], r[3]), (r[4],)])
        return found

    def all_names(self, ever: bool = False) -> list[tuple[str, str]]:
        """(name, entity id) for every name and alias in force now; ``ever``: withdrawn ones too."""
        return [(r.name, r.entity_id) for r in self._run("all_names", ever=ever)]

    def entity_ids_on(self, list_id: str) -> list[str]:
        return sorted(self._column("entity_ids_on", {"list_id": list_id}))

    # -- versions -----------------------------------------------------------------------------------
    def source_versions(self, known_at: dt.datetime | None = None) -> list[Any]:
        """The ingested versions (rows of ``source_versions``) recorded by ``known_at`` (default: all), oldest
        first."""
        return self._run("source_versions", self._at(known_at), known=known_at is not None)

    def dataset_versions(self) -> list[Any]:
        """The seeds of the bundled dataset (rows of ``dataset_versions``), oldest first."""
        return self._run("dataset_versions")

    def first_bundled_event(self) -> dt.datetime | None:
        """The earliest record time of an event from the bundled dataset (its release)."""
        return cast(dt.datetime | None, self._scalar("first_bundled_event"))

    def last_recorded(self, known_at: dt.datetime | None = None) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The newest record time of an event and of a retraction, recorded by ``known_at`` (default: all)."""
        row = self._run("last_recorded", self._at(known_at), known=known_at is not None)[0]
        return row[0], row[1]

    def list_feeds(self, known_at: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """(list, origin, the newest record time of its events) recorded by ``known_at`` (default: all)."""
        return [(r[0], r[1], r[2]) for r in self._run("list_feeds", self._at(known_at), known=known_at is not None)]
