"""Small JSON tables derived from a library's own data, computed once and kept in the cache directory.

A table that depends only on a library's version (and on our word lists) need not be rebuilt by
every process: :func:`cached_json` reads it from a file in ``$LISTWATCH_INDEX_DIR`` (else the user cache
directory), under a file name that carries everything it is built from, and builds and writes it
(atomically, by rename) when the file is missing or damaged. A read-only cache only costs the
rebuild; the value is always what ``build`` returns.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cached_json", "library_version", "remembered", "save_json", "store_index_dir"]


def cache_dir() -> Path:
    if env := os.environ.get("LISTWATCH_INDEX_DIR"):
        return Path(env)
    import platformdirs  # noqa: PLC0415 - only without LISTWATCH_INDEX_DIR

    return Path(platformdirs.user_cache_dir("listwatch"))


def store_index_dir(url: str, sqlite_file: Path | None) -> Path | None:
    """Where the files derived from the store at ``url`` live (screening indexes, the statement catalog):
    ``$LISTWATCH_INDEX_DIR``; else beside a SQLite file; else the user cache directory. None: an in-memory
    SQLite database, whose derived data stays in memory."""
    if env := os.environ.get("LISTWATCH_INDEX_DIR"):
        return Path(env)
    if url.startswith("sqlite"):
        return None if sqlite_file is None else sqlite_file.parent / "index"
    return cache_dir() / "index"


@functools.cache
def _dist_infos(folder: str) -> tuple[str, ...]:
    """The ``.dist-info`` folders in ``folder`` (site-packages: one listing for every library asked about)."""
    with os.scandir(folder) as entries:
        return tuple(e.name for e in entries if e.name.lower().endswith(".dist-info"))


def library_version(dist: str) -> str:
    """The installed version of a library (distribution ``dist``, whose top module has the same name), from its
    ``.dist-info`` folder beside it: without importing the library or ``importlib.metadata`` (together some tens
    of milliseconds of a start-up); ``importlib.metadata`` where the folder is elsewhere."""
    module = dist.lower().replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        for name in _dist_infos(str(Path(spec.origin).parent.parent)):
            if name.lower().startswith(module + "-"):
                return name[len(module) + 1:-len(".dist-info")]
    from importlib import metadata  # noqa: PLC0415 - a layout without the folder beside the module

    return metadata.version(dist)


def save_json(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (a rename: readers see the old file or the new one); a read-only
    directory is no error, the value is just not kept."""
    import tempfile  # noqa: PLC0415 - only a write needs it (shutil, bz2, lzma: ~5 ms of a read's start-up)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass


def cached_json(path: Path, build: Callable[[], Any], valid: Callable[[Any], bool]) -> Any:
    """The JSON value kept at ``path`` (in :func:`cache_dir`), or ``build()`` (then written there) when the
    file is missing, unreadable or not ``valid``."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        if valid(value):
            return value
    except (OSError, ValueError):
        pass  # missing or damaged: rebuilt below
    value = build()
    save_json(path, value)  # a read-only cache: this process keeps its value
    return value


RACY_NS = 2_000_000_000  # a file changed this recently (ns) may change again within one tick of the file clock


def remembered(memo: Path | None, label: str, files: list[Path], compute: Callable[[], str]) -> str:
    """``compute()``, a value derived from ``files`` (a digest, say) and from whatever ``label`` names, kept under
    ``label`` in the JSON file ``memo`` for as long as each file's size, modification time and change time stay as
    they were before it was computed: how Python trusts its bytecode caches, plus the change time, which every
    write moves and no program can set back. Any difference (an edited, copied or touched file, another list of
    files) computes it again. As git does with its index, a value is not kept while a file is younger than
    :data:`RACY_NS`: a second write within the same tick of the file clock would leave its times unchanged. A
    missing, damaged or read-only memo only costs the computation; ``memo`` None: no memo."""
    if memo is None:
        return compute()
    stats = [p.stat() for p in files]
    stamp = [[str(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns] for p, st in zip(files, stats, strict=True)]
    try:
        doc = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}  # missing or damaged: written anew below
    doc = doc if isinstance(doc, dict) else {}
    kept = doc.get(label)
    if isinstance(kept, dict) and kept.get("files") == stamp and isinstance(value := kept.get("value"), str):
        return value
    value = compute()
    if all(max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - RACY_NS for st in stats):
        save_json(memo, {**doc, label: {"files": stamp, "value": value}})
    return value
