"""The bundled dataset: sourced, consistent, and matching the official files it was built from."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from listwatch.dataset import DatasetError, check, load
from listwatch.model import EventType
from tests.conftest import Cli, edit_yaml


def test_bundled_dataset_passes_data_check() -> None:
    assert check(load()) == []


def test_data_check_command_passes_on_bundled_data(cli: Cli) -> None:
    r = cli("data", "check")
    assert r.exit_code == 0
    assert r.stdout.startswith("ok: ") and "us-dod-1237 45" in r.stdout
    assert "reported; 0 verified without a primary source" in r.stdout  # counts: primary / secondary-only / reported


def test_every_fact_cites_a_known_source() -> None:
    ds = load()
    for e in ds.events:
        assert e.sources and all(s in ds.sources for s in e.sources), e
    for ent in ds.entities.values():
        for n in ent.names:
            assert n.sources, (ent.id, n.name)


def test_unverified_facts_are_marked_reported() -> None:
    ds = load()
    huawei_cn = next(n for n in ds.entities["huawei"].names if n.name == "华为技术有限公司")
    assert huawei_cn.confidence.value == "reported" and huawei_cn.sources == ("factsheet-recalled",)
    later_1260h = [e for e in ds.events if e.list_id == "us-dod-1260h" and e.effective.year >= 2026]
    assert later_1260h and all(e.confidence.value == "reported" for e in later_1260h)


@pytest.mark.parametrize(("breakage", "message"), [
    ("no_source", "no source"),
    ("unknown_source", "unknown source id"),
    ("duplicate_entity", "duplicate entity"),
    ("event_before_list", "before its list exists"),
    ("removal_without_listing", "removal without a listing"),
    ("verified_secondary_only", "verified but cites no primary source"),
    ("parent_cycle", "parent links form a cycle"),
])
def test_data_check_fails_on_a_broken_copy(data_copy: Path, cli: Cli, breakage: str, message: str) -> None:
    events = data_copy / "events-us-dod-1237.yaml"
    if breakage == "no_source":
        edit_yaml(events, lambda d: d["events"][0].__setitem__("source", []))
    elif breakage == "unknown_source":
        edit_yaml(events, lambda d: d["events"][0].__setitem__("source", ["no-such-source"]))
    elif breakage == "duplicate_entity":
        def dup(d: dict) -> None:  # type: ignore[type-arg]
            clone = dict(next(e for e in d["entities"] if e["id"] == "xiaomi"))
            clone["id"] = "xiaomi-2"
            d["entities"].append(clone)
        edit_yaml(data_copy / "entities.yaml", dup)
    elif breakage == "event_before_list":
        edit_yaml(events, lambda d: d["events"][0].__setitem__("date", "2019-01-01"))
    elif breakage == "removal_without_listing":
        edit_yaml(events, lambda d: d["events"].append({"entity": "huawei-device-co-ltd", "type": "delisted",
                                                        "date": "2021-01-01", "source": ["eo13959"]}))
    elif breakage == "verified_secondary_only":  # a law-firm alert alone cannot make a listing verified
        edit_yaml(events, lambda d: d["events"][0].__setitem__("source", ["s-4cdce5f44b"]))
    elif breakage == "parent_cycle":  # CCCG is CCCC's parent on the 1260H list; the reverse link makes a loop
        def loop(d: dict) -> None:  # type: ignore[type-arg]
            cccg = next(e for e in d["entities"] if e["id"] == "china-communications-construction-group")
            cccg["parent"] = {"entity": "cccc", "source": ["opensanctions-1260h"]}
        edit_yaml(data_copy / "entities.yaml", loop)
    problems = check(load(data_copy))
    assert any(message in p for p in problems), problems
    r = cli("data", "check", "--path", str(data_copy))
    assert r.exit_code == 1
    assert message in r.stderr


def test_malformed_dataset_file_is_named_in_the_error(data_copy: Path) -> None:
    (data_copy / "events-us-dod-1237.yaml").write_text("list: x\nrecorded_at: 2026-11-23T00:00:00Z\nevents:\n- type: listed\n  date: 14/01/2021\n")
    with pytest.raises(DatasetError, match=r"events-us-dod-1237.yaml event #1: .*not a date"):
        load(data_copy)


def test_1237_tranches_have_the_published_counts() -> None:
    listed = Counter(e.effective.isoformat() for e in load().events
                     if e.list_id == "us-dod-1237" and e.type is EventType.LISTED)
    # 44 companies in four tranches, plus Luokung's corrected re-listing of 2021-03-09
    assert listed == {"2020-06-24": 20, "2020-08-28": 11, "2020-12-03": 4, "2021-01-14": 9, "2021-03-09": 1}


def test_dji_keeps_each_list_printed_name_as_an_alias() -> None:
    dji = load().entities["dji"]
    names = {n.name for n in dji.names}
    assert {"SZ DJI Technology Co., Ltd.", "Shenzhen DJI Innovation Technology Co., Ltd. (DJI)"} <= names


def test_ns_cmic_listings_match_ofac_cons_prim(shared: Path) -> None:
    """Every CMIC-EO13959 row of OFAC's consolidated file is a listing on the listing date OFAC prints."""
    path = shared / "data/real/ofac-cons-csv/2025-12-19/cons_prim.csv"
    rows = [r for r in csv.reader(path.open(encoding="utf-8", newline="")) if len(r) > 11 and "CMIC" in r[3]]
    assert len(rows) == 68
    ds = load()
    by_source = {s: e for e in ds.events if e.list_id == "us-ofac-ns-cmic" for s in e.sources}
    months = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec"], 1)}
    for r in rows:
        ev = by_source[f"ofac-cons:{r[0]}"]
        d, mon, y = re.search(r"Listing Date \(CMIC\) (\d+) (\w+) (\d{4})", r[11]).groups()  # type: ignore[union-attr]
        assert (ev.effective.year, ev.effective.month, ev.effective.day) == (int(y), months[mon], int(d)), r[1]


def test_1260h_editions_match_the_reference_transcription(shared: Path) -> None:
    rows = list(csv.DictReader((shared / "reference/dod-1260h-editions.csv").open(encoding="utf-8")))
    ds = load()
    on_2025 = {e.entity_id for e in ds.events if e.list_id == "us-dod-1260h"}
    assert len(on_2025) >= len({r["Clean Name"].casefold() for r in rows}) - 20
    listed = [e for e in ds.events if e.list_id == "us-dod-1260h" and e.type is EventType.LISTED
              and e.effective.isoformat() == "2021-06-03"]
    assert len(listed) == sum(1 for r in rows if r["Start date"] == "2021-06-03")
