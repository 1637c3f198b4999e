"""HTTP downloads for ``listwatch update``: conditional, bounded, retried.

One GET per file with httpx. A conditional request sends the validators of the last response
(``If-None-Match`` with its ETag, ``If-Modified-Since`` with its Last-Modified); a ``304 Not
Modified`` answer costs no body. Errors, drawn once::

    FetchError                  a file could not be had; the message names the URL and why
    +-- transport (timeout, refused, body cut short)  retried with backoff
    +-- HTTP 5xx / 429                                retried with backoff
    +-- HTTP 4xx, body over the size limit            not retried

A body shorter than its ``Content-Length`` is an error (httpx raises on it), never a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from listwatch.ingest.records import MAX_FILE_BYTES

__all__ = ["FetchError", "Fetched", "Fetcher", "Progress"]

Progress = Callable[[str, int, int | None], None]  # (file name or "ingest SOURCE", done, total or None)
USER_AGENT = "listwatch-update (+https://pypi.org/project/listwatch/)"


class FetchError(RuntimeError):
    """A file could not be downloaded; the message names the URL and the reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int  # 200, 304 (not modified) or 404 (absent, for optional companions)
    data: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Fetcher:
    """Downloads with a timeout per request, ``retries`` extra attempts and exponential backoff."""

    timeout: float = 60.0
    retries: int = 2
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    limit: int = MAX_FILE_BYTES
    transport: httpx.BaseTransport | None = None
    requests: int = 0  # requests sent (for reports and tests)

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=True, transport=self.transport,
                            headers={"User-Agent": USER_AGENT})

    def get(self, client: httpx.Client, url: str, name: str, etag: str | None = None,
            last_modified: str | None = None, progress: Progress | None = None) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(self.retries + 1):
            try:
                return self._once(client, url, name, headers, progress)
            except FetchError as exc:
                retryable = exc.status is None or exc.status >= 500 or exc.status == 429
                if not retryable or attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _once(self, client: httpx.Client, url: str, name: str, headers: dict[str, str],
              progress: Progress | None) -> Fetched:
        self.requests += 1
        try:
            with client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in (304, 404):
                    return Fetched(url, resp.status_code)
                if resp.status_code != 200:
                    raise FetchError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}", resp.status_code)
                declared = resp.headers.get("content-length")
                total = int(declared) if declared and declared.isdigit() else None
                if total is not None and total > self.limit:
                    raise FetchError(f"{url}: {total:,} bytes is over the {self.limit:,}-byte limit", 413)
                chunks, got = [], 0
                for chunk in resp.iter_bytes():
                    got += len(chunk)
                    if got > self.limit:
                        raise FetchError(f"{url}: body over the {self.limit:,}-byte limit", 413)
                    chunks.append(chunk)
                    if progress:
                        progress(name, got, total)
                return Fetched(url, 200, b"".join(chunks), resp.headers.get("etag"),
                               resp.headers.get("last-modified"))
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url}: timed out after {self.timeout:g} s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
