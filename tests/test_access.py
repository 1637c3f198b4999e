"""One access rule for every route: web pages and forms honour the same keys as /v1/*."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from listwatch.api.app import create_app
from tests.conftest import Cli

READ, ADMIN = "reader-key-1", "admin-key-1"
PAGES = ["/", "/entities/xiaomi", "/lists", "/lists/us-dod-1237", "/lists/us-dod-1237/diff?from=2021-01-01&to=2021-02-01",
         "/changes", "/portfolio", "/v1/status?q=xiaomi", "/v1/lists"]
HOLDINGS = {"file": ("h.csv", b"name\nXiaomi Corporation\n", "text/csv")}


def _client(home: Path, monkeypatch: pytest.MonkeyPatch, read_keys: str) -> TestClient:
    monkeypatch.setenv("LISTWATCH_READ_KEYS", read_keys)
    monkeypatch.setenv("LISTWATCH_ADMIN_KEYS", ADMIN)
    return TestClient(create_app(f"sqlite:///{home / 'listwatch.db'}"), follow_redirects=False)


@pytest.fixture
def locked(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with _client(home, monkeypatch, READ) as c:
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_read_key_when_one_is_set(locked: TestClient, path: str) -> None:
    r = locked.get(path)
    assert r.status_code == 401
    assert "Xiaomi" not in r.text and "XIAOMI" not in r.text
    assert locked.get(path, params={"api_key": READ, "key": READ}).status_code == 401  # never in a query string
    assert locked.get(path, headers={"X-API-Key": "wrong"}).status_code == 401
    assert locked.get(path, headers={"X-API-Key": READ}).status_code == 200
    assert locked.get(path, headers={"X-API-Key": ADMIN}).status_code == 200


def test_portfolio_form_and_download_need_the_key(locked: TestClient) -> None:
    r = locked.post("/portfolio", files=HOLDINGS)
    assert r.status_code == 401 and "Sign in" in r.text and "Xiaomi Corporation" not in r.text
    ok = locked.post("/portfolio", files=HOLDINGS, headers={"X-API-Key": READ})
    assert ok.status_code == 200 and "/portfolio/download/" in ok.text
    link = ok.text.split('href="/portfolio/download/')[1].split('"')[0]
    assert locked.get(f"/portfolio/download/{link}").status_code == 401
    assert locked.get(f"/portfolio/download/{link}", headers={"X-API-Key": READ}).status_code == 200


def test_login_sets_a_strict_http_only_cookie_that_opens_pages_and_the_api(locked: TestClient) -> None:
    bad = locked.post("/login", data={"key": "wrong", "next": "/lists"})
    assert bad.status_code == 401 and "not valid" in bad.text
    r = locked.post("/login", data={"key": READ, "next": "/lists"})
    assert r.status_code == 303 and r.headers["location"] == "/lists"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert locked.get("/lists").status_code == 200
    assert locked.get("/v1/status", params={"q": "xiaomi"}).status_code == 200
    # the cookie reads; admin routes still want the admin key in the header
    assert locked.post("/v1/ingest", params={"format": "ftm"}, content=b"{}").status_code == 401
    assert locked.post("/logout").status_code == 303
    locked.cookies.clear()
    assert locked.get("/lists").status_code == 401


def test_login_only_returns_to_a_local_path(locked: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = locked.post("/login", data={"key": READ, "next": target})
        assert r.headers["location"] == "/"


def test_without_read_keys_pages_are_open(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _client(home, monkeypatch, "") as c:
        assert all(c.get(p).status_code == 200 for p in PAGES)


# -- request bodies are limited while they stream in ------------------------------------------

CHUNK = 64 * 1024


@pytest.mark.parametrize("path", ["/v1/portfolio", "/v1/screen/batch?format=csv", "/match/default", "/portfolio"])
def test_a_chunked_oversized_body_is_refused_after_reading_no_more_than_the_limit(
        cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """No Content-Length, 1 GB offered in 64 KB chunks: the server stops reading at the 1 MB limit."""
    import asyncio  # noqa: PLC0415

    monkeypatch.setenv("LISTWATCH_MAX_BODY", str(1024 * 1024))
    monkeypatch.delenv("LISTWATCH_READ_KEYS", raising=False)
    app = create_app(f"sqlite:///{home / 'listwatch.db'}")
    pulled, sent = 0, []
    ctype = b"multipart/form-data; boundary=xx" if path == "/portfolio" else b"text/csv"

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < 16384}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    path_only, _, query = path.partition("?")
    scope = {"type": "http", "method": "POST", "path": path_only, "raw_path": path_only.encode(),
             "query_string": query.encode(), "headers": [(b"content-type", ctype), (b"transfer-encoding", b"chunked")],
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "root_path": "", "app": app}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    assert status in ((400, 413) if path == "/portfolio" else (413,))  # the web form answers with its own page
    assert pulled * CHUNK <= 1024 * 1024 + CHUNK
