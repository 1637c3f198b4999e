"""NAME -> entity, case-insensitively via names, aliases and identifiers (no fuzzy matching).

1. an entity id or an identifier (ISIN, LEI, USCC, ticker or ``ticker@exchange``) is decisive;
2. otherwise every entity with a name or alias equal to the query after
   :func:`~listwatch.match.normalize.lookup_key`, together with every entity whose name equals
   it after dropping legal forms, printed variants included (a trailing short name):
   "xiaomi" finds "Xiaomi Corporation", "SMIC" finds "Semiconductor Manufacturing
   International Corp. (SMIC)". Both sets count, so an exact alias never hides another
   company that goes by the same core name.

Several entities -> :class:`Ambiguous`, naming them; none -> :class:`NotFound`.
"""

from __future__ import annotations

from collections import defaultdict

from listwatch.match.normalize import clean_text, core_key, name_variants
from listwatch.model import Entity
from listwatch.store.db import Store

__all__ = ["Ambiguous", "NotFound", "candidates", "resolve"]


class NotFound(LookupError):
    def __init__(self, query: str) -> None:
        super().__init__(f"no entity named {query!r} (tried names, aliases and identifiers)")


class Ambiguous(LookupError):
    def __init__(self, query: str, found: list[Entity]) -> None:
        self.candidates = found
        shown = ", ".join(f"{e.name} [{e.id}]" for e in found[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        super().__init__(f"{query!r} names {len(found)} entities: {shown}{more}; use an id or a fuller name")


def _core_index(store: Store) -> dict[str, set[str]]:
    def build() -> dict[str, set[str]]:
        index: dict[str, set[str]] = defaultdict(set)
        for name, eid in store.all_names():
            for v in name_variants(name):
                index[core_key(v)].add(eid)
        return index

    return store.derived("resolve.core", build)


def candidates(store: Store, query: str) -> list[Entity]:
    """Every entity the query names (steps above); empty if none."""
    query = clean_text(query)
    if not query.strip():
        return []
    by_id, by_name = store.lookup(query)
    ids = by_id or sorted(set(by_name) | _core_index(store).get(core_key(query), set()))
    ents = store.entities(ids)
    return sorted((ents[i] for i in ids if i in ents), key=lambda e: e.id)


def resolve(store: Store, query: str) -> Entity:
    found = candidates(store, query)
    if not found:
        raise NotFound(query)
    if len(found) > 1:
        raise Ambiguous(query, found)
    return found[0]
