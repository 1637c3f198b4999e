"""The bundled snapshots: a fresh install answers from the official lists, dated honestly, and says how fresh."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from listwatch.ingest import ingest
from listwatch.ingest.snapshots import load_snapshots
from listwatch.snapshots import ROOT, pending, snapshots
from listwatch.store.db import Store
from tests.conftest import BACKENDS, Cli


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, object]]:
    """A new LISTWATCH_HOME whose first command is the README's `listwatch lists` (it loads the snapshots)."""
    cli = Cli(tmp_path_factory.mktemp("fresh-install"))
    cli.env["LISTWATCH_SNAPSHOTS"] = "1"
    first = cli.json("lists")
    return cli, first


def test_the_first_command_lists_every_list_with_the_date_of_its_data(fresh_install: tuple[Cli, dict]) -> None:
    _, first = fresh_install
    lists = {x["id"]: x for x in first["lists"]}  # type: ignore[attr-defined]
    sdn = {s["source"]: s["as_of"] for s in lists["us-ofac-sdn"]["data_sources"]}
    assert lists["us-ofac-sdn"]["data_as_of"] == "2024-05-03" and sdn["ofac-sdn"] == "2024-05-03"
    assert {s["source"] for s in lists["us-ofac-ns-cmic"]["data_sources"]} >= {"ofac-cons", "curated"}
    assert lists["us-bis-entity-list"]["data_as_of"] is not None
    assert lists["us-ofac-sdn"]["entities"] > 14000


def test_fresh_install_zhuhai_zhenrong_is_blocked_on_2021_07_07_from_the_bundled_sdn(
        fresh_install: tuple[Cli, dict]) -> None:
    cli, _ = fresh_install
    s = cli.json("status", "ZHUHAI ZHENRONG COMPANY LIMITED", "--as-of", "2021-07-07")
    assert s["entity"]["id"] == "ofac-sdn-27063"  # the CSL's copy of the record joined it: one party
    assert s["restricted"] is True
    assert [e["kind"] for e in s["effects"]] == ["assets_blocked"]
    assert s["listings"][0]["list"] == "us-ofac-sdn" and s["listings"][0]["since"] <= "2021-07-07"
    assert s["data_as_of"]["ofac-sdn"] == "2024-05-03"
    text = cli("status", "ZHUHAI ZHENRONG COMPANY LIMITED", "--as-of", "2021-07-07").output
    assert "RESTRICTED" in text and "data as of:" in text and "ofac-sdn 2024-05-03" in text


def test_a_record_first_seen_in_a_2022_history_snapshot_is_listed_from_that_day_not_before(
        fresh_install: tuple[Cli, dict]) -> None:
    cli, _ = fresh_install  # KEEN WELL INTERNATIONAL LIMITED: OFAC designation of 2022-06-16
    before = cli.json("status", "ofac-sdn-34078", "--as-of", "2022-06-15")
    on = cli.json("status", "ofac-sdn-34078", "--as-of", "2022-06-16")
    assert before["listings"] == [] and before["restricted"] is not True
    assert on["restricted"] is True and on["listings"][0]["since"] == "2022-06-16"


# One backend, PostgreSQL when there is one: SQLite loads the snapshots in fresh_install above.
@pytest.mark.parametrize("fresh_store", BACKENDS[-1:], indirect=True)
def test_snapshots_load_once_and_never_over_a_source_already_ingested(fresh_store: Store, shared: Path) -> None:
    ingest(fresh_store, "ofac-csv", [shared / "data/real/ofac-cons-csv/2025-12-19"])
    assert "ofac-cons" not in {s.source for s in pending(fresh_store)}
    assert {s.source for s in pending(fresh_store)} == {"ofac-sdn", "csl"}
    assert load_snapshots(fresh_store) and pending(fresh_store) == []  # the two missing ones, once


def test_bundled_files_are_the_official_bytes_and_small() -> None:
    manifest = json.loads((ROOT / "manifest.json").read_text())
    total = 0
    for source, m in manifest.items():
        for f in m["files"]:
            raw = (ROOT / source / f["name"]).read_bytes()
            total += len(raw)
            assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == f["sha256"], f["name"]
    assert total < 3 * 1024 * 1024
    assert [s.source for s in snapshots()] == ["ofac-sdn", "ofac-cons", "csl"]

