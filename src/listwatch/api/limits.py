"""Limits that keep the server up: request bodies capped while they stream in.

:class:`BodyLimit` is plain ASGI middleware. A declared ``Content-Length`` over the limit is
answered 413 before anything is read; a body without one (chunked) is counted as it arrives and
the read that crosses the limit raises :class:`BodyTooLarge` (an HTTP 413), so no more than the
limit plus one chunk is ever held, whatever the client sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["BodyLimit", "BodyTooLarge"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


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
