"""Country name or code -> ISO 3166 code: rigour's ``lookup_territory`` (exact, not fuzzy), minus its start-up.

On its first name lookup in a process, rigour builds a table of some 29,000 territory names, each
transliterated to ASCII: about a third of the CPU of ingesting the OFAC SDN file. The table
depends only on rigour's version, so it is built once, kept as JSON in the cache directory
(``$LISTWATCH_INDEX_DIR``, else the user cache directory) under that version, and read from there
by later processes. Lookups give exactly what ``lookup_territory(text)`` gives: an identifier
(ISO alpha-2/alpha-3 code, Wikidata id) first, then the normalised name in rigour's own table.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import tempfile
from pathlib import Path

import platformdirs

__all__ = ["territory_code"]


def _cache_file() -> Path:
    folder = Path(os.environ.get("LISTWATCH_INDEX_DIR") or platformdirs.user_cache_dir("listwatch"))
    return folder / f"territory-names-rigour-{importlib.metadata.version('rigour')}.json"


@functools.cache
def _names() -> dict[str, str]:
    path = _cache_file()
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(table, dict) and table and all(isinstance(v, str) for v in table.values()):
            return table
    except (OSError, ValueError):
        pass  # missing or damaged: rebuilt below
    from rigour.territories.lookup import _get_territory_names  # noqa: PLC0415 - the table lookup_territory uses

    table = {name: t.code for name, t in _get_territory_names().items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(table, fh, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache: this process keeps its table
    return table


@functools.lru_cache(maxsize=4096)
def territory_code(text: str) -> str | None:
    """The ISO code (rigour's ``Territory.code``) of a country name or code, or None if unknown."""
    from rigour.territories import lookup_by_identifier  # noqa: PLC0415 - slow to import
    from rigour.territories.util import normalize_territory_name  # noqa: PLC0415

    found = lookup_by_identifier(text)
    if found is not None:
        return found.code
    return _names().get(normalize_territory_name(text))
