"""No 500 for any input: hand-built bad requests against every route, on each backend.

Bad dates, huge numbers, wrong types, unknown ids, bad Unicode (NUL, lone surrogates, invalid
UTF-8), empty bodies, wrong content types, malformed multipart and deeply nested JSON each get a
4xx that says what is wrong (``application/problem+json`` on the API) - never a 500, never a
half-sent stream - and nothing is written. In-process (no server), on the shared seeded store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from listwatch.api.app import create_app
from listwatch.store.db import Store
from tests.test_guard import _counts

ADMIN = "bad-request-admin"
DEEP = b"[" * 100_000 + b"]" * 100_000
MULTIPART = "multipart/form-data; boundary=xx"

# (method, path, request arguments); every one must get a 4xx
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/status", {"params": {"q": "xiaomi", "as_of": "2021-02-30"}}),
    ("GET", "/v1/status", {"params": {"q": "xiaomi", "as_of": "9999-99-99"}}),
    ("GET", "/v1/status", {"params": {"q": "xiaomi", "known_at": "2021-01-01T25:00:00Z"}}),
    ("GET", "/v1/status", {"params": {"q": "a\x00b"}}),
    ("GET", "/v1/status", {"params": {"q": "nobody-at-all-\u00e9"}}),
    ("GET", "/v1/screen", {"params": {"q": "x", "limit": "99999999999999999999999"}}),
    ("GET", "/v1/screen", {"params": {"q": "x", "threshold": "1e400"}}),
    ("GET", "/v1/screen", {"params": {"q": "x", "threshold": "NaN"}}),
    ("GET", "/v1/screen", {"params": {"q": "x" * 5000}}),
    ("GET", "/v1/screen", {"params": {"q": "x", "list": "\x00", "country": "\x00", "schema": "\x00"}}),
    ("GET", "/v1/screen", {"params": {"q": ""}}),
    ("GET", "/v1/entities/%ED%A0%80", {}),
    ("GET", "/v1/entities/a%00b/timeline", {}),
    ("GET", "/v1/lists/nope/members", {"params": {"offset": "-1"}}),
    ("GET", "/v1/lists/a%00b/members", {}),
    ("GET", "/v1/lists/us-dod-1237/diff", {"params": {"from": "2021-02-01", "to": "2021-01-01"}}),
    ("GET", "/v1/lists/us-dod-1237/diff", {"params": {"from": "x"}}),
    ("GET", "/v1/changes", {"params": {"cursor": "99999999999999999999"}}),
    ("GET", "/v1/changes", {"params": {"since": "\x00"}}),
    ("GET", "/search/%00", {"params": {"q": "x"}}),
    ("GET", "/search/default", {"params": {"q": "x", "limit": "abc"}}),
    ("POST", "/v1/screen/batch", {"content": b"", "headers": {"content-type": "application/json"}}),
    ("POST", "/v1/screen/batch", {"content": DEEP, "headers": {"content-type": "application/json"}}),
    ("POST", "/v1/screen/batch", {"content": b'{"queries": ["ok", "\\ud800"]}',
                                  "headers": {"content-type": "application/json"}}),
    ("POST", "/v1/screen/batch", {"content": b'{"queries": [1, 2]}', "headers": {"content-type": "application/json"}}),
    ("POST", "/v1/screen/batch", {"content": b"\xff\xfe\x00", "headers": {"content-type": "text/csv"}}),
    ("POST", "/v1/screen/batch", {"content": b"<x/>", "headers": {"content-type": "application/xml"}}),
    ("POST", "/match/default", {"content": DEEP, "headers": {"content-type": "application/json"}}),
    ("POST", "/match/default", {"json": {"queries": {"q": {"schema": "Nope", "properties": {"name": [1]}}}}}),
    ("POST", "/match/default", {"json": {"queries": {"q": {"schema": "Company", "properties": {"name": 5}}}}}),
    ("POST", "/match/default", {"json": {"queries": [1, 2]}}),
    ("POST", "/match/nope", {"json": {"queries": {}}}),
    ("POST", "/v1/portfolio", {"content": b"", "headers": {"content-type": "text/csv"}}),
    ("POST", "/v1/portfolio", {"content": b"garbage", "headers": {"content-type": MULTIPART}}),
    ("POST", "/v1/portfolio", {"content": b"--xx--\r\n", "headers": {"content-type": MULTIPART}}),
    ("POST", "/v1/ingest", {"params": {"format": "ftm", "filename": "s.ftm.json"}, "content": DEEP}),
    ("POST", "/v1/ingest", {"params": {"format": "csl", "filename": "x.json"}, "content": DEEP}),
    ("POST", "/v1/ingest", {"params": {"format": "csl", "filename": "x.csv.gz"}, "content": b"\x1f\x8b\x08"}),
    ("POST", "/v1/ingest", {"params": {"format": "ofac-xml", "filename": "x.xml"}, "content": b""}),
    ("POST", "/v1/ingest", {"params": {"format": "bis-dpl", "filename": "dpl.txt"},
                            "content": b"--xx\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--xx--\r\n",
                            "headers": {"content-type": MULTIPART}}),
    ("POST", "/v1/ingest", {"params": {"format": "nope"}, "content": b"x"}),
    ("GET", "/entities/a%00b", {}),
    ("GET", "/lists/%ED%A0%80", {"params": {"as_of": "0000-00-00"}}),
    ("POST", "/portfolio", {"content": b"garbage", "headers": {"content-type": MULTIPART}}),
    ("POST", "/login", {"content": b"%%%", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
]


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LISTWATCH_ADMIN_KEYS", ADMIN)
        mp.delenv("LISTWATCH_READ_KEYS", raising=False)
        app = create_app(store.engine.url.render_as_string(hide_password=False))
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": ADMIN}) as c:
        yield c


def test_every_bad_request_gets_a_4xx_saying_why_and_writes_nothing(client: TestClient, store: Store) -> None:
    before = _counts(store)
    wrong = []
    for method, path, kwargs in CASES:
        r = client.request(method, path, **kwargs)
        api = not path.startswith(("/entities", "/lists", "/changes", "/portfolio", "/login"))
        if not 400 <= r.status_code < 500 or (api and not r.headers["content-type"].startswith(
                "application/problem+json")):
            wrong.append(f"{method} {path} {kwargs.get('params', '')}: {r.status_code} {r.text[:200]}")
    assert wrong == []
    assert _counts(store) == before
