"""Screening: a name or identifier -> the listed entities it may be, scored, explained, with status.

``screen(query)`` searches an in-memory :class:`~listwatch.match.index.NameIndex` over every name
and alias in the store (built on first use and rebuilt when the store's data changes) and returns
hits best first, each with the entity's status on ``as_of`` and the source record ids its names
came from (``ofac-cons:30947``, ``csl:<_id>``, ``listwatch:<entity>``). ``screen_many`` does the
same for an iterable of queries (or a pandas Series / DataFrame column).
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from listwatch.match.index import Hit, NameDoc, NameIndex
from listwatch.match.normalize import clean_text
from listwatch.model import Entity, Status
from listwatch.status import status, statuses_of

if TYPE_CHECKING:
    from listwatch.dataset import Dataset
    from listwatch.store.reader import Reader

__all__ = ["DEFAULT_THRESHOLD", "MAX_QUERY", "SCHEMAS", "ScreenFilter", "ScreenHit", "answer", "bundled_docs",
           "check_query", "check_search", "entity_docs", "remember_statuses", "screen", "screen_index", "screen_many",
           "search", "search_each"]

DEFAULT_THRESHOLD = 0.8
MAX_QUERY = 500  # characters; longer input is refused, not truncated
_RECORD_ID = re.compile(r"^(ofac-sdn|ofac-cons|csl|ftm|opensanctions):")


class ScreenError(ValueError):
    """A query that cannot be screened (empty, too long); the message says why."""


@dataclass(frozen=True)
class ScreenHit:
    """A screening answer: the entity, the name that matched, the score and why, and the entity's status."""

    entity: Entity
    matched_name: str
    score: float
    explanation: dict[str, Any]
    source_ids: tuple[str, ...]
    status: Status

    def as_json(self) -> dict[str, Any]:
        from listwatch.report import entity_json  # noqa: PLC0415 - JSON answers only (~5 ms of a start)

        return {"entity": entity_json(self.entity, full=False), "matched_name": self.matched_name,
                "score": self.score, "explanation": self.explanation, "source_ids": list(self.source_ids),
                "restricted": self.status.restricted, "reason": self.status.reason,
                "lists": [x.list_id for x in self.status.listings if x.in_force],
                "effects": [e.kind.value for e in self.status.effects]}


def _ident(e: Entity) -> tuple[str, ...]:
    out = []
    for i in e.identifiers:
        out.append(f"{i.scheme}:{i.value}")
        if i.exchange:
            out.append(f"{i.scheme}:{i.value}@{i.exchange}")
    return tuple(out)


def entity_docs(entities: Iterable[Entity]) -> list[NameDoc]:
    """One document per name of each entity; source ids: the record ids its names cite. In entity id
    order, whatever order the store gave: a rebuilt index ranks exact ties the same way in every process."""
    docs = []
    for e in sorted(entities, key=lambda e: e.id):
        recs = tuple(dict.fromkeys(s for n in e.names for s in n.sources if _RECORD_ID.match(s)))
        sids = (f"listwatch:{e.id}", *recs)
        idents = _ident(e)
        for n in [e.name, *e.aliases]:
            docs.append(NameDoc(e.id, n, e.kind == "person", sids, idents))
    return docs


def bundled_docs(ds: Dataset | None = None) -> list[NameDoc]:
    from listwatch.dataset import load  # noqa: PLC0415 - the YAML loader, only when no dataset is given

    return entity_docs((ds or load()).entities.values())


INDEX = "screen.index"  # the name of the screening index among a store's derived values


def screen_index(store: Reader, known_at: dt.datetime | None = None) -> NameIndex:
    """The name index over every entity of the store: mapped from its file for the current data version,
    built (and written) when there is none (:mod:`listwatch.indexes`). ``known_at``: the index over the
    names in force then (:func:`listwatch.indexes.screen_index_at`), so a replay finds what was found then."""
    from listwatch import indexes  # noqa: PLC0415 - indexes builds from entity_docs (here)

    if known_at is not None:
        return indexes.screen_index_at(store, known_at)
    return store.derived(INDEX, lambda: indexes.screen_index(store))


def check_query(query: str) -> str:
    """The query as it is searched (cleaned), or :class:`ScreenError` saying why it cannot be."""
    if not isinstance(query, str):
        raise ScreenError(f"query must be text, not {type(query).__name__}")
    q = clean_text(query).strip()
    if not q:
        raise ScreenError("empty query")
    if len(q) > MAX_QUERY:
        raise ScreenError(f"query of {len(q)} characters is over the {MAX_QUERY}-character limit")
    return q


SCHEMAS = ("company", "person", "vessel", "aircraft")
_NOT_COMPANY = frozenset({"person", "vessel", "aircraft"})
FILTERED_SEARCH = 500  # hits searched when filters may drop some: the limit applies after filtering


@dataclass(frozen=True)
class ScreenFilter:
    """Which hits to keep: on one of ``lists`` (in force on the as-of date, as the status says), in one
    of ``countries`` (ISO 3166 alpha-2), of one of ``schemas`` (:data:`SCHEMAS`; "company" is any
    organisation). An empty field keeps everything."""

    lists: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [x for x in self.schemas if x not in SCHEMAS]
        if bad:
            raise ScreenError(f"schema {bad[0]!r} is not one of {', '.join(SCHEMAS)}")
        object.__setattr__(self, "countries", tuple(c.strip().upper() for c in self.countries))

    def __bool__(self) -> bool:
        return bool(self.lists or self.countries or self.schemas)

    def keeps_entity(self, e: Entity) -> bool:
        return self.keeps_kind(e.kind, e.country)

    def keeps_kind(self, kind: str, country: str | None) -> bool:
        """:meth:`keeps_entity` on plain values (batch screening carries no :class:`Entity`)."""
        kind = "company" if kind not in _NOT_COMPANY else kind
        return (not self.schemas or kind in self.schemas) and (
            not self.countries or (country or "").upper() in self.countries)

    def keeps_status(self, st: Status) -> bool:
        return self.keeps_lists(x.list_id for x in st.listings if x.in_force)

    def keeps_lists(self, in_force: Iterable[str]) -> bool:
        """:meth:`keeps_status` on the ids of the lists in force."""
        return not self.lists or any(x in self.lists for x in in_force)

    def check_lists(self, store: Reader) -> None:
        known = {d.id for d in store.lists()}
        unknown = [x for x in self.lists if x not in known]
        if unknown:
            raise ScreenError(f"list {unknown[0]!r} is unknown (see 'listwatch lists')")


_STATUSES: weakref.WeakKeyDictionary[Reader, tuple[str, dict[tuple[str, dt.date, dt.datetime | None], Status]]] = (
    weakref.WeakKeyDictionary())
STATUS_MEMO = 8192  # statuses remembered per store (then forgotten all at once)


def _status(st: Reader, e: Entity, day: dt.date, known_at: dt.datetime | None) -> Status:
    """``status(st, e, day, known_at)``, remembered for the store's data version (the key of every cache of
    the store): a batch meets the same listed entities again and again, each costing a read of its events."""
    memo, key = _memo(st), (e.id, day, known_at)
    found = memo.get(key)
    if found is None:
        if len(memo) >= STATUS_MEMO:
            memo.clear()
        found = memo[key] = status(st, e, day, known_at)
    return found


def _memo(st: Reader) -> dict[tuple[str, dt.date, dt.datetime | None], Status]:
    version = st.data_version()
    held = _STATUSES.get(st)
    if held is None or held[0] != version:
        held = (version, {})
        _STATUSES[st] = held
    return held[1]


def remember_statuses(st: Reader, entities: Iterable[Entity], day: dt.date, known_at: dt.datetime | None) -> None:
    """Compute the statuses :func:`screen` will ask for, of many entities from one read of their events."""
    memo = _memo(st)
    todo = {e.id: e for e in entities if (e.id, day, known_at) not in memo}
    if len(memo) + len(todo) > STATUS_MEMO:
        memo.clear()
    memo.update({(i, day, known_at): s for i, s in statuses_of(st, list(todo.values()), day, known_at).items()})


def screen(query: str, as_of: dt.date | None = None, threshold: float = DEFAULT_THRESHOLD, limit: int = 10,
           store: Reader | None = None, known_at: dt.datetime | None = None,
           filters: ScreenFilter | None = None) -> list[ScreenHit]:
    """Entities the query may name, best first, each with its status on ``as_of`` (default today).

    ``filters`` keep only some hits (:class:`ScreenFilter`); ``limit`` counts the hits kept.
    """
    check_search(query, threshold, limit)  # before the store is opened
    st = store or _open()
    if filters:
        filters.check_lists(st)
    return answer(search(query, threshold, limit, st, known_at, filters), as_of, limit, st, known_at, filters)


def _open() -> Reader:
    from listwatch.store.db import open_store  # noqa: PLC0415 - only when no store is given

    return open_store()


def check_search(query: str, threshold: float, limit: int) -> str:
    """:func:`check_query`, and the threshold and limit in range (:class:`ScreenError` if not)."""
    if not 0.0 <= threshold <= 1.0:
        raise ScreenError(f"threshold {threshold} is outside [0, 1]")
    if limit < 1:
        raise ScreenError(f"limit {limit} must be at least 1")
    return check_query(query)


def search(query: str, threshold: float, limit: int, store: Reader, known_at: dt.datetime | None = None,
           filters: ScreenFilter | None = None) -> list[Hit]:
    """The index hits :func:`screen` answers from (before the entities are read and filtered)."""
    return search_each([query], threshold, limit, store, known_at, filters)[0]


def search_each(queries: Sequence[str], threshold: float, limit: int, store: Reader,
                known_at: dt.datetime | None = None, filters: ScreenFilter | None = None) -> list[list[Hit]]:
    """:func:`search` of each query, searched together (:meth:`NameIndex.search_many`: the same hits)."""
    qs = [check_search(q, threshold, limit) for q in queries]
    return screen_index(store, known_at).search_many(qs, limit=FILTERED_SEARCH if filters else limit,
                                                     threshold=threshold)


def answer(hits: list[Hit], as_of: dt.date | None, limit: int, st: Reader, known_at: dt.datetime | None = None,
           filters: ScreenFilter | None = None) -> list[ScreenHit]:
    """:func:`screen`'s answer from the hits of :func:`search`: each with its entity and status."""
    day = as_of or dt.date.today()
    ents = st.entities((h.ref for h in hits), known_at)
    out: list[ScreenHit] = []
    for h in hits:
        e = ents.get(h.ref)
        if e is None or (filters and not filters.keeps_entity(e)):
            continue
        st_e = _status(st, e, day, known_at)
        if filters and not filters.keeps_status(st_e):
            continue
        out.append(ScreenHit(e, h.name, h.score, h.explanation.as_dict(), h.source_ids, st_e))
        if len(out) == limit:
            break
    return out


def screen_many(queries: Iterable[Any], as_of: dt.date | None = None, threshold: float = DEFAULT_THRESHOLD,
                limit: int = 10, store: Reader | None = None,
                filters: ScreenFilter | None = None) -> Iterator[tuple[int, str, list[ScreenHit] | str]]:
    """(1-based position, query, hits or an error message) per query, lazily, in input order.

    Accepts any iterable of strings, e.g. a pandas Series, or a DataFrame (its ``name`` column).
    """
    if hasattr(queries, "columns") and hasattr(queries, "__getitem__"):
        queries = queries["name"]  # a DataFrame
    st = store or _open()
    for n, q in enumerate(queries, start=1):
        try:
            yield n, str(q), screen(q, as_of, threshold, limit, st, filters=filters)
        except ScreenError as exc:
            yield n, "" if q is None else str(q), str(exc)
