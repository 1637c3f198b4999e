"""OpenSanctions yente's ``/match/{dataset}`` request and response shape, answered by listwatch.

Request: ``{"queries": {key: {"schema": "Company", "properties": {"name": [...], "isinCode": [...],
...}}}}``. Response: ``{"responses": {key: {"status": 200, "results": [entity + "score", "match",
"features"], "total": {...}, "query": {...}}}, "limit": n}`` - so existing yente clients work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from listwatch.screen import ScreenError, screen
from listwatch.store.db import Store

__all__ = ["EntityQuery", "MatchRequest", "match"]

ID_PROPS = ("isinCode", "leiCode", "ticker", "registrationNumber", "idNumber")
MAX_QUERIES = 1000


class EntityQuery(BaseModel):
    schema_: str = Field("LegalEntity", alias="schema", max_length=50)
    properties: dict[str, list[str]] = Field(default_factory=dict)

    model_config = {"populate_by_name": True}


class MatchRequest(BaseModel):
    queries: dict[str, EntityQuery] = Field(..., max_length=MAX_QUERIES)


def _ftm_schema(kind: str) -> str:
    return {"person": "Person", "vessel": "Vessel", "aircraft": "Airplane"}.get(kind, "Company")


def match(store: Store, dataset: str, req: MatchRequest, limit: int, threshold: float,
          as_of: dt.date | None = None, known_at: dt.datetime | None = None) -> dict[str, Any]:
    """Status (``target``, ``lists``) on ``as_of`` (default today) as known at ``known_at``."""
    responses: dict[str, Any] = {}
    today = as_of or dt.date.today()
    for key, q in req.queries.items():
        props = q.properties
        terms = [v for p in ID_PROPS for v in props.get(p, [])] + list(props.get("name", []))
        terms += list(props.get("alias", []))
        best: dict[str, Any] = {}
        errors: list[str] = []
        for term in terms[:20]:
            try:
                hits = screen(term, today, 0.0, limit, store=store, known_at=known_at)
            except ScreenError as exc:
                errors.append(str(exc))
                continue
            for h in hits:
                cur = best.get(h.entity.id)
                if cur is None or h.score > cur["score"]:
                    ident = h.explanation.get("identifier")
                    best[h.entity.id] = {
                        "id": h.entity.id, "caption": h.entity.name, "schema": _ftm_schema(h.entity.kind),
                        "properties": {"name": [h.entity.name], "alias": h.entity.aliases,
                                       "topics": ["sanction"] if h.status.restricted else []},
                        "datasets": [dataset], "referents": list(h.source_ids), "target": h.status.restricted,
                        "score": h.score, "match": h.score >= threshold,
                        "features": {"identifier_match" if ident else "name_match": h.score},
                        "explanation": h.explanation.get("summary"),
                        "lists": [x.list_id for x in h.status.listings if x.in_force],
                    }
        results = sorted(best.values(), key=lambda r: -r["score"])[:limit]
        status = 400 if not terms or (errors and not results and len(errors) == len(terms[:20])) else 200
        responses[key] = {"status": status, "results": results,
                          "total": {"value": len(results), "relation": "eq"},
                          "query": {"schema": q.schema_, "properties": props}}
        if status != 200:
            responses[key]["detail"] = "; ".join(errors) or "the query has no name or identifier properties"
    return {"responses": responses, "limit": limit}
