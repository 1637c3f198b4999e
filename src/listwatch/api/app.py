"""The HTTP API (FastAPI). Each route parses its input, makes one library call and returns the same
JSON as the CLI's ``--json``. Errors are ``application/problem+json`` with a clear ``detail``;
no stack trace ever reaches a client.

Settings come from the environment: ``LISTWATCH_DATABASE_URL`` / ``LISTWATCH_HOME`` (the store),
``LISTWATCH_ADMIN_KEYS`` (required for ingest), ``LISTWATCH_READ_KEYS`` (optional: if set, every
read endpoint needs one), ``LISTWATCH_MAX_BODY`` (bytes, default 20 MB). Keys are kept only as
SHA-256 hashes (an entry may already be given as ``sha256:<hex>``) and compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from listwatch import history, report, webhooks, yente
from listwatch import status as engine
from listwatch.api import models as m
from listwatch.api.access import Keys
from listwatch.api.docs import mount_docs
from listwatch.api.limits import BodyLimit, BodyTooLarge, NoNul, Shed, check_cost
from listwatch.api.yente import (
    AlgorithmsResponse,
    CatalogResponse,
    MatchRequest,
    MatchResponse,
    SearchResponse,
)
from listwatch.dataset import DatasetError
from listwatch.dates import DateInputError, parse_day, parse_record_time
from listwatch.evidence import evidence, listwatch_version, with_evidence
from listwatch.freshness import freshness
from listwatch.ingest import FORMATS, IngestError, IngestResult, ShrinkRefused, ingest
from listwatch.match.shortlist import load_numpy
from listwatch.portfolio import PortfolioError, check_portfolio, checked_json, read_holdings
from listwatch.resolve import Ambiguous, NotFound, resolve
from listwatch.screen import DEFAULT_THRESHOLD, INDEX, MAX_QUERY, ScreenError, ScreenFilter, screen, screen_index
from listwatch.store.db import Store, open_store
from listwatch.update import Scheduler, parse_from, parse_interval, source_status, update
from listwatch.web.views import LoginRequired, on_login_required, static_files
from listwatch.web.views import router as web_router

__all__ = ["Problem", "create_app", "problem_response"]

log = logging.getLogger("listwatch.api")
PROBLEM = "application/problem+json"
MAX_PAGE = 1000
MAX_ID = 2**31 - 1  # row ids are 32-bit integers on every backend
_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may escape them ("\\ud800"); no UTF-8 answer can carry one


Q = Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="name, alias or identifier")]
AsOf = Annotated[str | None, Query(max_length=10, description="legal date YYYY-MM-DD (default today)")]
Limit = Annotated[int, Query(ge=1, le=100)]
Threshold = Annotated[float, Query(ge=0.0, le=1.0)]
Stamp = Annotated[str | None, Query(max_length=40, description="ISO 8601 record time")]
ApiKey = Annotated[str | None, Header(max_length=200)]
Ids = Annotated[list[str], Query(max_length=1000)]


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
                        status_code=status, media_type=PROBLEM)


def _day(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.today() if value is None else parse_day(value, name)
    except DateInputError as exc:
        raise Problem(422, "Invalid date", str(exc)) from None


def _ts(value: str | None, name: str) -> dt.datetime | None:
    try:
        return None if value is None else parse_record_time(value, name)
    except DateInputError as exc:
        raise Problem(422, "Invalid timestamp", str(exc)) from None


def create_app(url: str | None = None) -> FastAPI:
    store_box: dict[str, Store] = {}
    opening = threading.Lock()
    max_body = int(os.environ.get("LISTWATCH_MAX_BODY", str(20 * 1024 * 1024)))
    keys = Keys.from_env()

    poll = float(os.environ.get("LISTWATCH_WEBHOOKS_POLL", "5"))
    every = os.environ.get("LISTWATCH_UPDATE_EVERY")
    interval = parse_interval(every) if every else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """``LISTWATCH_UPDATE_EVERY`` (``serve --update-every``): update in a background thread, from the
        base URLs in ``LISTWATCH_UPDATE_FROM`` (``SOURCE=URL,...``, ``serve --from``) where given."""
        bases = parse_from([v for v in os.environ.get("LISTWATCH_UPDATE_FROM", "").split(",") if v.strip()])
        prewarm()  # /readyz answers "not ready" until the first index is there
        # the webhook outbox's sender: every LISTWATCH_WEBHOOKS_POLL seconds (0: none), and at once after an
        # ingest or update here
        deliverer = Scheduler(lambda: webhooks.deliver_due(store()), poll, "webhook delivery") if poll > 0 else None

        def update_then_deliver() -> None:
            update(store(), bases=bases)
            if deliverer:
                deliverer.wake()

        scheduler = Scheduler(update_then_deliver, interval) if interval else None
        app.state.scheduler, app.state.deliverer = scheduler, deliverer
        for job in (scheduler, deliverer):
            if job:
                job.start()
        yield
        for job in (scheduler, deliverer):
            if job:
                job.stop()

    app = FastAPI(title="listwatch", version=listwatch_version(), docs_url=None, redoc_url=None,
                  lifespan=lifespan, description=(
        "Is this company restricted by a US government list - on which date, in what way, since when? "
        "Every answer carries its citations."))
    app.add_middleware(BodyLimit, limit=max_body, own_message=("/portfolio",))
    app.add_middleware(NoNul)
    app.add_middleware(Shed)  # outermost: refuses before anything is read
    app.mount("/static", static_files(), name="static")
    mount_docs(app)

    def store() -> Store:
        with opening:  # the prewarm and webhook threads may ask at the same time as the first request
            if "s" not in store_box:
                st = open_store(url)
                st.serve_stale = True  # after an ingest, answer with the old index while the new one is built
                store_box["s"] = st
        return store_box["s"]

    def prewarm() -> None:
        """Build (or swap in) the screening index off the request path: one thread, however many ask; numpy
        too (:func:`~listwatch.match.shortlist.load_numpy`)."""
        def warm() -> None:
            load_numpy()
            screen_index(store())

        threading.Thread(target=warm, name="index-prewarm", daemon=True).start()

    def reader(request: Request, x_api_key: ApiKey = None) -> None:
        if not keys.can_read(x_api_key, request.cookies):
            raise Problem(401, "API key required", "this server requires an X-API-Key (or the web login) for reading")

    def admin(x_api_key: ApiKey = None) -> None:
        if not keys.admin:
            raise Problem(403, "Admin API disabled", "set LISTWATCH_ADMIN_KEYS to enable admin endpoints")
        if not keys.is_admin(x_api_key):
            raise Problem(401, "Admin API key required", "a valid admin X-API-Key is required")

    app.add_exception_handler(LoginRequired, on_login_required)

    @app.exception_handler(Problem)
    async def _onproblem_response(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail)

    @app.exception_handler(BodyTooLarge)
    async def _on_too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem_response(413, "Request body too large", str(exc.detail))

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, "HTTP error", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem_response(422, "Invalid request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(NotFound)
    async def _on_not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem_response(404, "Not found", str(exc))

    @app.exception_handler(Ambiguous)
    async def _on_ambiguous(_: Request, exc: Ambiguous) -> JSONResponse:
        return problem_response(409, "Ambiguous name", str(exc))

    @app.exception_handler(ShrinkRefused)
    async def _on_shrink(_: Request, exc: ShrinkRefused) -> JSONResponse:
        return problem_response(409, "Update refused by the shrink guard", str(exc))

    for bad_input in (ScreenError, PortfolioError, IngestError, DatasetError):
        @app.exception_handler(bad_input)
        async def _on_bad_input(_: Request, exc: Exception) -> JSONResponse:
            return problem_response(422, "Unprocessable input", str(exc))

    @app.exception_handler(Exception)
    async def _on_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error: %s: %s", type(exc).__name__, exc)
        return problem_response(500, "Internal error", "the server could not answer; the error was logged")

    Read = Depends(reader)

    @app.get("/healthz", tags=["ops"], response_model=m.Health)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], response_model=m.Ready,
             responses={503: {"description": "not ready: no screening index exists yet (it is being built)",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}}})
    def readyz() -> JSONResponse:
        """Ready while a screening index exists, even a stale one being rebuilt (see Store.derived)."""
        st = store()
        if not st.has_derived(INDEX):
            prewarm()
            return JSONResponse(jsonable_encoder({"status": "not ready", "data_version": st.data_version(),
                                                  "sources": source_status(st)}),
                                status_code=503, headers={"retry-after": "5"})
        return JSONResponse(jsonable_encoder({"status": "ready", "data_version": st.data_version(),
                                              "sources": source_status(st)}))

    @app.get("/v1/status", dependencies=[Read], tags=["registry"], response_model=m.StatusAnswer)
    def get_status(q: Q, as_of: AsOf = None, known_at: Stamp = None) -> Any:
        st, day, known = store(), _day(as_of, "as_of"), _ts(known_at, "known_at")
        try:
            entity = resolve(st, q, known)
        except Ambiguous as exc:
            return problem_response(409, "Ambiguous name", str(exc),
                                    candidates=report.candidates_json(st, exc.candidates, day, known))
        return with_evidence(report.status_json(st, engine.status(st, entity, day, known, query=q)),
                             st, day, known)

    def _filters(lists: list[str], countries: list[str], schemas: list[str]) -> ScreenFilter | None:
        return ScreenFilter(tuple(lists), tuple(countries), tuple(schemas)) or None

    @app.get("/v1/screen", dependencies=[Read], tags=["screening"], response_model=m.ScreenAnswer,
             description="`list` (on it on `as_of`), `country` (ISO alpha-2) and `schema` (company, person, vessel, "
                         "aircraft) keep only some hits; each may repeat.")
    def get_screen(q: Q, as_of: AsOf = None, known_at: Stamp = None,
                   threshold: Threshold = DEFAULT_THRESHOLD,
                   limit: Limit = 10, list_: Annotated[list[str], Query(alias="list", max_length=50)] = [],  # noqa: B006
                   country: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
                   schema: Annotated[list[str], Query(max_length=4)] = []) -> dict[str, Any]:  # noqa: B006
        st, day, known = store(), _day(as_of, "as_of"), _ts(known_at, "known_at")
        hits = screen(q, day, threshold, limit, store=st, known_at=known, filters=_filters(list_, country, schema))
        return with_evidence({"query": q, "as_of": day.isoformat(), "threshold": threshold,
                              "results": [h.as_json() for h in hits]}, st, day, known)

    @app.post("/v1/screen/batch", dependencies=[Read], tags=["screening"], openapi_extra=m.BATCH_BODY,
              response_class=StreamingResponse, responses=m.NDJSON,
              description="JSON {\"queries\": [...]} or a CSV body with a `name` column; answers JSON Lines.")
    async def post_batch(request: Request, as_of: AsOf = None, known_at: Stamp = None,
                         threshold: Threshold = DEFAULT_THRESHOLD, limit: Limit = 5,
                         list_: Annotated[list[str], Query(alias="list", max_length=50)] = [],  # noqa: B006
                         country: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
                         schema: Annotated[list[str], Query(max_length=4)] = []) -> StreamingResponse:  # noqa: B006
        body = await request.body()
        if len(body) > max_body:
            raise Problem(413, "Request body too large", f"body is over the {max_body:,}-byte limit")
        queries = _batch_queries(body, request.headers.get("content-type", ""))
        check_cost(len(queries), "batch")
        day, known = _day(as_of, "as_of"), _ts(known_at, "known_at")
        st = store()
        filters = _filters(list_, country, schema)
        if filters:
            filters.check_lists(st)
        proof = evidence(st, day, known)

        def lines() -> Iterator[str]:
            for n, q in enumerate(queries, start=1):
                try:
                    hits = screen(q, day, threshold, limit, store=st, known_at=known, filters=filters)
                    row: dict[str, Any] = {"row": n, "query": q, "results": [h.as_json() for h in hits]}
                except ScreenError as exc:
                    row = {"row": n, "query": q, "error": str(exc)}
                yield json.dumps({**row, "evidence": proof}, ensure_ascii=False) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.exception_handler(yente.YenteError)
    async def _on_yente(_: Request, exc: yente.YenteError) -> JSONResponse:
        return problem_response(exc.status, exc.title, str(exc))

    def yente_params(request: Request) -> None:
        """Refuse a query parameter the yente route does not take (never ignore one)."""
        todo, accepted = [request.scope["route"].dependant], []
        while todo:  # the route's own query parameters and those of its dependencies
            d = todo.pop()
            accepted += [p.alias for p in d.query_params]
            todo += d.dependencies
        yente.check_params(request.query_params, accepted)

    YenteParams = Depends(yente_params)

    @app.post("/match/{dataset}", dependencies=[Read, YenteParams], tags=["yente"], response_model=MatchResponse,
              response_model_by_alias=True,
              description="OpenSanctions yente-compatible matching. `dataset`: `default` (every list) or a list id "
                          "(see /catalog). Properties may be a string or a list. A bad query is a 422 for the "
                          "whole request. `fuzzy` is accepted for yente clients; listwatch always forgives typos.")
    def post_match(dataset: str, body: MatchRequest, limit: Limit = 5, threshold: Threshold = DEFAULT_THRESHOLD,
                   cutoff: Threshold = 0.5, algorithm: Annotated[str, Query(max_length=50)] = yente.ALGORITHM,
                   topics: Ids = [], exclude_entity_ids: Ids = [], exclude_schema: Ids = [],  # noqa: B006
                   changed_since: Stamp = None, as_of: AsOf = None, known_at: Stamp = None,
                   fuzzy: bool = False, include_dataset: Ids = [], exclude_dataset: Ids = []  # noqa: B006
                   ) -> dict[str, Any]:
        st, day, known = store(), _day(as_of, "as_of"), _ts(known_at, "known_at")
        params = yente.MatchParams(limit, threshold, min(cutoff, threshold), algorithm, tuple(topics),
                                   tuple(exclude_entity_ids), tuple(exclude_schema),
                                   _ts(changed_since, "changed_since"), day, known, body.weights,
                                   tuple(include_dataset), tuple(exclude_dataset))
        queries = {k: q.model_dump(by_alias=True) for k, q in body.queries.items()}
        check_cost(yente.cost(queries), f"{len(queries):,} queries")
        return with_evidence(yente.match(st, dataset, queries, params), st, day, known)

    @app.get("/search/{dataset}", dependencies=[Read, YenteParams], tags=["yente"], response_model=SearchResponse,
             response_model_by_alias=True, description="yente-compatible text search, filtered by schema, "
             "countries and topics.")
    def get_search(dataset: str, q: Q, schema: Annotated[str | None, Query(max_length=50)] = None,
                   countries: Ids = [], topics: Ids = [],  # noqa: B006
                   limit: Limit = 10, offset: Annotated[int, Query(ge=0, le=1000)] = 0, as_of: AsOf = None,
                   known_at: Stamp = None, include_dataset: Ids = [], exclude_dataset: Ids = []  # noqa: B006
                   ) -> dict[str, Any]:
        st, day, known = store(), _day(as_of, "as_of"), _ts(known_at, "known_at")
        return with_evidence(yente.search(st, dataset, q, schema, countries, topics, limit, offset, day, known,
                                          tuple(include_dataset), tuple(exclude_dataset)), st, day, known)

    @app.get("/catalog", dependencies=[Read], tags=["yente"], response_model=CatalogResponse,
             description="The datasets: one per list and the `default` collection.")
    def get_catalog() -> dict[str, Any]:
        return yente.catalog(store())

    @app.get("/algorithms", dependencies=[Read], tags=["yente"], response_model=AlgorithmsResponse)
    def get_algorithms() -> dict[str, Any]:
        return yente.algorithms()

    @app.get("/v1/entities/{entity_id}", dependencies=[Read], tags=["registry"], response_model=m.EntityAnswer)
    def get_entity(entity_id: str) -> dict[str, Any]:
        st = store()
        e = st.entity(entity_id)
        if e is None:
            raise Problem(404, "Not found", f"no entity with id {entity_id!r}")
        return with_evidence({**report.entity_json(e), "children": st.children(e.id)}, st, None, None)

    @app.get("/v1/entities/{entity_id}/timeline", dependencies=[Read], tags=["registry"],
             response_model=m.TimelineAnswer)
    def get_timeline(entity_id: str, known_at: Stamp = None) -> dict[str, Any]:
        st, known = store(), _ts(known_at, "known_at")
        e = st.entity(entity_id, known)
        if e is None:
            raise Problem(404, "Not found", f"no entity with id {entity_id!r}")
        return with_evidence(report.timeline_json(st, history.timeline(st, e, known)), st, None, known)

    @app.get("/v1/lists", dependencies=[Read], tags=["lists"], response_model=m.ListsAnswer)
    def get_lists() -> dict[str, Any]:
        st = store()
        return with_evidence(report.lists_json(st.lists(), None, freshness(st)), st, None, None)

    def _list(list_id: str) -> None:
        if store().list_def(list_id) is None:
            raise Problem(404, "Not found", f"no list with id {list_id!r}")

    @app.get("/v1/lists/{list_id}/members", dependencies=[Read], tags=["lists"], response_model=m.MembersAnswer)
    def get_members(list_id: str, as_of: AsOf = None, known_at: Stamp = None,
                    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> dict[str, Any]:
        _list(list_id)
        st, day, known = store(), _day(as_of, "as_of"), _ts(known_at, "known_at")
        ms = history.members(st, list_id, day, known)
        data = report.members_json(list_id, day, ms[offset:offset + limit])
        return with_evidence({**data, "count": len(ms), "offset": offset, "limit": limit,
                              "next_offset": offset + limit if offset + limit < len(ms) else None}, st, day, known)

    @app.get("/v1/lists/{list_id}/diff", dependencies=[Read], tags=["lists"], response_model=m.DiffAnswer,
             response_model_by_alias=True)
    def get_diff(list_id: str, from_: Annotated[str, Query(alias="from", max_length=10)],
                 to: Annotated[str, Query(max_length=10)], known_at: Stamp = None) -> dict[str, Any]:
        _list(list_id)
        start, end = _day(from_, "from"), _day(to, "to")
        if end < start:
            raise Problem(422, "Invalid range", f"to {to} is before from {from_}")
        st, known = store(), _ts(known_at, "known_at")
        return with_evidence(report.diff_json(history.diff(st, list_id, start, end, known)), st, end, known)

    @app.get("/v1/changes", dependencies=[Read], tags=["lists"], response_model=m.ChangesAnswer)
    def get_changes(since: Stamp = None, cursor: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                    list_id: Annotated[str | None, Query(alias="list", max_length=100)] = None) -> dict[str, Any]:
        st = store()
        after = _ts(since, "since")
        events, next_cursor = engine.changes_page(st, after, list_id, cursor, limit)
        return with_evidence({**report.changes_json(st, events, st.retractions_since(after, list_id)
                                                    if cursor == 0 else []),
                              "next_cursor": next_cursor}, st, None, None)

    @app.post("/v1/portfolio", dependencies=[Read], tags=["portfolio"], response_model=m.PortfolioAnswer,
              openapi_extra=m.PORTFOLIO_BODY,
              description="A holdings CSV as the request body (text/csv) or as a multipart file field `file`.")
    async def post_portfolio(request: Request, as_of: AsOf = None, known_at: Stamp = None) -> dict[str, Any]:
        raw = await _upload(request, max_body)
        day, known = _day(as_of, "as_of"), _ts(known_at, "known_at")
        holdings = read_holdings(raw, "upload")
        st = store()
        rows = [checked_json(st, c) for c in check_portfolio(st, holdings, day, known)]
        return with_evidence({"as_of": day.isoformat(), "rows": rows}, st, day, known)

    @app.post("/v1/ingest", dependencies=[Depends(admin)], tags=["admin"], response_model=m.IngestAnswer,
              openapi_extra=m.INGEST_BODY,
              description="Admin: ingest one list file (body or multipart `file`) of ?format=.")
    async def post_ingest(request: Request, format: Annotated[str, Query()],
                          filename: Annotated[str, Query(max_length=200)] = "upload",
                          as_of: AsOf = None,
                          allow_shrink: Annotated[bool, Query(description="accept a version that removes more of "
                                                              "a source than the shrink guard allows (logged)")]
                          = False) -> dict[str, Any]:
        if format not in FORMATS or format == "ofac-csv":
            raise Problem(422, "Unsupported format", "format must be one of csl, ofac-xml, ftm, bis-dpl "
                          "(a single file; ofac-csv needs its companion files: use the CLI)")
        raw = await _upload(request, max_body)
        day = _day(as_of, "as_of") if as_of else None
        name = Path(filename).name or "upload"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(raw)
            st = store()

            def run() -> tuple[list[IngestResult], dict[int, str]]:
                return ingest(st, format, [path], day, allow_shrink=allow_shrink), st.queued_deliveries()

            results, queued = await run_in_threadpool(run)
        st.forget()
        prewarm()  # the new index is built once, off the request path, and swapped in
        if queued and (deliverer := getattr(app.state, "deliverer", None)):
            deliverer.wake()  # sent by the worker thread: this request does not wait for receivers
        return report.ingest_json(results, queued)

    app.include_router(web_router(store, max_body, keys))
    m.document_problems(app.routes)
    return app


async def _upload(request: Request, limit: int) -> bytes:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        f = form.get("file")
        if f is None or isinstance(f, str):
            raise Problem(422, "No file", "send the CSV as a multipart field named 'file' or as the request body")
        raw = await f.read()
    else:
        raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, "Request body too large", f"upload of {len(raw):,} bytes is over the {limit:,}-byte limit")
    return bytes(raw)


def _batch_queries(body: bytes, ctype: str) -> list[str]:
    if "json" in ctype:
        try:
            doc = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Problem(422, "Invalid JSON", f"body is not JSON: {exc}") from exc
        except RecursionError:
            raise Problem(422, "Invalid JSON", "body is nested too deeply") from None
        qs = doc.get("queries") if isinstance(doc, dict) else None
        if not isinstance(qs, list) or not all(isinstance(q, str) for q in qs):
            raise Problem(422, "Invalid batch", "expected {\"queries\": [\"name\", ...]}")
        for n, q in enumerate(qs, start=1):
            if _SURROGATE.search(q):
                raise Problem(422, "Invalid batch", f"queries row {n}: a lone surrogate escape is not Unicode text")
        return qs
    rows = read_holdings(body, "batch")
    return [r.name for r in rows]
