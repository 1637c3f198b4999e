"""OpenSanctions yente's API shapes, answered by listwatch: match, search, entities, catalog, algorithms.

A yente client (nomenklatura's ``YenteEnricher``, the OpenSanctions API clients) sends
``POST /match/{dataset}`` with ``{"queries": {key: {"schema": "Company", "properties": {"name": [...]}}}}``
and reads ``responses[key].results[*]`` with ``score``, ``match``, ``features`` and ``explanations``.
Here a *dataset* is ``default`` (every list) or one list id; a query's schema must be a FollowTheMoney
schema that can match (``Person`` never returns a company), its countries weigh in (a mismatch costs
``COUNTRY_PENALTY``, it never hides a hit), and every parameter is either honoured or refused with
:class:`YenteError` - none is silently dropped. ``as_of`` / ``known_at`` are listwatch's own.

Topics follow the FollowTheMoney topic vocabulary, per list (``TOPICS``), for the listings in force
on ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from followthemoney import model
from followthemoney.types import registry

from listwatch.ftm import entity_proxy, schema_name
from listwatch.model import Entity
from listwatch.screen import ScreenError, ScreenHit, screen
from listwatch.store.db import Store

__all__ = ["ALGORITHM", "TOPICS", "MatchParams", "YenteError", "algorithms", "catalog", "check_params", "entity",
           "match",
           "search", "topics_for"]

ALGORITHM = "listwatch-v1"
ALIASES = {"best", "default", ALGORITHM}  # yente's names for "the server's best / default algorithm"
COUNTRY_PENALTY = 0.1
NAME_PROPS = ("name", "alias", "weakAlias", "previousName", "abbreviation")
ID_PROPS = ("isinCode", "leiCode", "ticker", "registrationNumber", "idNumber", "imoNumber", "innCode", "ogrnCode",
            "swiftBic", "taxNumber", "uscCode", "okpoCode", "vatCode", "permId")
COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "citizenship", "mainCountry", "registrationCountry")
MAX_TERMS = 20

# FollowTheMoney topics per list: what kind of restriction a listing is.
TOPICS: dict[str, tuple[str, ...]] = {
    "us-ofac-sdn": ("sanction",),                       # blocking under IEEPA programmes
    "us-ofac-ns-cmic": ("sanction", "invest.ban"),      # EO 14032: OFAC programme, securities ban
    "us-ofac-ns-ccmc": ("sanction", "invest.ban"),      # EO 13959: OFAC programme, securities ban
    "us-dod-1237": ("mil", "invest.ban"),               # DoD military company; EO 13959 securities ban
    "us-dod-1260h": ("mil",),                           # DoD military company; no effect of its own
    "us-bis-entity-list": ("export.control",),          # EAR licence requirement
}
PREFIX_TOPICS = (("us-ofac-", ("sanction",)), ("us-bis-", ("export.control",)), ("us-ddtc-", ("debarment",)),
                 ("us-state-", ("sanction",)))


class YenteError(ValueError):
    """A request listwatch refuses, with the HTTP status to answer (404 unknown, 422 bad query)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title = status, title


@dataclass(frozen=True)
class MatchParams:
    limit: int = 5
    threshold: float = 0.8
    cutoff: float = 0.5
    algorithm: str = ALGORITHM
    topics: tuple[str, ...] = ()
    exclude_entity_ids: tuple[str, ...] = ()
    exclude_schema: tuple[str, ...] = ()
    changed_since: dt.datetime | None = None
    as_of: dt.date | None = None
    known_at: dt.datetime | None = None
    weights: dict[str, float] = field(default_factory=dict)
    include_dataset: tuple[str, ...] = ()
    exclude_dataset: tuple[str, ...] = ()


def topics_for(list_ids: Iterable[str]) -> list[str]:
    out: list[str] = []
    for lid in list_ids:
        found = TOPICS.get(lid) or next((t for p, t in PREFIX_TOPICS if lid.startswith(p)), ())
        out += [t for t in found if t not in out]
    return out


def scope(store: Store, dataset: str, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> set[str] | None:
    """The list ids a dataset name selects (None: every list), narrowed to yente's ``include_dataset`` and
    without its ``exclude_dataset``; an unknown path dataset is a 404, an unknown include/exclude a 422."""
    every = ("default", "listwatch")
    known = [x.id for x in store.lists()]
    if dataset not in every and dataset not in known:
        raise YenteError(404, "Unknown dataset", f"no dataset {dataset!r}; known: {', '.join(['default', *known])}")
    include, exclude = set(include), set(exclude)
    bad = sorted((include | exclude) - set(known) - set(every))
    if bad:
        raise YenteError(422, "Unknown dataset", f"include_dataset / exclude_dataset: no dataset {', '.join(bad)}; "
                         "see /catalog")
    if not include - set(every) and not exclude:
        return None if dataset in every else {dataset}
    chosen = set(known) if dataset in every else {dataset}
    if include and not include & set(every):
        chosen &= include
    return chosen - exclude if not exclude & set(every) else set()


def _doc(store: Store, e: Entity, day: dt.date, known_at: dt.datetime | None,
         hit: ScreenHit | None = None) -> dict[str, Any]:
    from listwatch.status import status  # noqa: PLC0415 - status imports screen's siblings

    st = hit.status if hit else status(store, e, day, known_at)
    in_force = [x.list_id for x in st.listings if x.in_force]
    events = store.events(entity_id=e.id, known_at=known_at)
    proxy = entity_proxy(e, topics_for(in_force))
    doc = proxy.to_dict()
    seen = [ev.recorded_at for ev in events]
    return {**doc, "caption": e.name, "datasets": sorted({ev.list_id for ev in events}) or ["listwatch"],
            "referents": list(hit.source_ids) if hit else [], "target": bool(in_force),
            "first_seen": min(seen).isoformat() if seen else None, "last_seen": max(seen).isoformat() if seen
            else None, "last_change": max(seen).isoformat() if seen else None,
            "listwatch": {"as_of": day.isoformat(), "known_at": known_at.isoformat() if known_at else None,
                          "restricted": st.restricted, "lists": in_force}}


def _values(key: str, prop: str, raw: Any) -> list[str]:
    vals = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in vals):
        raise YenteError(422, "Invalid query", f"query {key!r}: property {prop!r} must be a string or a list "
                         "of strings")
    return [str(v) for v in vals if str(v).strip()]


def _parse_query(key: str, q: dict[str, Any]) -> tuple[str, dict[str, list[str]]]:
    name = q.get("schema") or "LegalEntity"
    schema = model.get(name) if isinstance(name, str) else None
    if schema is None or not schema.matchable:
        raise YenteError(422, "Invalid query", f"query {key!r}: {name!r} is not a matchable FollowTheMoney schema "
                         "(e.g. Person, Company, Organization, LegalEntity, Vessel)")
    props_in = q.get("properties") or {}
    if not isinstance(props_in, dict):
        raise YenteError(422, "Invalid query", f"query {key!r}: 'properties' must be an object")
    props: dict[str, list[str]] = {}
    for prop, raw in props_in.items():
        if schema.get(prop) is None:
            raise YenteError(422, "Invalid query", f"query {key!r}: {prop!r} is not a property of {schema.name}")
        props[prop] = _values(key, prop, raw)
    if not any(props.get(p) for p in NAME_PROPS + ID_PROPS):
        raise YenteError(422, "Invalid query", f"query {key!r} has no name or identifier property to match on")
    return schema.name, props


def _check(store: Store, p: MatchParams) -> None:
    if p.algorithm not in ALIASES:
        raise YenteError(422, "Unknown algorithm", f"algorithm {p.algorithm!r} is not offered; use {ALGORITHM} "
                         "(see /algorithms)")
    if p.weights:
        raise YenteError(422, "Unsupported weights", f"algorithm {ALGORITHM} has no adjustable weights "
                         f"(got {', '.join(sorted(p.weights))})")
    bad = [t for t in p.topics if t not in registry.topic.names]
    if bad:
        raise YenteError(422, "Unknown topic", f"not FollowTheMoney topics: {', '.join(bad)}")
    bad = [s for s in p.exclude_schema if model.get(s) is None]
    if bad:
        raise YenteError(422, "Unknown schema", f"not FollowTheMoney schemata: {', '.join(bad)}")


def _countries(props: dict[str, list[str]]) -> set[str]:
    return {c for p in COUNTRY_PROPS for v in props.get(p, []) if (c := registry.country.clean(v))}


def check_params(given: Iterable[str], accepted: Iterable[str]) -> None:
    """Refuse a query parameter the route does not take (yente's ``filter``, ``facets``, ``sort``...):
    ignoring it would answer a different question than the one asked."""
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise YenteError(422, "Unsupported parameter", f"not supported here: {', '.join(unknown)}; accepted: "
                         f"{', '.join(sorted(accepted))}")


def cost(queries: dict[str, Any]) -> int:
    """How many names and identifiers a match request screens (at most MAX_TERMS per query)."""
    total = 0
    for q in queries.values():
        props = q.get("properties", {}) if isinstance(q, dict) else {}
        n = sum(1 if isinstance(v, str) else len(v) for k, v in props.items() if k in ID_PROPS + NAME_PROPS
                and isinstance(v, str | list))
        total += min(n, MAX_TERMS)
    return total


def match(store: Store, dataset: str, queries: dict[str, Any], p: MatchParams) -> dict[str, Any]:
    """yente's ``EntityMatchResponse`` for ``queries``; :class:`YenteError` for a request it cannot answer."""
    lists = scope(store, dataset, p.include_dataset, p.exclude_dataset)
    _check(store, p)
    parsed = {key: _parse_query(key, q if isinstance(q, dict) else {}) for key, q in queries.items()}
    day = p.as_of or dt.date.today()
    members = None if lists is None else {eid for lid in lists for eid in store.entity_ids_on(lid)}
    responses = {}
    for key, (qname, props) in parsed.items():
        qschema = model.get(qname)
        assert qschema is not None
        terms = [v for prop in ID_PROPS + NAME_PROPS for v in props.get(prop, [])][:MAX_TERMS]
        countries = _countries(props)
        best: dict[str, tuple[float, ScreenHit, dict[str, Any]]] = {}
        for term in terms:
            try:
                hits = screen(term, day, p.cutoff, max(p.limit * 3, 10), store=store, known_at=p.known_at)
            except ScreenError as exc:
                raise YenteError(422, "Invalid query", f"query {key!r}: {term!r}: {exc}") from None
            for h in hits:
                rschema = model.get(schema_name(h.entity.kind))
                if (members is not None and h.entity.id not in members) or h.entity.id in p.exclude_entity_ids \
                        or rschema is None or not qschema.can_match(rschema) or rschema.name in p.exclude_schema:
                    continue
                expl = {("identifier_match" if h.explanation.get("identifier") else "name_match"): {
                    "score": h.score, "detail": str(h.explanation.get("summary")), "query": term,
                    "candidate": h.matched_name}}
                score = h.score
                if countries and h.entity.country:
                    ours = registry.country.clean(h.entity.country)
                    if ours in countries:
                        expl["country_match"] = {"score": 1.0, "detail": f"both {ours}", "query": ",".join(
                            sorted(countries)), "candidate": ours}
                    else:
                        score = max(0.0, score - COUNTRY_PENALTY)
                        expl["country_mismatch"] = {"score": -COUNTRY_PENALTY, "detail": f"query {sorted(countries)}"
                                                    f", candidate {ours}", "query": ",".join(sorted(countries)),
                                                    "candidate": ours}
                cur = best.get(h.entity.id)
                if cur is None or score > cur[0]:
                    best[h.entity.id] = (round(score, 4), h, expl)
        results = []
        for score, h, expl in sorted(best.values(), key=lambda r: -r[0]):
            doc = _doc(store, h.entity, day, p.known_at, h)
            if p.topics and not set(p.topics) & set(doc["properties"].get("topics", [])):
                continue
            if p.changed_since and (doc["last_change"] is None
                                    or dt.datetime.fromisoformat(doc["last_change"]) <= p.changed_since):
                continue
            results.append({**doc, "score": score, "match": score >= p.threshold,
                            "features": {k: v["score"] for k, v in expl.items()}, "explanations": expl})
            if len(results) == p.limit:
                break
        responses[key] = {"status": 200, "results": results, "total": {"value": len(results), "relation": "eq"},
                          "query": {"schema": qname, "properties": props}}
    return {"responses": responses, "matcher": algorithms()["algorithms"][0], "limit": p.limit}


def search(store: Store, dataset: str, q: str, schema: str | None, countries: list[str], topics: list[str],
           limit: int, offset: int, as_of: dt.date | None, known_at: dt.datetime | None,
           include_dataset: tuple[str, ...] = (), exclude_dataset: tuple[str, ...] = ()) -> dict[str, Any]:
    """yente's ``SearchResponse``: the entities a text may name, filtered by schema, country and topic."""
    props: dict[str, Any] = {"name": [q]}
    if countries:
        props["country"] = countries
    got = match(store, dataset, {"q": {"schema": schema or "LegalEntity",
                                       "properties": props}},
                MatchParams(limit=offset + limit, threshold=1.0, cutoff=0.5, topics=tuple(topics), as_of=as_of,
                            known_at=known_at, include_dataset=include_dataset, exclude_dataset=exclude_dataset))
    results = got["responses"]["q"]["results"]
    return {"results": results[offset:offset + limit], "total": {"value": len(results), "relation": "gte"
                                                                  if len(results) == offset + limit else "eq"},
            "limit": limit, "offset": offset, "facets": {}}


def entity(store: Store, entity_id: str, as_of: dt.date | None, known_at: dt.datetime | None) -> dict[str, Any]:
    e = store.entity(entity_id, known_at)
    if e is None:
        raise YenteError(404, "Not found", f"no entity with id {entity_id!r}")
    return _doc(store, e, as_of or dt.date.today(), known_at)


def catalog(store: Store) -> dict[str, Any]:
    """yente's ``DataCatalogModel``: one dataset per list and the ``default`` collection of them all.

    listwatch adds per dataset how fresh its data is (``data_as_of``, ``data_sources``) and, in
    ``sources``, each updatable source's last update: attempt, success, change and error.
    """
    from listwatch.freshness import freshness  # noqa: PLC0415 - the catalog alone needs these
    from listwatch.update import source_status  # noqa: PLC0415

    version = store.data_version()
    lists = store.lists()
    fresh = freshness(store)
    none: dict[str, Any] = {"data_as_of": None, "data_sources": []}
    sets = [{"name": x.id, "title": x.name, "summary": x.authority, "type": "source", "load": True,
             "publisher": {"name": x.maintainer}, "topics": topics_for([x.id]),
             "entity_count": len(store.entity_ids_on(x.id)), "version": version, "index_version": version,
             "index_current": True, **(fresh[x.id].as_json() if x.id in fresh else none)} for x in lists]
    sets.append({"name": "default", "title": "Every list listwatch knows", "type": "collection", "load": True,
                 "children": [x.id for x in lists], "version": version, "index_version": version,
                 "index_current": True})
    return {"datasets": sets, "current": [d["name"] for d in sets], "outdated": [], "index_stale": False,
            "sources": source_status(store)}


def algorithms() -> dict[str, Any]:
    return {"algorithms": [{
        "name": ALGORITHM,
        "description": "listwatch's name and identifier matcher: names folded to ASCII (Han through pinyin), "
                       "legal forms and security labels set aside, rare tokens weighted up, one typo forgiven; "
                       "identifiers (ISIN, LEI, ticker) score 1.0; a country mismatch costs "
                       f"{COUNTRY_PENALTY}.",
        "features": {"name_match": {"description": "best name alignment score", "coefficient": 1.0},
                     "identifier_match": {"description": "equal valid identifier", "coefficient": 1.0},
                     "country_match": {"description": "query and candidate share a country", "coefficient": 0.0},
                     "country_mismatch": {"description": "countries differ", "coefficient": -COUNTRY_PENALTY}},
    }], "default": ALGORITHM, "best": ALGORITHM}
