"""Response models of the HTTP API (for the OpenAPI document), and the request bodies of the upload routes.

The models name the keys of each JSON answer (the README's JSON contract) and allow more: keys are only
ever added, so a field a newer listwatch adds passes through instead of being cut.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from listwatch.api.limits import MAX_TARGET

__all__ = ["BATCH_BODY", "INGEST_BODY", "NDJSON", "PORTFOLIO_BODY", "ChangesAnswer", "DiffAnswer", "EntityAnswer",
           "Health", "IngestAnswer", "ListsAnswer", "MembersAnswer", "PortfolioAnswer", "Ready", "ScreenAnswer",
           "StatusAnswer", "TimelineAnswer", "document_problems", "problems"]

Rows = list[dict[str, Any]]


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Health(Answer):
    status: str


class Ready(Answer):
    status: str
    data_version: str
    sources: Rows = Field(default=[], description="per updatable source: data_as_of, version, last_attempt, "
                          "last_success, last_change, error (listwatch update)")


class Evidenced(Answer):
    evidence: dict[str, Any] = Field(description="as_of, known_at, replay_known_at, data_version, sources")


class StatusAnswer(Evidenced):
    query: str
    as_of: str
    known_at: str | None
    entity: dict[str, Any] | None
    restricted: bool | None = Field(description="true / false; null when listwatch cannot tell (review)")
    listings: Rows
    effects: Rows
    deadlines: Rows
    suspended_effects: Rows


class ScreenAnswer(Evidenced):
    query: str
    as_of: str
    threshold: float
    results: Rows


class EntityAnswer(Answer):
    id: str
    name: str
    aliases: list[str]
    identifiers: Rows
    children: list[str]


class TimelineAnswer(Evidenced):
    entity: dict[str, Any]
    events: Rows
    effects: Rows


class ListsAnswer(Answer):
    lists: Rows


class MembersAnswer(Evidenced):
    list: str
    as_of: str
    count: int
    offset: int
    limit: int
    members: Rows


class DiffAnswer(Evidenced):
    list: str
    from_: str = Field(alias="from")
    to: str
    added: Rows
    removed: Rows
    amended: Rows


class ChangesAnswer(Answer):
    changes: Rows
    next_cursor: int | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class PortfolioAnswer(Evidenced):
    as_of: str
    rows: Rows


class IngestAnswer(Answer):
    results: Rows
    webhooks: dict[str, str] = Field(description="webhook id -> id of the delivery queued for it (sent by the "
                                     "server's webhook worker, not during this request)")


_FILE = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}


def _body(description: str, **content: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description, "content": {
        k.replace("_", "/", 1).replace("_", "-"): {"schema": v} for k, v in content.items()}}}


PORTFOLIO_BODY = _body("A holdings file: CSV (name and/or isin/ticker, optional quantity) or .xlsx, as the body or "
                       "as the multipart field `file`.", text_csv={"type": "string"},
                       multipart_form_data=_FILE)
BATCH_BODY = _body("Names to screen: JSON {\"queries\": [...]} or a CSV with a `name` column.",
                   application_json={"type": "object", "properties": {"queries": {"type": "array", "items": {
                       "type": "string"}}}, "required": ["queries"]}, text_csv={"type": "string"})
INGEST_BODY = _body("One list file in the format named by ?format=, as the body or the multipart field `file`.",
                    application_octet_stream={"type": "string", "format": "binary"}, multipart_form_data=_FILE)
NDJSON: dict[int | str, dict[str, Any]] = {200: {
    "description": "One JSON object per query (row, query, results or error, evidence).",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "RFC 9457 problem details: what went wrong, in one sentence (`detail`).",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}}}
PROBLEM_TEXT = {
    400: "malformed body: not JSON where JSON is expected, or broken multipart data",
    401: "an API key is required (LISTWATCH_READ_KEYS / LISTWATCH_ADMIN_KEYS) and none valid was sent",
    403: "the admin API is disabled (no LISTWATCH_ADMIN_KEYS)",
    404: "no such entity, list, dataset or name",
    409: "ambiguous name (the candidates are listed), or an update refused by the shrink guard",
    413: "request body or request cost (queries x names) over the limit",
    414: f"request target (path and query string) over {MAX_TARGET:,} bytes",
    422: "invalid input: the detail names the parameter, field or line",
    429: "over the per-key rate limit (Retry-After)",
    503: "server busy: too many requests in flight (Retry-After); /readyz: no screening index yet",
}
EVERY_ROUTE = (413, 414, 422, 429, 503)
ROUTE_PROBLEMS: dict[str, tuple[int, ...]] = {  # beyond EVERY_ROUTE; a read route answers 401 when keys are set
    "/v1/status": (401, 404, 409), "/v1/screen": (401, 404), "/v1/screen/batch": (401, 404),
    "/match/{dataset}": (400, 401, 404), "/search/{dataset}": (401, 404), "/catalog": (401,), "/algorithms": (401,),
    "/v1/entities/{entity_id}": (401, 404), "/v1/entities/{entity_id}/timeline": (401, 404),
    "/v1/lists": (401,), "/v1/lists/{list_id}/members": (401, 404), "/v1/lists/{list_id}/diff": (401, 404),
    "/v1/changes": (401,), "/v1/portfolio": (400, 401, 404, 409), "/v1/ingest": (400, 401, 403, 409),
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for error statuses, each ``application/problem+json`` as the API sends them."""
    return {code: {"description": PROBLEM_TEXT[code], "content": {"application/problem+json": {
        "schema": PROBLEM_SCHEMA}}} for code in codes}


# What the HTTP server answers, before the application sees anything, to a request it cannot parse (a URL over
# its parser's limit, 64 KiB with httptools, or request line and headers over 16 KiB with h11; broken syntax).
UNPARSABLE: dict[str, Any] = {
    "description": "the HTTP server could not parse the request (text/plain, from the server itself)",
    "content": {"text/plain": {"schema": {"type": "string"}}}}


def document_problems(routes: list[Any]) -> None:
    """Declare on every API route the error statuses it may answer (replacing FastAPI's JSON 422)."""
    for route in routes:
        if getattr(route, "include_in_schema", False) and hasattr(route, "responses"):
            merged = problems(*EVERY_ROUTE, *ROUTE_PROBLEMS.get(route.path, ()))
            body_400 = merged.get(400)
            merged[400] = UNPARSABLE if body_400 is None else {
                "description": f"{body_400['description']}; or {UNPARSABLE['description']}",
                "content": {**body_400["content"], **UNPARSABLE["content"]}}
            for code, own in route.responses.items():  # a route's own answer for a status joins the problem one
                common = merged.get(code, {})
                merged[code] = {**common, **own, "content": {**common.get("content", {}), **own.get("content", {})}}
            route.responses = merged
