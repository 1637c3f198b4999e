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
from pathlib import Path

from listwatch.cachefile import cache_dir, cached_json, library_version

__all__ = ["territory_code"]


def _cache_file() -> Path:
    return cache_dir() / f"territory-names-rigour-{library_version('rigour')}.json"


@functools.cache
def _names() -> dict[str, str]:
    def build() -> dict[str, str]:
        from rigour.territories.lookup import _get_territory_names  # noqa: PLC0415 - the table lookup_territory uses

        return {name: t.code for name, t in _get_territory_names().items()}

    def valid(table: object) -> bool:
        return isinstance(table, dict) and bool(table) and all(isinstance(v, str) for v in table.values())

    table: dict[str, str] = cached_json(_cache_file(), build, valid)
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
