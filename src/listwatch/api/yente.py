"""Request and response models of the yente-compatible routes (the logic is :mod:`listwatch.yente`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CatalogResponse", "EntityQuery", "MatchRequest", "MatchResponse", "SearchResponse", "YenteEntity"]

MAX_QUERIES = 1000


class EntityQuery(BaseModel):
    schema_: str = Field("LegalEntity", alias="schema", max_length=50,
                         description="FollowTheMoney schema: Person, Company, Organization, LegalEntity, Vessel...")
    properties: dict[str, str | list[str]] = Field(default_factory=dict,
                                                   description="property -> a value or a list of values")
    model_config = ConfigDict(populate_by_name=True, extra="allow")


class MatchRequest(BaseModel):
    queries: dict[str, EntityQuery] = Field(..., max_length=MAX_QUERIES)
    weights: dict[str, float] = Field(default_factory=dict, description="refused unless empty: no adjustable "
                                      "weights")
    model_config = ConfigDict(extra="allow")


class YenteEntity(BaseModel):
    """A FollowTheMoney entity as yente returns it, with listwatch's status on the date asked."""

    id: str
    schema_: str = Field(alias="schema")
    caption: str
    properties: dict[str, list[str]]
    datasets: list[str]
    referents: list[str]
    target: bool
    first_seen: str | None
    last_seen: str | None
    last_change: str | None
    listwatch: dict[str, Any] = Field(description="as_of, known_at, restricted, lists in force")
    evidence: dict[str, Any] | None = None
    model_config = ConfigDict(populate_by_name=True, extra="allow")


class FeatureResult(BaseModel):
    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None


class ScoredEntity(YenteEntity):
    score: float
    match: bool
    features: dict[str, float]
    explanations: dict[str, FeatureResult]


class Total(BaseModel):
    value: int
    relation: str


class QueryResponse(BaseModel):
    status: int
    results: list[ScoredEntity]
    total: Total
    query: dict[str, Any]


class MatchResponse(BaseModel):
    responses: dict[str, QueryResponse]
    matcher: dict[str, Any]
    limit: int
    evidence: dict[str, Any] = Field(description="what the answer rests on (listwatch.evidence)")


class SearchResponse(BaseModel):
    results: list[ScoredEntity]
    total: Total
    limit: int
    offset: int
    facets: dict[str, Any]
    evidence: dict[str, Any]


class CatalogResponse(BaseModel):
    datasets: list[dict[str, Any]]
    current: list[str]
    outdated: list[str]
    index_stale: bool
    sources: list[dict[str, Any]] = []  # listwatch: per source, its last update (see listwatch.update)


class AlgorithmsResponse(BaseModel):
    algorithms: list[dict[str, Any]]
    default: str
    best: str
