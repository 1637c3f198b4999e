"""Web pages. Each view makes the same library call as its JSON endpoint and renders a template."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from listwatch import history, report, yente
from listwatch import status as engine
from listwatch.api.access import Keys
from listwatch.api.limits import BodyTooLarge
from listwatch.dates import DateInputError, parse_day, parse_record_time
from listwatch.evidence import evidence, with_evidence
from listwatch.freshness import freshness
from listwatch.portfolio import PortfolioError, check_portfolio, checked_json, read_holdings
from listwatch.screen import SCHEMAS, ScreenError, ScreenFilter, screen
from listwatch.store.db import Store
from listwatch.web import login
from listwatch.web.cite import download, linkify
from listwatch.web.login import LoginRequired, page_guard
from listwatch.web.timeline_svg import render

__all__ = ["LoginRequired", "on_login_required", "router", "static_files"]

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["cite"] = linkify
PAGE = 100  # members per page
Format = Annotated[Literal["html", "csv", "json"], Query(alias="format")]
# Search filters in the URL, repeatable (``?list=a&list=b``), as ``/v1/screen`` takes them.
ListParam = Annotated[list[str], Query(alias="list", max_length=50)]
CountryParam = Annotated[list[str], Query(max_length=50)]
SchemaParam = Annotated[list[str], Query(max_length=4)]
RESULTS_KEPT = 50
RESULT_SECONDS = 3600
PORTFOLIO_COLUMNS = ["row", "name", "isin", "ticker", "quantity", "matched_by", "entity_id", "entity_name",
                     "restricted", "effects", "deadlines", "action", "match", "candidates", "action_citations"]


def _filters(lists: list[str], countries: list[str], schemas: list[str]) -> dict[str, list[str]]:
    """The filters a page was given, blanks (a form's "any" choice) left out."""
    return {k: [v.strip() for v in vs if v.strip()] for k, vs in (("list", lists), ("country", countries),
                                                                  ("schema", schemas))}


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(HERE / "static"))


def _known(value: str | None) -> dt.datetime | None:
    """A page's record time (``known_at``); an unreadable one means everything known now."""
    try:
        return parse_record_time(value, "known_at") if value else None
    except DateInputError:
        return None


def _day(value: str | None) -> dt.date:
    """A page's date field; a missing or unreadable one shows today (the field then says so)."""
    try:
        return parse_day(value, "date") if value else dt.date.today()
    except DateInputError:
        return dt.date.today()


class _Results:
    """Recent portfolio results kept briefly in memory, so the page can offer a CSV download."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def put(self, text: str) -> str:
        token = secrets.token_urlsafe(16)
        self._items[token] = (time.monotonic(), text)
        while len(self._items) > RESULTS_KEPT:
            self._items.popitem(last=False)
        return token

    def get(self, token: str) -> str | None:
        item = self._items.get(token)
        if item is None or time.monotonic() - item[0] > RESULT_SECONDS:
            return None
        return item[1]


def _portfolio_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=PORTFOLIO_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({"row": r["row"], "name": r["name"], "isin": r["isin"], "ticker": r["ticker"],
                    "quantity": r["quantity"], "matched_by": r["matched_by"] or "",
                    "entity_id": r["entity"]["id"] if r["entity"] else "",
                    "entity_name": r["entity"]["name"] if r["entity"] else "",
                    "restricted": "unknown" if r["restricted"] is None else r["restricted"],
                    "effects": ";".join(e["kind"] for e in r["effects"]),
                    "deadlines": ";".join(f"{d['effect']} {d['change']} {d['date']}" for d in r["deadlines"]),
                    "action": r["action"], "match": r["match"],
                    "candidates": ";".join(f"{c['id']} {c['score']:.2f}" for c in r["candidates"]),
                    "action_citations": " | ".join(r["action_citations"])})
    return buf.getvalue()


def router(store: Callable[[], Store], max_body: int, keys: Keys) -> APIRouter:
    """The pages (each behind the access rule, see :mod:`listwatch.web.login`) and the login form."""
    r = APIRouter(include_in_schema=False, dependencies=[Depends(page_guard(keys))])
    results = _Results()

    def _search(st: Store, q: str, day: dt.date, known: dt.datetime | None, filters: dict[str, list[str]],
                ctx: dict[str, Any]) -> None:
        """The hits of a search page (or its print view) into ``ctx``, or the error saying why there are none."""
        try:
            keep = ScreenFilter(tuple(filters["list"]), tuple(filters["country"]), tuple(filters["schema"]))
            keep.check_lists(st)
            ctx["hits"] = [h.as_json() for h in screen(q[:500], day, 0.5, 10, store=st, known_at=known,
                                                       filters=keep or None)]
        except ScreenError as exc:
            ctx["error"] = str(exc)

    @r.get("/", response_class=HTMLResponse)
    def search_page(request: Request, q: str = "", as_of: str | None = None, known_at: str | None = None,
                    fmt: Format = "html", list_: ListParam = [],  # noqa: B006
                    country: CountryParam = [], schema: SchemaParam = []) -> Response:  # noqa: B006
        """Results rendered on the server (no JavaScript needed); the URL carries query, date, record time and
        the filters (``list``, ``country``, ``schema``, as on ``/v1/screen``)."""
        st, day, known = store(), _day(as_of), _known(known_at)
        filters = _filters(list_, country, schema)
        ctx: dict[str, Any] = {"q": q[:500], "as_of": day.isoformat(), "known_at": known_at or "", "hits": None,
                               "filters": filters, "filter_qs": urlencode([(k, v) for k, vs in filters.items()
                                                                           for v in vs]),
                               "lists": st.lists(), "schemas": SCHEMAS}
        if q.strip():
            _search(st, q, day, known, filters, ctx)
            ctx["evidence"] = evidence(st, day, known)
        if fmt != "html":
            return download(ctx["hits"] or [], ["score", "entity", "matched_name", "restricted", "lists", "effects",
                                                "source_ids"], fmt, "listwatch-search",
                            {"query": q, "as_of": day.isoformat(), "filters": filters,
                             "evidence": ctx.get("evidence")})
        return templates.TemplateResponse(request, "search.html", ctx)

    @r.get("/entities/{entity_id}", response_class=HTMLResponse)
    def entity_page(request: Request, entity_id: str, as_of: str | None = None, known_at: str | None = None,
                    fmt: Format = "html") -> Response:
        st, day, known = store(), _day(as_of), _known(known_at)
        e = st.entity(entity_id, known)
        if e is None:
            return templates.TemplateResponse(request, "search.html", {"q": "", "as_of": _day(None).isoformat()},
                                              status_code=404)
        if fmt == "html" and "text/html" not in request.headers.get("accept", ""):
            # yente clients (nomenklatura's enricher) read /entities/{id} as JSON; browsers get the page.
            return JSONResponse(with_evidence(yente.entity(st, e.id, day, known), st, day, known))
        tl = report.timeline_json(st, history.timeline(st, e, known))
        if fmt != "html":
            return download(tl["events"], ["date", "list", "type", "listed_as", "note", "source"], fmt,
                            f"listwatch-{e.id}-events", {"entity": tl["entity"], "effects": tl["effects"],
                                                         "evidence": evidence(st, day, known)})
        return templates.TemplateResponse(request, "entity.html", {"known_at": known_at or "",
            "e": report.entity_json(e), "status": report.status_json(st, engine.status(st, e, day, known)), "tl": tl,
            "svg": render(tl, dt.date.today()), "children": st.children(e.id)})

    @r.get("/print", response_class=HTMLResponse)
    def print_page(request: Request, q: str = "", entity: str = "", as_of: str | None = None,
                   known_at: str | None = None, list_: ListParam = [],  # noqa: B006
                   country: CountryParam = [], schema: SchemaParam = []) -> Response:  # noqa: B006
        """A page to file: an entity's status and story, or a search's results, with the evidence record
        (as_of, known_at, data version, sources) and the time it was printed."""
        st, day, known = store(), _day(as_of), _known(known_at)
        ctx: dict[str, Any] = {"q": q[:500], "as_of": day.isoformat(), "known_at": known_at or "",
                               "evidence": evidence(st, day, known), "hits": None, "e": None,
                               "printed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                               "url": str(request.url)}
        e = st.entity(entity, known) if entity else None
        if e is not None:
            ctx.update(e=report.entity_json(e), status=report.status_json(st, engine.status(st, e, day, known)),
                       tl=report.timeline_json(st, history.timeline(st, e, known)))
        elif q.strip():
            _search(st, q, day, known, _filters(list_, country, schema), ctx)
        else:
            ctx["error"] = "Nothing to print: give ?q= (a search) or ?entity= (an entity id)."
        return templates.TemplateResponse(request, "print.html", ctx, status_code=200 if "error" not in ctx
                                          or ctx["hits"] is not None else 404)

    @r.get("/lists", response_class=HTMLResponse)
    def lists_page(request: Request) -> HTMLResponse:
        st = store()
        return templates.TemplateResponse(request, "lists.html", {"lists": st.lists(), "fresh": freshness(st)})

    def _list_page(request: Request, list_id: str, as_of: str | None, diff: dict[str, Any] | None,
                   frm: str, to: str, offset: int = 0, fmt: str = "html") -> Response:
        st = store()
        if st.list_def(list_id) is None:
            return templates.TemplateResponse(request, "lists.html", {"lists": st.lists(), "fresh": freshness(st)},
                                              status_code=404)
        day = _day(as_of)
        members = None if diff else report.members_json(list_id, day, history.members(st, list_id, day))
        if fmt != "html":
            if diff:
                rows = [{**m, "change": k} for k in ("added", "removed", "amended") for m in diff[k]]
                return download(rows, ["change", "id", "name", "listed_as", "since", "until"], fmt,
                                f"listwatch-{list_id}-diff-{frm}-{to}", {"list": list_id, "from": frm, "to": to})
            assert members is not None
            return download(members["members"], ["id", "name", "listed_as", "since", "in_force"], fmt,
                            f"listwatch-{list_id}-{day}", {"list": list_id, "as_of": day.isoformat(),
                                                           "evidence": evidence(st, day, None)})
        page = None
        if members is not None:
            total = len(members["members"])
            offset = min(max(offset, 0), max(total - 1, 0))
            members = {**members, "members": members["members"][offset:offset + PAGE]}
            page = {"offset": offset, "total": total, "prev": max(offset - PAGE, 0) if offset else None,
                    "next": offset + PAGE if offset + PAGE < total else None, "last": offset + len(members["members"])}
        return templates.TemplateResponse(request, "list.html", {
            "list_id": list_id, "as_of": day.isoformat(), "members": members, "diff": diff, "frm": frm, "to": to,
            "page": page, "fresh": freshness(st).get(list_id), "list": st.list_def(list_id)})

    @r.get("/lists/{list_id}", response_class=HTMLResponse)
    def list_page(request: Request, list_id: str, as_of: str | None = None,
                  offset: Annotated[int, Query(ge=0, le=10**7)] = 0, fmt: Format = "html") -> Response:
        today = dt.date.today()
        return _list_page(request, list_id, as_of, None, (today - dt.timedelta(days=30)).isoformat(),
                          today.isoformat(), offset, fmt)

    @r.get("/lists/{list_id}/diff", response_class=HTMLResponse)
    def diff_page(request: Request, list_id: str, to: str | None = None, fmt: Format = "html") -> Response:
        frm = request.query_params.get("from")
        start, end = _day(frm), _day(to)
        start, end = min(start, end), max(start, end)
        st = store()
        if st.list_def(list_id) is None:
            return _list_page(request, list_id, None, None, "", "")
        d = report.diff_json(history.diff(st, list_id, start, end))
        return _list_page(request, list_id, None, d, start.isoformat(), end.isoformat(), 0, fmt)

    @r.get("/portfolio", response_class=HTMLResponse)
    def portfolio_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "portfolio.html", {"as_of": _day(None).isoformat()})

    @r.post("/portfolio", response_class=HTMLResponse)
    async def portfolio_post(request: Request) -> HTMLResponse:
        ctx: dict[str, Any] = {"as_of": _day(None).isoformat()}
        try:
            form = await request.form(max_part_size=max_body)
        except BodyTooLarge:  # cut off while streaming in: the file's name was never read
            ctx["error"] = f"The upload is over the {max_body:,}-byte limit: send a smaller CSV file."
            return templates.TemplateResponse(request, "portfolio.html", ctx, status_code=413)
        except Exception:  # a malformed or oversized multipart body
            ctx["error"] = f"The upload could not be read: send one CSV file of at most {max_body:,} bytes."
            return templates.TemplateResponse(request, "portfolio.html", ctx, status_code=400)
        day = _day(str(form.get("as_of") or ""))
        ctx["as_of"] = day.isoformat()
        f = form.get("file")
        if f is None or isinstance(f, str):
            ctx["error"] = "Choose a CSV file to upload."
            return templates.TemplateResponse(request, "portfolio.html", ctx, status_code=400)
        raw = await f.read()
        name = f.filename or "upload"
        if len(raw) > max_body:
            ctx["error"] = f"{name}: {len(raw):,} bytes is over the {max_body:,}-byte limit."
            return templates.TemplateResponse(request, "portfolio.html", ctx, status_code=413)
        try:
            holdings = read_holdings(raw, name)
        except PortfolioError as exc:
            ctx["error"] = str(exc)
            return templates.TemplateResponse(request, "portfolio.html", ctx, status_code=400)
        st = store()
        rows = [checked_json(st, c) for c in check_portfolio(st, holdings, day)]
        ctx.update(rows=rows, token=results.put(_portfolio_csv(rows)), evidence=evidence(st, day, None))
        return templates.TemplateResponse(request, "portfolio.html", ctx)

    @r.get("/portfolio/download/{token}")
    def portfolio_download(token: str) -> Response:
        text = results.get(token)
        if text is None:
            return Response("This result has expired; upload the file again.", status_code=404,
                            media_type="text/plain")
        return Response(text, media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="listwatch-portfolio.csv"'})

    @r.get("/changes", response_class=HTMLResponse)
    def changes_page(request: Request, since: str | None = None, fmt: Format = "html") -> Response:
        st = store()
        day = _day(since) if since else dt.date.today() - dt.timedelta(days=30)
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        feed = engine.changes(st, start, None, 501)
        data = report.changes_json(st, feed[:500])
        if fmt != "html":
            return download(data["changes"], ["recorded_at", "effective", "list", "type", "entity", "source"], fmt,
                            f"listwatch-changes-since-{day}", {"since": day.isoformat(), "truncated": len(feed) > 500})
        return templates.TemplateResponse(request, "changes.html", {
            "since": day.isoformat(), "changes": data["changes"], "more": len(feed) > 500})

    outer = APIRouter(include_in_schema=False)
    outer.include_router(login.router(keys, templates))
    outer.include_router(r)
    return outer


async def on_login_required(request: Request, _: Exception) -> Response:
    """The app's handler for :class:`~listwatch.web.login.LoginRequired`: the login form, 401."""
    return login.login_page(templates, request)
