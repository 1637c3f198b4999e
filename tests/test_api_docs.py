"""The OpenAPI document: a typed response for every route, a declared body for every upload, and docs
assets served by listwatch itself (the page in Chromium offline is in test_web.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from listwatch.api.app import create_app
from tests.conftest import Cli


@pytest.fixture(scope="module")
def client(cli: Cli, home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(f"sqlite:///{home / 'listwatch.db'}")) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def test_every_route_has_a_typed_response(spec: dict[str, Any]) -> None:
    untyped = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            content = op["responses"]["200"].get("content", {})
            schema = next(iter(content.values()), {}).get("schema", {})
            if "$ref" not in schema and not (content.keys() - {"application/json"}):
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def test_upload_routes_declare_their_request_body(spec: dict[str, Any]) -> None:
    for path in ("/v1/portfolio", "/v1/ingest", "/v1/screen/batch"):
        body = spec["paths"][path]["post"]["requestBody"]["content"]
        assert body, path
    assert "multipart/form-data" in spec["paths"]["/v1/portfolio"]["post"]["requestBody"]["content"]


def test_docs_page_loads_nothing_from_another_host(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert urls and all(u.startswith("/") for u in urls), urls
    for u in urls:
        assert client.get(u).status_code == 200, u
    assert len(client.get("/docs-assets/swagger-ui-bundle.js").content) > 100_000
