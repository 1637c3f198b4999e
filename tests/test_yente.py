"""yente compatibility: requests in the shapes yente's own clients send (nomenklatura's YenteEnricher:
POST /match/{dataset}?fuzzy=false&threshold=..., {"queries": {"entity": {"schema", "properties"}}}; then
GET /entities/{id}), answered in yente's response shapes; every parameter honoured or refused."""

from __future__ import annotations

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


def _match(client: TestClient, props: dict[str, Any], schema: str = "Company", dataset: str = "default",
           **params: Any) -> Any:
    r = client.post(f"/match/{dataset}", params={"fuzzy": "false", **params},
                    json={"queries": {"entity": {"schema": schema, "properties": props}}})
    return r


def _ids(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()["responses"]["entity"]["results"]]


def test_enricher_shaped_match_returns_yente_results_with_explanations(client: TestClient) -> None:
    r = _match(client, {"name": ["Xiaomi Corporation"], "country": ["cn"]}, threshold=0.7, as_of="2021-01-14")
    body = r.json()
    assert set(body) >= {"responses", "limit", "matcher"}
    top = body["responses"]["entity"]["results"][0]
    assert top["id"] == "xiaomi" and top["schema"] == "Company" and top["match"] is True
    assert set(top) >= {"caption", "properties", "datasets", "referents", "target", "score", "features",
                        "explanations", "first_seen", "last_seen", "last_change"}
    assert top["explanations"]["name_match"]["candidate"] and "country_match" in top["explanations"]
    assert set(top["properties"]["topics"]) == {"mil", "invest.ban"}
    assert top["properties"]["country"] == ["cn"] and top["target"] is True
    entity = client.get(f"/entities/{top['id']}", params={"nested": "true"}).json()
    assert entity["id"] == "xiaomi" and "isinCode" in entity["properties"]


def test_a_property_may_be_a_string(client: TestClient) -> None:
    assert _ids(_match(client, {"name": "Xiaomi"}))[0] == "xiaomi"


def test_schema_is_used_a_person_query_never_returns_a_company(client: TestClient) -> None:
    assert "xiaomi" not in _ids(_match(client, {"name": ["Xiaomi"]}, schema="Person"))
    assert _ids(_match(client, {"name": ["Xiaomi"]}, schema="Organization"))[0] == "xiaomi"


def test_a_country_mismatch_costs_score_but_never_hides_the_hit(client: TestClient) -> None:
    same = _match(client, {"name": ["Xiaomi Corporation"], "country": ["China"]}).json()
    other = _match(client, {"name": ["Xiaomi Corporation"], "country": ["de"]}).json()
    s = same["responses"]["entity"]["results"][0]
    o = other["responses"]["entity"]["results"][0]
    assert o["id"] == s["id"] == "xiaomi" and o["score"] < s["score"]
    assert "country_mismatch" in o["explanations"]


def test_topics_follow_the_list_entity_list_is_export_control(client: TestClient) -> None:
    r = _match(client, {"name": ["Huawei Technologies Co., Ltd."]}, as_of="2021-01-11").json()
    huawei = next(x for x in r["responses"]["entity"]["results"] if x["id"] == "huawei")
    assert "export.control" in huawei["properties"]["topics"]
    assert "sanction" not in huawei["properties"]["topics"] or "us-ofac-sdn" in huawei["listwatch"]["lists"]


def test_dataset_path_selects_lists_and_an_unknown_one_is_404(client: TestClient) -> None:
    assert "xiaomi" not in _ids(_match(client, {"name": ["Xiaomi"]}, dataset="us-bis-entity-list"))
    assert _ids(_match(client, {"name": ["Xiaomi"]}, dataset="us-dod-1237"))[0] == "xiaomi"
    r = _match(client, {"name": ["Xiaomi"]}, dataset="nonexistent")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("kwargs", "body", "needle"), [
    ({"algorithm": "logic-v1"}, None, "algorithm 'logic-v1' is not offered"),
    ({"topics": "not.a.topic"}, None, "not FollowTheMoney topics"),
    ({}, {"queries": {"q": {"schema": "Banana", "properties": {"name": ["x"]}}}}, "not a matchable"),
    ({}, {"queries": {"q": {"schema": "Company", "properties": {"colour": ["red"]}}}}, "not a property"),
    ({}, {"queries": {"q": {"schema": "Company", "properties": {"country": ["cn"]}}}}, "no name or identifier"),
    ({}, {"queries": {"q": {"schema": "Company", "properties": {"name": ["x"]}}}, "weights": {"name": 2}},
     "no adjustable weights"),
    ({"changed_since": "yesterday"}, None, "changed_since"),
])
def test_a_bad_query_is_a_4xx_for_the_whole_request(client: TestClient, kwargs: dict[str, str],
                                                    body: Any, needle: str) -> None:
    body = body or {"queries": {"q": {"schema": "Company", "properties": {"name": ["Xiaomi"]}}}}
    r = client.post("/match/default", params=kwargs, json=body)
    assert r.status_code == 422, r.text
    assert needle in r.json()["detail"]


def test_exclusions_topics_and_changed_since_are_honoured(client: TestClient) -> None:
    assert "xiaomi" not in _ids(_match(client, {"name": ["Xiaomi"]}, exclude_entity_ids="xiaomi"))
    assert "xiaomi" not in _ids(_match(client, {"name": ["Xiaomi"]}, exclude_schema="Company"))
    assert "xiaomi" not in _ids(_match(client, {"name": ["Xiaomi"]}, topics="export.control", as_of="2021-01-14"))
    assert _ids(_match(client, {"name": ["Xiaomi"]}, topics="invest.ban", as_of="2021-01-14"))[0] == "xiaomi"
    assert _ids(_match(client, {"name": ["Xiaomi"]}, changed_since="2100-01-01T00:00:00Z")) == []
    assert _ids(_match(client, {"name": ["Xiaomi"]}, changed_since="2000-01-01T00:00:00Z"))[0] == "xiaomi"


def test_as_of_and_known_at_are_listwatchs_own(client: TestClient) -> None:
    listed = _match(client, {"name": ["Xiaomi"]}, as_of="2021-01-14").json()["responses"]["entity"]["results"][0]
    after = _match(client, {"name": ["Xiaomi"]}, as_of="2021-06-10").json()["responses"]["entity"]["results"][0]
    assert listed["target"] is True and after["target"] is False and "topics" not in after["properties"]
    before = _match(client, {"name": ["Xiaomi"]}, known_at="2000-01-01T00:00:00Z", as_of="2021-01-14").json()
    assert all(not x["target"] for x in before["responses"]["entity"]["results"])


def test_search_entities_catalog_and_algorithms(client: TestClient) -> None:
    r = client.get("/search/default", params={"q": "xiaomi", "schema": "Company", "countries": "cn"}).json()
    assert r["results"][0]["id"] == "xiaomi" and set(r) >= {"results", "total", "limit", "offset"}
    assert not [x for x in client.get("/search/default", params={"q": "xiaomi", "schema": "Person"}).json()
                ["results"] if x["id"] == "xiaomi"]
    assert client.get("/search/nope", params={"q": "x"}).status_code == 404
    assert client.get("/entities/no-such-entity").status_code == 404
    cat = client.get("/catalog").json()
    names = {d["name"] for d in cat["datasets"]}
    assert {"default", "us-dod-1237", "us-bis-entity-list"} <= names and cat["index_stale"] is False
    alg = client.get("/algorithms").json()
    assert alg["default"] == alg["best"] == alg["algorithms"][0]["name"]


def test_include_and_exclude_dataset_narrow_the_lists_searched(client: TestClient) -> None:
    props = {"name": ["Xiaomi Corporation"]}
    assert "xiaomi" in _ids(_match(client, props, as_of="2021-01-14", include_dataset="us-dod-1237"))
    assert "xiaomi" not in _ids(_match(client, props, as_of="2021-01-14", include_dataset="us-bis-entity-list"))
    assert "xiaomi" not in _ids(_match(client, props, as_of="2021-01-14", exclude_dataset="us-dod-1237"))
    r = client.get("/search/default", params={"q": "Xiaomi", "as_of": "2021-01-14", "exclude_dataset": "us-dod-1237"})
    assert r.status_code == 200 and "xiaomi" not in [x["id"] for x in r.json()["results"]]
    assert _match(client, props, include_dataset="nonexistent").status_code == 422


def test_a_yente_parameter_listwatch_does_not_take_is_refused_not_ignored(client: TestClient) -> None:
    r = client.get("/search/default", params={"q": "Xiaomi", "filter": "schema:Person"})
    assert r.status_code == 422 and "filter" in r.json()["detail"]
    assert _match(client, {"name": ["Xiaomi"]}, facets="countries").status_code == 422
