"""Screening through the store, the Python API and the CLI (single, batch, pairwise)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from listwatch.dataset import event_key
from listwatch.model import Confidence, Event, EventType
from listwatch.screen import ScreenError, entity_docs, screen, screen_many
from listwatch.status import status, statuses_of
from listwatch.store.db import Store
from tests.conftest import Cli, D


def test_holdings_file_style_name_finds_xiaomi_with_status_and_sources(store: Store) -> None:
    [hit, *_] = screen("XIAOMI CORP-CLASS B", D("2021-02-01"), store=store)
    assert hit.entity.id == "xiaomi" and hit.score == 1.0
    assert hit.status.restricted and [x.list_id for x in hit.status.listings] == ["us-dod-1237"]
    assert "listwatch:xiaomi" in hit.source_ids
    assert hit.explanation["discounted"] == ["corp", "class", "b", "corporation"]


def test_chinese_name_finds_xiaomi(store: Store) -> None:
    assert screen("小米集团", store=store)[0].entity.id == "xiaomi"


def test_ns_cmic_hit_carries_the_ofac_record_id(store: Store) -> None:
    [hit, *_] = screen("Hangzhou Hikvision Digital Tech Co Ltd", D("2022-01-01"), store=store)
    assert hit.entity.id == "hikvision"
    assert any(s.startswith("ofac-cons:") for s in hit.source_ids)


def test_identifier_hits_score_one(store: Store) -> None:
    [hit] = screen("KYG9830T1067", D("2021-02-01"), store=store)
    assert hit.entity.id == "xiaomi" and hit.score == 1.0
    assert screen("1810@HK", store=store)[0].entity.id == "xiaomi"


def test_threshold_and_limit_are_respected(store: Store) -> None:
    loose = screen("China Aerospace", threshold=0.3, limit=3, store=store)
    assert 0 < len(loose) <= 3 and all(h.score >= 0.3 for h in loose)
    assert [h.score for h in loose] == sorted((h.score for h in loose), reverse=True)
    assert screen("China Aerospace", threshold=1.0, store=store) == []


def test_unrelated_name_raises_no_alarm(store: Store) -> None:
    assert screen("Acme Widgets Ltd", store=store) == []
    assert screen("ZHANG, Xiaoming", store=store) == []


@pytest.mark.parametrize(("query", "message"), [("", "empty query"), ("   ", "empty query"),
                                                 ("x" * 501, "over the 500-character limit")])
def test_bad_queries_give_a_clear_error(store: Store, query: str, message: str) -> None:
    with pytest.raises(ScreenError, match=message):
        screen(query, store=store)


def test_screen_many_reports_bad_rows_and_screens_the_rest(store: Store) -> None:
    out = list(screen_many(["Xiaomi Corporation", "", "SMIC"], store=store))
    assert [n for n, _, _ in out] == [1, 2, 3]
    assert out[1][2] == "empty query"
    assert out[0][2][0].entity.id == "xiaomi" and out[2][2][0].entity.id == "smic"  # type: ignore[index,union-attr]


def test_screen_json_contract(cli: Cli) -> None:
    data = cli.json("screen", "XIAOMI CORP-CLASS B", "--as-of", "2021-02-01")
    assert set(data) >= {"query", "as_of", "results"}
    [best, *_] = data["results"]
    assert set(best) >= {"entity", "matched_name", "score", "explanation", "source_ids", "restricted"}
    assert set(best["entity"]) >= {"id", "name", "aliases"}
    assert best["entity"]["id"] == "xiaomi" and best["restricted"] is True


def test_compare_json_contract(cli: Cli) -> None:
    data = cli.json("compare", "Huawei Technolgies", "HUAWEI TECHNOLOGIES CO., LTD.")
    assert set(data) >= {"a", "b", "score", "explanation"}
    assert 0.9 < data["score"] < 1.0


def test_screen_file_json_lines_with_a_bad_row(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes("id,name\n1,XIAOMI CORP-CLASS B\n2,\n3,Acme Widgets\n4,\xff\xfe bad\n5,小米集团\n".encode()
                  .replace("\xff\xfe".encode(), b"\xff\xfe"))
    r = cli("screen-file", str(f), "--json", "--workers", "1", "--as-of", "2021-02-01")
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["row"] for x in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["results"][0]["entity"]["id"] == "xiaomi" and lines[0]["query"] == "XIAOMI CORP-CLASS B"
    assert lines[1]["error"] == "row 2: empty 'name'"
    assert lines[2]["results"] == []
    assert lines[3]["error"] == "row 4: not UTF-8 text"
    assert lines[4]["results"][0]["entity"]["id"] == "xiaomi"


def test_screen_file_csv_output_on_two_processes(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("customer\nSZ DJI Technology Co Ltd\nAcme Widgets\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    r = cli("screen-file", str(f), "--column", "customer", "-o", str(out), "--workers", "2")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(x["row"], x["entity_id"]) for x in rows] == [("1", "dji"), ("2", "")]
    assert rows[0]["restricted"] == "True" and "us-ofac-ns-cmic" in rows[0]["lists"]


def test_screen_file_without_the_column_fails_clearly(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("company\nXiaomi\n", encoding="utf-8")
    r = cli("screen-file", str(f), "--json")
    assert r.exit_code == 2 and "no column 'name' in the header (found company)" in r.stderr


def test_screen_known_at_replays_what_was_known_with_its_evidence(cli: Cli) -> None:
    """Before the bundled data was recorded (2026-11-23) listwatch knew no listing: never 'restricted' then."""
    before = cli.json("screen", "XIAOMI CORP-CLASS B", "--as-of", "2021-02-01", "--known-at", "2026-11-22")
    after = cli.json("screen", "XIAOMI CORP-CLASS B", "--as-of", "2021-02-01", "--known-at", "2026-11-23T00:00:00Z")
    assert before["results"][0]["restricted"] is not True and before["evidence"]["sources"] == []
    assert after["results"][0]["restricted"] is True
    ev = after["evidence"]
    assert set(ev) >= {"as_of", "known_at", "data_version", "sources", "listwatch_version", "replay_known_at"}
    assert (ev["as_of"], ev["known_at"]) == ("2021-02-01", "2026-11-23T00:00:00Z")
    assert [s["source"] for s in ev["sources"]] == ["listwatch-dataset"] and len(ev["sources"][0]["content_hash"]) == 64
    assert after == cli.json("screen", "XIAOMI CORP-CLASS B", "--as-of", "2021-02-01", "--known-at",
                             "2026-11-23T00:00:00Z")  # a replay is the same answer, evidence included


def test_screen_file_known_at_and_evidence_on_every_line(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("name\nXIAOMI CORP-CLASS B\n", encoding="utf-8")
    r = cli("screen-file", str(f), "--json", "--workers", "1", "--as-of", "2021-02-01", "--known-at", "2026-11-22")
    [line] = [json.loads(x) for x in r.stdout.splitlines()]
    assert line["results"][0]["restricted"] is not True and line["evidence"]["known_at"].startswith("2026-11-22")
    out = tmp_path / "out.csv"
    assert cli("screen-file", str(f), "-o", str(out), "--workers", "1", "--as-of", "2021-02-01").exit_code == 0
    proof = json.loads((tmp_path / "out.csv.evidence.json").read_text(encoding="utf-8"))
    assert proof["as_of"] == "2021-02-01" and proof["sources"]


def test_a_remembered_status_is_forgotten_when_the_data_changes(fresh_store: Store) -> None:
    """screen() remembers statuses per data version (batch speed); a new event is still seen at once."""
    fresh_store.max_age = 0.0
    day = D("2027-01-01")
    before = screen("DJI", as_of=day, limit=1, store=fresh_store)[0]
    assert "us-ofac-ns-cmic" in [x.list_id for x in before.status.listings]
    assert screen("DJI", as_of=day, limit=1, store=fresh_store)[0].status == before.status
    delisted = Event(key=event_key("test", "dji", "delisted", "2026-12-01", "memo"), list_id="us-ofac-ns-cmic",
                     type=EventType.DELISTED, effective=D("2026-12-01"), recorded_at=dt.datetime.now(dt.UTC),
                     sources=("eo14032",), confidence=Confidence.REPORTED, entity_id="dji", note="test fixture event")
    assert fresh_store.append_events([delisted], origin="test") == 1
    after = screen("DJI", as_of=day, limit=1, store=fresh_store)[0]
    assert after.entity.id == before.entity.id == "dji"
    assert "us-ofac-ns-cmic" not in [x.list_id for x in after.status.listings]
    assert after.status == status(fresh_store, after.entity, day)



def test_statuses_of_many_entities_equal_their_status_one_by_one(store: Store) -> None:
    ents = list(store.entities(["xiaomi", "dji", "huawei", "smic", "no-such-entity"]).values())
    assert len(ents) >= 3
    for day in (D("2021-01-14"), D("2021-03-15"), D("2026-01-01")):
        assert statuses_of(store, ents, day) == {e.id: status(store, e, day) for e in ents}


def test_index_documents_do_not_depend_on_the_order_the_store_gives(store: Store) -> None:
    """Exact ties rank by document order: a rebuilt index must rank them the same in every process
    (the store's entity order follows each process's hash seed)."""
    entities = list(store.entities(store.entity_ids()).values())
    assert entity_docs(entities) == entity_docs(reversed(entities))
