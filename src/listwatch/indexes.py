"""Persisted, versioned indexes of a store: built once per data version, mapped by every process.

Two files per store and data version (format: :mod:`listwatch.match.indexfile`):

* ``screen-*.lwix`` - the screening :class:`~listwatch.match.index.NameIndex` over every name;
* ``resolve-*.lwix`` - the resolver's table, core name (no legal forms) -> entity ids.

Where: beside a SQLite database, in ``<its directory>/index/``; for another database (PostgreSQL) in
the user cache directory (``platformdirs``), under a name keyed by its URL; ``$LISTWATCH_INDEX_DIR``
overrides both. An in-memory SQLite store keeps its indexes in memory only.

A file's *key* is a hash of what the index is built from: the database URL, its data version
(:meth:`~listwatch.store.db.Store.data_version`, which changes with every seed and ingest), its schema
revision (a migration changes it) and the matching code (the ``match`` package, its word lists, and
the versions of rigour, pypinyin and anyascii). A process asks for the index of the current key; a
missing, stale (other key), truncated, corrupt or foreign file is refused and rebuilt - never used.
Writes are atomic (rename), so processes that read while another writes see the old file or the
new one. After a new file is written, files no process will use again are removed (:func:`remove_stale`).

Public API: :func:`build_index` (build both files now, e.g. after an ingest or on a Spark driver;
returns the screening index's path), :func:`load_index` (map a screening index file) and
:func:`screen_index` / :func:`core_names` (the current ones, built if needed).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from listwatch.cachefile import library_version, store_index_dir
from listwatch.match.indexfile import (
    FORMAT,
    IndexFileError,
    load_index,
    load_table,
    read_meta,
    save_index,
    save_table,
)
from listwatch.match.normalize import core_key, name_variants

if TYPE_CHECKING:
    from listwatch.match.index import NameIndex
    from listwatch.store.reader import Reader

__all__ = ["IndexFileError", "build_index", "core_names", "index_key", "index_path", "load_index", "remove_stale",
           "screen_index", "screen_index_at"]

SCREEN = "screen-index"
RESOLVE = "resolve-names"
T = TypeVar("T")


@functools.cache
def code_fingerprint() -> str:
    """A hash of everything besides the data that decides an index's content."""
    h = hashlib.sha256(f"format {FORMAT}".encode())
    pkg = Path(__file__).resolve().parent  # the listwatch package (files; importlib.resources costs ~0.02 s)
    for folder in (pkg / "match", pkg / "match" / "data"):
        for f in sorted(folder.iterdir(), key=lambda p: p.name):
            if f.name.endswith((".py", ".txt", ".tsv")):
                h.update(f.name.encode() + f.read_bytes())
    h.update((pkg / "screen.py").read_bytes())
    for dist in ("rigour", "pypinyin", "anyascii", "rapidfuzz"):
        h.update(f"{dist} {library_version(dist)}".encode())
    return h.hexdigest()


def index_key(store: Reader, kind: str) -> str:
    """What an index of ``kind`` for the store's current data is built from (see the module doc)."""
    parts = [kind, store.url, store.data_version(), store.schema_revision(), code_fingerprint()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def index_dir(store: Reader) -> Path | None:
    """Where the store's index files live (None: an in-memory database, indexes stay in memory)."""
    return store_index_dir(store.url, store.sqlite_file)


def _prefix(store: Reader, kind: str) -> str:
    return f"{kind}-{hashlib.sha256(store.url.encode()).hexdigest()[:12]}-"


def index_path(store: Reader, kind: str = SCREEN) -> Path | None:
    folder = index_dir(store)
    return None if folder is None else folder / f"{_prefix(store, kind)}{index_key(store, kind)[:20]}.lwix"


def _persisted(store: Reader, kind: str, load: Callable[[Path, str], T], build: Callable[[Path | None], T],
               save: Callable[[T, Path, str], Path]) -> T:
    """The index of the current key: mapped from its file, else built (``build`` is given the path it is to
    be written to), written, and mapped."""
    key = index_key(store, kind)
    path = index_path(store, kind)
    if path is None:
        return build(None)
    try:
        return load(path, key)
    except (FileNotFoundError, IndexFileError):
        pass  # missing, stale or damaged: rebuilt below, never used
    value = build(path)
    try:
        save(value, path, key)
    except OSError:
        return value  # a read-only directory: this process keeps what it built
    remove_stale(store, kind, path)
    return load(path, key)


def remove_stale(store: Reader, kind: str, written: Path) -> list[Path]:
    """After ``written`` (an index file of ``store``, of ``kind``) is written, remove from its folder what no
    process will use again; the removed files.

    * the store's other files of the same kind (other data versions, schema revisions or code);
    * index files of a SQLite database that is gone, or whose files now live elsewhere (the database was
      moved or copied with its folder), as the ``database`` of their header says; and files written before
      headers named their database (the ``code`` was not recorded either: they cannot be told apart; at worst
      such a file is built again). Files of another database (PostgreSQL, ``database`` "") stay;
    * statement catalogs (:mod:`listwatch.store.fastread`) of other code versions;
    * a writer's temporary file an hour old (its writer died: a write takes seconds).

    Unlinking a file another process has mapped is safe on POSIX: its mapping stays valid until it is unmapped.
    (On Windows a mapped file cannot be removed: that file is skipped and tried again after the next write.)
    """
    from listwatch.store.fastread import catalog_key  # noqa: PLC0415 - only after a write

    folder = written.parent
    own = tuple(_prefix(store, k) for k in (SCREEN, RESOLVE))
    catalog = f"statements-{catalog_key()[:24]}.json"
    removed = []
    for f in folder.iterdir():
        name = f.name
        if name.startswith("."):
            stale = name.startswith((f".{SCREEN}-", f".{RESOLVE}-", ".statements-")) and _mtime(f) < time.time() - 3600
        elif name.startswith((f"{SCREEN}-", f"{RESOLVE}-")) and name.endswith(".lwix"):
            stale = f != written and (name.startswith(_prefix(store, kind)) or (not name.startswith(own)
                                                                                and _orphan(f, folder)))
        else:
            stale = name.startswith("statements-") and name.endswith(".json") and name != catalog
        if stale:
            try:
                f.unlink()
                removed.append(f)
            except OSError:
                continue  # gone already, or (Windows) still mapped: the next write tries again
    return removed


def _orphan(path: Path, folder: Path) -> bool:
    """Whether an index file of another store belongs to no database that keeps its files in ``folder``."""
    try:
        database = read_meta(path).get("database")
    except (OSError, ValueError, KeyError, TypeError):
        return True  # unreadable: never used by anyone
    if database is None:
        return True  # written before headers named their database
    if not database:
        return False  # another kind of database: it cannot be looked for from here
    db = Path(database)
    home = store_index_dir("sqlite:", db)
    return not db.is_file() or home is None or home.resolve() != folder.resolve()


def _meta(store: Reader) -> dict[str, str]:
    """What an index file's header says besides its key: the code that built it (an incremental build reuses
    only its own code's files) and the SQLite database it belongs to ("" for another database, whose URL may
    hold a password), for :func:`remove_stale`."""
    return {"code": code_fingerprint(), "database": "" if store.sqlite_file is None else str(store.sqlite_file)}


def _earlier(store: Reader, path: Path) -> NameIndex | None:
    """The newest earlier screening index of the store (another data version) built by this code: its
    prepared names are reused by the next build (:meth:`NameIndex.reusable`); None if there is none. A
    damaged file is passed over: :func:`load_index` checks it whole."""
    earlier = [p for p in path.parent.glob(f"{_prefix(store, SCREEN)}*.lwix") if p != path]
    for old in sorted(earlier, key=_mtime, reverse=True):
        try:
            if read_meta(old).get("code") == code_fingerprint():
                return load_index(old)
        except (OSError, ValueError, KeyError, TypeError):  # (IndexFileError is a ValueError)
            continue
    return None


def _mtime(path: Path) -> float:
    """When ``path`` was last written (0 if it is gone: the oldest there is)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _build_screen(store: Reader, path: Path | None) -> NameIndex:
    """Built from the store's entities; names an earlier file of the store knew are not prepared again."""
    from listwatch.match.index import NameIndex  # noqa: PLC0415 - the matcher (numpy...): not for the resolver's table
    from listwatch.screen import entity_docs  # noqa: PLC0415 - screen imports this module

    earlier = None if path is None else _earlier(store, path)
    return NameIndex(entity_docs(store.all_entities().values()), None if earlier is None else earlier.reusable())


def screen_index_at(store: Reader, known_at: dt.datetime) -> NameIndex:
    """The screening index as it was at ``known_at``: over the names and identifiers in force then, so
    a replay scores against the same names, with the same token weights, as the answer given then.
    The current index when nothing it rests on changed since (:meth:`Store.facts_version`); otherwise
    built in memory (seconds on a large store) and kept for the next replay of the same facts."""
    version = store.facts_version(known_at)
    if version == store.facts_version(None):
        return screen_index(store)
    return _replay_index(store, version, known_at)


_REPLAYS: OrderedDict[tuple[str, str], NameIndex] = OrderedDict()  # the last few replay indexes
_REPLAYS_LOCK = threading.Lock()


def _replay_index(store: Reader, version: str, known_at: dt.datetime) -> NameIndex:
    """Keyed by the facts' version: replays of other moments with the same facts share the index."""
    from listwatch.match.index import NameIndex  # noqa: PLC0415 - see _build_screen
    from listwatch.screen import entity_docs  # noqa: PLC0415 - screen imports this module

    key = (store.url, version)
    with _REPLAYS_LOCK:
        if (found := _REPLAYS.get(key)) is not None:
            _REPLAYS.move_to_end(key)
            return found
    built = NameIndex(entity_docs(store.all_entities(known_at).values()))
    with _REPLAYS_LOCK:
        _REPLAYS[key] = built
        while len(_REPLAYS) > 2:
            _REPLAYS.popitem(last=False)
    return built


def screen_index(store: Reader) -> NameIndex:
    """The screening index of the store's current data (mapped from its file; built if there is none)."""
    return _persisted(store, SCREEN, load_index, lambda path: _build_screen(store, path),
                      lambda ix, path, key: save_index(ix, path, key, {"data_version": store.data_version(),
                                                                       **_meta(store)}))


def _build_core(store: Reader) -> dict[str, set[str]]:
    table: dict[str, set[str]] = defaultdict(set)
    for name, eid in store.all_names(ever=True):  # the resolver keeps what was in force (see resolve)
        for v in name_variants(name):
            table[core_key(v)].add(eid)
    return table


def core_names(store: Reader) -> Mapping[str, Collection[str]]:
    """The resolver's table: core name (:func:`~listwatch.match.normalize.core_key`) -> entity ids."""
    return _persisted(store, RESOLVE, lambda path, key: load_table(path, RESOLVE, key), lambda _: _build_core(store),
                      lambda table, path, key: save_table(table, path, RESOLVE, key, _meta(store)))


def build_index(store: Reader) -> Path | None:
    """Build (or check) both index files for the store's current data now; the screening index's path."""
    core_names(store)
    screen_index(store)
    return index_path(store, SCREEN)
