"""A real HTTP server on 127.0.0.1 (the standard library's, in a thread) serving list files under
their official names, with ETag / Last-Modified and conditional answers, and ways to misbehave:
answer 500, cut a body short, or stall. Every request is logged."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    files: dict[str, bytes] = field(default_factory=dict)  # "/ofac/sdn.csv" -> body
    modified: dict[str, str] = field(default_factory=dict)  # path -> Last-Modified (HTTP date)
    fail: set[str] = field(default_factory=set)  # paths answered 500
    truncate: set[str] = field(default_factory=set)  # paths whose body stops halfway (full Content-Length)
    stall: set[str] = field(default_factory=set)  # paths that wait (until release) before answering
    release: threading.Event = field(default_factory=threading.Event)
    log: list[tuple[str, str | None, str | None, int]] = field(default_factory=list)  # path, INM, IMS, status


class Server:
    def __init__(self) -> None:
        self.b = Behaviour()
        b = self.b

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if path in b.stall:
                    b.release.wait(5)
                body = b.files.get(path)
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"' if body is not None else None
                if path in b.fail:
                    status = 500
                elif body is None:
                    status = 404
                elif (inm and inm == etag) or (not inm and ims and ims == b.modified.get(path)):
                    status = 304
                else:
                    status = 200
                b.log.append((path, inm, ims, status))
                self.send_response(status)
                if status in (200, 304) and etag:
                    self.send_header("ETag", etag)
                    if path in b.modified:
                        self.send_header("Last-Modified", b.modified[path])
                if status != 200 or body is None:
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if path in b.truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def requests(self) -> list[tuple[str, str | None, str | None, int]]:
        out = list(self.b.log)
        self.b.log.clear()
        return out


@contextmanager
def serving() -> Iterator[Server]:
    srv = Server()
    t = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.b.release.set()
        srv.httpd.shutdown()
        srv.httpd.server_close()
