"""Screening filters: list (in force on the as-of date), country, schema - library, CLI, API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from listwatch.api.app import create_app
from listwatch.screen import ScreenError, ScreenFilter, screen
from listwatch.store.db import Store
from tests.conftest import Cli, D

XIAOMI = "XIAOMI CORP-CLASS B"


def _ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.entity.id for h in hits]


@pytest.mark.parametrize(("filters", "kept"), [
    (ScreenFilter(lists=("us-dod-1237",)), True),
    (ScreenFilter(lists=("us-bis-entity-list",)), False),
    (ScreenFilter(countries=("cn",)), True),
    (ScreenFilter(countries=("US",)), False),
    (ScreenFilter(schemas=("company",)), True),
    (ScreenFilter(schemas=("person", "vessel")), False),
    (ScreenFilter(lists=("us-dod-1237",), countries=("CN",), schemas=("company",)), True),
])
def test_filters_keep_only_matching_hits(store: Store, filters: ScreenFilter, kept: bool) -> None:
    assert ("xiaomi" in _ids(screen(XIAOMI, D("2021-02-01"), store=store, filters=filters))) is kept


def test_list_filter_follows_the_as_of_status(store: Store) -> None:
    on_list = ScreenFilter(lists=("us-dod-1237",))
    assert "xiaomi" in _ids(screen(XIAOMI, D("2021-02-01"), store=store, filters=on_list))
    assert "xiaomi" not in _ids(screen(XIAOMI, D("2021-01-13"), store=store, filters=on_list))  # listed 01-14


def test_limit_counts_the_hits_kept(store: Store) -> None:
    hits = screen("China Aerospace", threshold=0.3, limit=2, store=store, filters=ScreenFilter(countries=("CN",)))
    assert len(hits) == 2 and all(h.entity.country == "CN" for h in hits)


def test_bad_filters_are_refused_with_the_reason(store: Store) -> None:
    with pytest.raises(ScreenError, match="schema 'boat'"):
        ScreenFilter(schemas=("boat",))
    with pytest.raises(ScreenError, match="list 'us-nope' is unknown"):
        screen(XIAOMI, store=store, filters=ScreenFilter(lists=("us-nope",)))


def test_cli_screen_filters(cli: Cli) -> None:
    on = cli.json("screen", XIAOMI, "--as-of", "2021-02-01", "--list", "us-dod-1237", "--schema", "company")
    assert on["results"][0]["entity"]["id"] == "xiaomi"
    off = cli.json("screen", XIAOMI, "--as-of", "2021-02-01", "--country", "US")
    assert off["results"] == []


@pytest.fixture(scope="module")
def client(cli: Cli, home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(f"sqlite:///{home / 'listwatch.db'}")) as c:
        yield c


def test_api_screen_and_batch_filters(client: TestClient) -> None:
    params = {"q": XIAOMI, "as_of": "2021-02-01", "list": "us-dod-1237", "country": "CN"}
    assert client.get("/v1/screen", params=params).json()["results"][0]["entity"]["id"] == "xiaomi"
    assert client.get("/v1/screen", params={**params, "schema": "person"}).json()["results"] == []
    assert client.get("/v1/screen", params={**params, "schema": "boat"}).status_code == 422
    r = client.post("/v1/screen/batch", params={"as_of": "2021-02-01", "list": "us-bis-entity-list"},
                    json={"queries": [XIAOMI]})
    assert '"xiaomi"' not in r.text
