"""Small JSON tables derived from a library's own data, computed once and kept in the cache directory.

A table that depends only on a library's version (and on our word lists) need not be rebuilt by
every process: :func:`cached_json` reads it from a file in ``$LISTWATCH_INDEX_DIR`` (else the user cache
directory), under a file name that carries everything it is built from, and builds and writes it
(atomically, by rename) when the file is missing or damaged. A read-only cache only costs the
rebuild; the value is always what ``build`` returns.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

__all__ = ["cache_dir", "cached_json"]


def cache_dir() -> Path:
    return Path(os.environ.get("LISTWATCH_INDEX_DIR") or platformdirs.user_cache_dir("listwatch"))


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache: this process keeps its value
    return value
