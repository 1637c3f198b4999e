"""Where the bundled dataset lives and its digest - light (no YAML): every store opening compares the
digest with the one it was last seeded from (:meth:`listwatch.store.db.Store.seed_if_changed`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["bundled_dir", "content_hash", "data_files"]


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
    h = hashlib.sha256()
    for p in data_files(root or bundled_dir()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
