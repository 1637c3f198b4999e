"""Where the bundled dataset lives and its digest - light (no YAML): every store opening compares the
digest with the one it was last seeded from (:meth:`listwatch.store.db.Store.seed_if_changed`); a read-only
opening (:mod:`listwatch.store.fastread`) takes it remembered while the files are unchanged
(:func:`remembered_hash`)."""

from __future__ import annotations

import os
from pathlib import Path

from listwatch.cachefile import remembered

__all__ = ["bundled_dir", "content_hash", "data_files", "remembered_hash"]


def bundled_dir() -> Path:
    """The package's ``data`` folder: a folder on disk, as the bundled snapshots' (no importlib.resources,
    whose import brings tempfile, shutil and zipfile: ~10 ms of every command)."""
    return Path(__file__).parent / "data"


def data_files(root: Path) -> list[Path]:
    """The dataset's files in ``root``: ``*.yaml`` and ``*.csv``, by name (a listing, not a glob: no pattern to
    compile on every opening)."""
    return sorted(root / name for name in os.listdir(root) if name.endswith((".yaml", ".csv")))


def content_hash(root: Path | None = None) -> str:
    """SHA-256 over every dataset file: changes whenever the bundled data changes."""
    import hashlib  # noqa: PLC0415 - OpenSSL's loading is ~2% of a status, which takes the remembered hash

    h = hashlib.sha256()
    for p in data_files(root or bundled_dir()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def remembered_hash(memo: Path | None) -> str:
    """:func:`content_hash` of the bundled dataset, kept in the file ``memo`` while no dataset file changes
    (:func:`~listwatch.cachefile.remembered`): hashing its ~0.9 MB was ~5% of a ``status``."""
    root = bundled_dir()
    return remembered(memo, f"dataset {root}", data_files(root), lambda: content_hash(root))
