"""FollowTheMoney out and in through the followthemoney library: schema-valid entities with topics,
Sanctions with their sources, and identifiers that survive a round trip (the USCC as uscCode)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model

from listwatch.export import ftm_lines
from listwatch.ingest import IngestError, ftm, ingest
from listwatch.store.db import Store, open_store
from tests.conftest import BACKENDS, database


@pytest.fixture(scope="module")
def exported(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("ftm") / "registry.ftm.json"
    f.write_text("\n".join(ftm_lines(store)) + "\n", encoding="utf-8")
    return f


def _docs(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_exported_entity_is_schema_valid(exported: Path) -> None:
    docs = _docs(exported)
    for d in docs:
        proxy = model.get_proxy(d, cleaned=False)  # the library re-reads every value by its type
        assert proxy.to_dict()["properties"] == d["properties"], d["id"]
    assert {d["schema"] for d in docs} >= {"Company", "Sanction"}


def test_topics_and_sources_are_exported(exported: Path) -> None:
    docs = {d["id"]: d for d in _docs(exported)}
    xiaomi = docs["lw-xiaomi"]["properties"]
    assert set(xiaomi["topics"]) == {"mil", "invest.ban"}  # type: ignore[index]
    sanction = next(d for d in docs.values() if d["schema"] == "Sanction"
                    and d["properties"]["entity"] == ["lw-xiaomi"])  # type: ignore[index]
    props = sanction["properties"]
    assert props["listingDate"] == ["2021-01-14"] and props["endDate"] == ["2021-05-25"]  # type: ignore[index]
    assert any(u.startswith("https://") for u in props["sourceUrl"])  # type: ignore[index]
    huawei = docs["lw-huawei"]["properties"]
    assert "export.control" in huawei["topics"]  # type: ignore[index]


def test_the_uscc_survives_a_round_trip(exported: Path) -> None:
    docs = {d["id"]: d for d in _docs(exported)}
    assert docs["lw-aecc"]["properties"]["uscCode"] == ["91110000MA005UCQ5P"]  # type: ignore[index]
    [(_, recs, _)] = ftm.parse(exported)
    aecc = next(r for r in recs if r.source_id == "ftm:lw-aecc")
    assert ("uscc", "91110000MA005UCQ5P") in {(i.scheme, i.value) for i in aecc.identifiers}


def test_import_keeps_what_the_source_gave_and_refuses_an_unknown_schema(tmp_path: Path) -> None:
    f = tmp_path / "people.json"
    f.write_text(json.dumps({"id": "p1", "schema": "Person", "datasets": ["us_ofac_sdn"], "properties": {
        "name": ["Ivan Example"], "birthDate": ["1970-02-03"], "nationality": ["Russia"],
        "sourceUrl": ["https://ofac.example/p1"]}}) + "\n" + json.dumps({"id": "v1", "schema": "Vessel", "properties": {
            "name": ["SEA EXAMPLE"], "imoNumber": ["IMO 9176187"]}}) + "\n", encoding="utf-8")
    [(_, recs, _)] = ftm.parse(f)
    person = next(r for r in recs if r.source_id == "ftm:p1")
    assert person.properties["birthDate"] == ("1970-02-03",) and person.properties["nationality"] == ("ru",)
    assert person.properties["sourceUrl"] == ("https://ofac.example/p1",)
    vessel = next(r for r in recs if r.source_id == "ftm:v1")
    assert vessel.schema == "Vessel" and vessel.properties["imoNumber"] == ("IMO9176187",)
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "schema": "Banana", "properties": {"name": ["x"]}}\n', encoding="utf-8")
    with pytest.raises(IngestError, match="line 1: 'Banana' is not a FollowTheMoney schema"):
        ftm.parse(bad)


PARTIES = [
    {"id": "p1", "schema": "Person", "properties": {
        "name": ["Ivan Example"], "weakAlias": ["Vanya"], "birthDate": ["1970-02-03"], "birthPlace": ["Omsk"],
        "nationality": ["ru"], "citizenship": ["cy"], "gender": ["male"], "position": ["Director"],
        "sourceUrl": ["https://ofac.example/p1"], "email": ["ivan@example.ru"], "address": ["1 Lenin St, Omsk"],
        "notes": ["a note"], "topics": ["sanction"]}},
    {"id": "c1", "schema": "Company", "properties": {
        "name": ["Example Shipping LLC"], "country": ["ru", "cy"], "jurisdiction": ["cy"],
        "uscCode": ["91110000MA005UCQ5P"], "website": ["https://shipping.example"], "phone": ["+7 495 000 00 00"],
        "sourceUrl": ["https://ofac.example/c1"]}},
    {"id": "v1", "schema": "Vessel", "properties": {
        "name": ["SEA EXAMPLE"], "imoNumber": ["IMO9176187"], "flag": ["pa"], "callSign": ["3FXY2"],
        "type": ["Crude Oil Tanker"], "tonnage": ["150000"]}},
]


def _cleaned(doc: dict[str, object]) -> dict[str, set[str]]:
    return {k: set(v) for k, v in model.get_proxy(doc, cleaned=False).to_dict()["properties"].items()}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_property_survives_import_export_import(backend: str, tmp_path: Path) -> None:
    src = tmp_path / "given.ftm.json"
    sanctions = [{"id": f"s-{p['id']}", "schema": "Sanction", "properties": {
        "entity": [p["id"]], "program": ["us_ofac_sdn"], "listingDate": ["2022-03-01"]}} for p in PARTIES]
    src.write_text("".join(json.dumps(d) + "\n" for d in PARTIES + sanctions), encoding="utf-8")
    st = open_store(database(backend, tmp_path, "ftm"), seed=False)
    ingest(st, "ftm", [src])
    out = tmp_path / "exported.ftm.json"
    out.write_text("\n".join(ftm_lines(st)) + "\n", encoding="utf-8")
    exported = {d["id"]: d for d in _docs(out)}
    [(_, again, _)] = ftm.parse(out)
    reread = {r.source_id: r for r in again}
    for given in PARTIES:
        doc = exported[f"lw-ftm-{given['id']}"]
        assert model.get_proxy(doc, cleaned=False).to_dict()["properties"] == doc["properties"]  # schema-valid
        have = _cleaned(doc)
        for prop, values in _cleaned(given).items():
            assert values <= have.get(prop, set()), (given["id"], prop)
        rec = reread[f"ftm:lw-ftm-{given['id']}"]
        names = {rec.name, *rec.aliases}
        kept = {k: set(v) for k, v in rec.properties.items()}
        for prop, values in _cleaned(given).items():
            assert values <= (names if prop == "name" else kept.get(prop, set())), (given["id"], prop)
