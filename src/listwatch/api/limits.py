"""Limits that keep the server up: bodies capped while they stream, load shed, rates and costs capped.

* :class:`Shed` answers 503 with ``Retry-After`` once ``LISTWATCH_MAX_QUEUE`` requests (default 4
  per CPU core, at least 8: :func:`default_depth`) are in the server - running or waiting for a
  worker thread - instead of letting every answer wait longer and longer; and, with
  ``LISTWATCH_RATE_LIMIT`` (requests per second, default off), 429 with ``Retry-After`` to a client
  (its API key, else its address) above that rate (a token bucket allowing bursts of twice the
  rate). ``/healthz``, ``/readyz`` and the admin ``/v1/ingest`` are never shed.
* :func:`check_cost` refuses (413) a request that would screen more than ``LISTWATCH_MAX_COST``
  names (default 1,000): queries x names per query, for ``/match`` and the batch endpoint.

:class:`BodyLimit` is plain ASGI middleware. A declared ``Content-Length`` over the limit is
answered 413 before anything is read; a body without one (chunked) is counted as it arrives and
the read that crosses the limit raises :class:`BodyTooLarge` (an HTTP 413), so no more than the
limit plus one chunk is ever held, whatever the client sends. :class:`NoNul` refuses a NUL in a
path or query string (422) alike on every backend, and a request target (path and query string)
over :data:`MAX_TARGET` bytes (414).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["MAX_TARGET", "BodyLimit", "BodyTooLarge", "NoNul", "Shed", "TooCostly", "check_cost", "default_depth",
           "max_cost"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The longest request target (path + "?" + query string) answered: 8 KiB, as nginx's and Apache's default
# request-line limits. Longer ones get a documented 414 problem instead of whatever the HTTP parser does at
# its own limit (h11: 16 KiB of request line and headers; httptools: a 64 KiB URL), a text/plain 400.
MAX_TARGET = 8192


class BodyTooLarge(HTTPException):
    """A request body crossed the limit while streaming (an HTTPException, so no parser hides it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the {limit:,}-byte limit")


class BodyLimit:
    """Refuse a request body over ``limit`` bytes, declared or streamed (see module doc).

    Paths in ``own_message`` (the web upload form) skip the early 413 on a declared length so that
    they can answer with a page of their own; the streamed count applies to them as well.
    """

    def __init__(self, app: ASGIApp, limit: int, own_message: tuple[str, ...] = ()) -> None:
        self.app, self.limit, self.own_message = app, limit, own_message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit and scope.get("path") not in self.own_message:
            from listwatch.api.app import problem_response  # noqa: PLC0415 - the one problem+json shape

            await problem_response(413, "Request body too large", f"body of {int(declared):,} bytes is over the "
                                   f"{self.limit:,}-byte limit")(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


def max_cost() -> int:
    return int(_env_number("LISTWATCH_MAX_COST", 1000))


class TooCostly(HTTPException):
    def __init__(self, cost: int, limit: int, what: str) -> None:
        super().__init__(413, f"{what}: {cost:,} names to screen is over the {limit:,}-name limit per request; "
                         "split it into smaller requests")


def check_cost(cost: int, what: str) -> None:
    """Raise :class:`TooCostly` (413) when a request would screen more names than allowed."""
    limit = max_cost()
    if cost > limit:
        raise TooCostly(cost, limit, what)


async def _refuse(send: Send, status: int, title: str, detail: str, retry_after: int | None) -> None:
    import json  # noqa: PLC0415

    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    retry = [(b"retry-after", str(retry_after).encode())] if retry_after is not None else []
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"), *retry, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class NoNul:
    """Refuses (422) a path or query string holding a NUL (``%00``) before any route runs, and (414) a
    request target over :data:`MAX_TARGET` bytes.

    No name, id, list or date contains a NUL, and PostgreSQL cannot even compare text with one (SQLite
    can), so without this the same request would be a 404 on one backend and an error on the other.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
        if (size := len(path) + len(query) + (1 if query else 0)) > MAX_TARGET:
            await _refuse(send, 414, "URI too long", f"the request's path and query string are {size:,} bytes, over "
                          f"the {MAX_TARGET:,}-byte limit", None)
            return
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await _refuse(send, 422, "Invalid request", "a NUL character (%00) is not allowed in a path or query", None)
            return
        await self.app(scope, receive, send)


def default_depth() -> int:
    """4 requests in flight per CPU core this process may use, and at least 8 (a browser loading a page
    and its static files opens about 6 connections at once).

    Screening is CPU-bound: on 2 cores throughput peaks at 2 concurrent requests
    (benchmarks/shed_sweep.py: 12.6 req/s); at 4x that load a depth of 8 still answered as many
    per second as no shedding (11.0 vs 11.3) while refusing the excess, where 2 and 4 lost 40% of
    the throughput and 64 never shed (p99 2.8 s, 7.6x the knee's).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(8, 4 * cores)


class Shed:
    """Load shedding and per-client rate limits (see module doc)."""

    EXEMPT = ("/healthz", "/readyz", "/v1/ingest")  # probes, and an admin ingest must not be shed by the load it serves

    def __init__(self, app: ASGIApp, depth: int | None = None, rate: float | None = None) -> None:
        self.app = app
        self.depth = int(_env_number("LISTWATCH_MAX_QUEUE", default_depth())) if depth is None else depth
        self.rate = _env_number("LISTWATCH_RATE_LIMIT", 0) if rate is None else rate
        self.inflight = 0  # the event loop is one thread: no lock needed
        self.shed = 0
        self.buckets: dict[bytes, tuple[float, float]] = {}  # client -> (tokens, at)

    def _client(self, scope: Scope) -> bytes:
        headers = dict(scope.get("headers") or ())
        key = headers.get(b"x-api-key")
        if key:
            return b"key:" + hashlib.sha256(key).digest()
        client = scope.get("client") or ("?", 0)
        return f"addr:{client[0]}".encode()

    def _allowed(self, client: bytes) -> float:
        """0 when the request may go, else the seconds until it may."""
        now = time.monotonic()
        burst = 2 * self.rate
        tokens, at = self.buckets.get(client, (burst, now))
        tokens = min(burst, tokens + (now - at) * self.rate)
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
        self.buckets[client] = (tokens - 1, now)
        if len(self.buckets) > 100_000:  # forget idle clients rather than grow without bound
            self.buckets.clear()
        return 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.rate > 0 and (wait := self._allowed(self._client(scope))):
            await _refuse(send, 429, "Too many requests", f"over {self.rate:g} requests per second for this "
                          "client", max(1, round(wait)))
            return
        if self.inflight >= self.depth:
            self.shed += 1
            await _refuse(send, 503, "Server busy", f"{self.inflight} requests are in progress; try again shortly", 1)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
