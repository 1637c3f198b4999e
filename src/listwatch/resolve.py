"""NAME -> entity, case-insensitively via names, aliases and identifiers (no fuzzy matching).

1. an entity id or an identifier (ISIN, LEI, USCC, ticker or ``ticker@exchange``) is decisive;
2. a query with a legal form in it is an official name: an entity with a name or alias equal
   to it after :func:`~listwatch.match.normalize.lookup_key` wins ("CNOOC Limited" is CNOOC
   Ltd, not also its parent CNOOC);
3. otherwise every entity with a name or alias equal to the query, together with every entity
   whose name equals it after dropping legal forms, printed variants included (a trailing
   short name): "xiaomi" finds "Xiaomi Corporation", "SMIC" finds "Semiconductor Manufacturing
   International Corp. (SMIC)", and "Yitu" finds both YITU Limited and Shanghai Yitu (alias
   "YITU"): a bare short name never hides another company that goes by it.

Several entities -> :class:`Ambiguous`, naming them; none -> :class:`NotFound`.

:class:`RecordResolver` applies the same keys to an ingested record, more strictly, because
joining is permanent: a record id or an identifier (ISIN, LEI, USCC) joins; an equal
normalised name joins an organisation only when a country agrees too (an organisation listed
at several addresses has each of their countries: OFAC's Al-Naser Airlines in Iraq, the UAE and
Jordan is the Denied Persons List's ALNASER AIRLINES of Baghdad); a name alone only links the two
as ``possible_same``. Each join says why (stored with the record as ``joined_by``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from listwatch.match.normalize import clean_text, core_key, lookup_key, name_variants
from listwatch.model import Entity, Identifier

if TYPE_CHECKING:
    from listwatch.store.reader import Reader
    from listwatch.store.writer import Facts

__all__ = ["MERGE_SCHEMES", "Ambiguous", "NotFound", "RecordResolver", "address_countries", "candidates",
           "country_codes", "name_key", "resolve"]

MERGE_SCHEMES = ("isin", "lei", "uscc")  # identifiers that name one legal person
# lookup_key, remembered: an ingest keys each new name three times (resolve, learn, the names row)
name_key = functools.lru_cache(maxsize=1 << 16)(lookup_key)


class NotFound(LookupError):
    def __init__(self, query: str) -> None:
        super().__init__(f"no entity named {query!r} (tried names, aliases and identifiers)")


class Ambiguous(LookupError):
    def __init__(self, query: str, found: list[Entity]) -> None:
        self.candidates = found
        shown = ", ".join(f"{e.name} [{e.id}]" for e in found[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        super().__init__(f"{query!r} names {len(found)} entities: {shown}{more}; use an id or a fuller name")


def _core_index(store: Reader) -> Mapping[str, Collection[str]]:
    """Core name -> entity ids, persisted per data version (:func:`listwatch.indexes.core_names`)."""
    from listwatch import indexes  # noqa: PLC0415 - the index files are only needed past an exact match

    return store.derived("resolve.core", lambda: indexes.core_names(store))


def candidates(store: Reader, query: str, known_at: dt.datetime | None = None) -> list[Entity]:
    """Every entity the query names (steps above) by the facts in force at ``known_at`` (default:
    now); empty if none."""
    query = clean_text(query)
    if not query.strip():
        return []
    by_id, by_name = store.lookup(query, known_at)
    if by_id:
        ents = store.entities(by_id, known_at)
        return sorted((e for i in by_id if (e := ents.get(i)) is not None), key=lambda e: e.id)
    core = core_key(query)
    official = core != lookup_key(query)  # the query carries a legal form: an official name
    ids = by_name if by_name and official else sorted({*by_name, *_core_index(store).get(core, ())})
    ents = store.entities(ids, known_at)
    # the core table holds every name ever: keep an entity by its core name only if one was in force then
    return sorted((e for i in ids if (e := ents.get(i)) is not None
                   and (i in by_name or _has_core(e, core))), key=lambda e: e.id)


def _has_core(e: Entity, core: str) -> bool:
    return any(core_key(v) == core for n in (e.name, *e.aliases) for v in name_variants(n))


def resolve(store: Reader, query: str, known_at: dt.datetime | None = None) -> Entity:
    found = candidates(store, query, known_at)
    if not found:
        raise NotFound(query)
    if len(found) > 1:
        raise Ambiguous(query, found)
    return found[0]


def country_codes(names: Iterable[str]) -> set[str]:
    """ISO codes (lower case) of the country names or codes given; unknown ones are dropped."""
    from listwatch.territories import territory_code  # noqa: PLC0415 - ingest only, not a lookup

    out = set()
    for n in names:
        code = territory_code(n)
        if code is not None:
            out.add(code.lower())
    return out


def address_countries(addresses: Iterable[str]) -> set[str]:
    """ISO codes (lower case) of the countries that close printed addresses ("P.O. Box 911399, Amman 11191,
    Jordan", "P.O. BOX 28360, DUBAI, AE")."""
    return country_codes(a.rsplit(",", 1)[-1].strip(" .0123456789") for a in addresses if "," in a)


class RecordResolver:
    """Which entity an ingested record belongs to (module doc), learning as records are added."""

    def __init__(self, facts: Facts) -> None:
        self.by_record = dict(facts.records)
        self.by_ident: dict[tuple[str, str], str] = {}
        for scheme, value, eid in facts.identifiers:
            self.by_ident.setdefault((scheme, value.upper()), eid)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for norm, eid in facts.names:
            self.by_name[norm].add(eid)
        # every country an entity is known in: its own, and for an organisation with none, its records' addresses
        self.countries: dict[str, set[str]] = defaultdict(set)
        for eid, country, _ in facts.entities:
            if country:
                self.countries[eid].add(country.lower())
        for eid, address in facts.addresses:
            self.countries[eid] |= address_countries([address])
        self.kind = {eid: kind for eid, _, kind in facts.entities}

    def resolve(self, source_id: str, schema: str, names: Iterable[str], identifiers: Iterable[Identifier],
                countries: Iterable[str], same_as: Iterable[str] = ()) -> tuple[
                    str | None, list[tuple[str, str]], str]:
        """(entity to join or None, [(entity, reason)] to link as possible same, why it joins).

        The record itself (``source_id``) or its copy elsewhere (``same_as``) may already belong to
        an entity: the curated data cites it, or another source published it."""
        for sid in (source_id, *same_as):
            if hit := self.by_record.get(sid):
                return hit, [], f"record {sid} belongs to it"
        for i in identifiers:
            if i.scheme in MERGE_SCHEMES and (hit := self.by_ident.get((i.scheme, i.value.upper()))):
                return hit, [], f"same {i.scheme.upper()} {i.value}"
        keys = {name_key(n) for n in names}
        cands = sorted({e for n in keys for e in self.by_name.get(n, ())})
        if not cands:
            return None, [], ""
        codes = country_codes(countries)
        if schema != "Person":
            for e in cands:
                if self.kind.get(e) != "person" and (shared := self.countries.get(e, set()) & codes):
                    name = next(n for n in sorted(keys) if e in self.by_name.get(n, ()))
                    return e, [], f"same normalised name {name!r} and country {', '.join(sorted(shared)).upper()}"
        why = "person: names alone never merge" if schema == "Person" else "country missing or different"
        return None, [(e, "same normalised name; " + why) for e in cands], ""

    def learn(self, entity_id: str, record_ids: Iterable[str], names: Iterable[str],
              identifiers: Iterable[Identifier], countries: Iterable[str], kind: str) -> None:
        """Remember a record put under ``entity_id``; ``countries``: ISO codes (lower case) of its addresses."""
        for sid in record_ids:
            self.by_record.setdefault(sid, entity_id)
        for i in identifiers:
            if i.scheme in MERGE_SCHEMES:
                self.by_ident.setdefault((i.scheme, i.value.upper()), entity_id)
        for n in names:
            self.by_name[name_key(n)].add(entity_id)
        self.countries[entity_id] |= set(countries)
        self.kind.setdefault(entity_id, kind)
