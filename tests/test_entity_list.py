"""The Entity List: every row of the CSL file bundled, each dated by its rule's effective date.

The rule table (FR citation -> publication, effective date, source) dates both the bundled rows
and ingested CSL rows; a rule whose effective date was not confirmed dates by publication and is
``reported``; impossible printed dates (year 0017) are flagged or refused, never used.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from listwatch.ingest import IngestError, csl
from listwatch.model import Confidence, EventType
from listwatch.regimes.el_rules import DatingError, bundled_rules, load_rules
from listwatch.resolve import resolve
from listwatch.status import members, status
from listwatch.store.db import Store
from tests.conftest import D

EL = "us-bis-entity-list"

# (FR citations as printed, printed start_date) -> (day the entry binds, confidence)
DATINGS = [
    ("84 FR 22961, 85 FR 29852, 85 FR 36720, 85 FR 51603", "2019-05-21", "2019-05-16", "verified"),  # Huawei
    ("84 FR 43495, 85 FR 29852", "2019-08-21", "2019-08-19", "verified"),  # Huawei affiliates, Aug. 2019
    ("85 FR 51603", "2020-08-20", "2020-08-17", "verified"),  # Huawei affiliates, Aug. 2020
    ("85 FR 83420", "2020-12-18", "2020-12-18", "verified"),  # SMIC, DJI (published 2020-12-22)
    ("86 FR 4862", "2021-01-14", "2021-01-14", "verified"),  # CNOOC (published 2021-01-15)
    ("87 FR 12240", "2022-03-03", "2022-02-24", "verified"),  # Russia MEUs moved to the Entity List
    ("87 FR 20299", "2022-04-07", "2022-04-07", "reported"),  # effective date not confirmed: publication
    ("82 FR 24245", "0017-05-26", "2017-05-26", "reported"),  # impossible printed year, dated by its rule
]


@pytest.mark.parametrize(("cites", "printed", "day", "confidence"), DATINGS, ids=[d[0][:11] for d in DATINGS])
def test_rule_table_dates_an_entry_by_its_adding_rule(cites: str, printed: str, day: str, confidence: str) -> None:
    dating = bundled_rules().date_entry(cites, printed, "row")
    assert dating is not None and (dating.day, dating.confidence.value) == (D(day), confidence)
    assert (dating.rule is not None and dating.rule.published >= dating.day)  # never later than publication


def test_impossible_printed_date_is_named_and_never_used() -> None:
    dating = bundled_rules().date_entry("82 FR 24245", "0017-05-26", "row 7")
    assert dating is not None and "'0017-05-26' is impossible" in dating.note
    with pytest.raises(DatingError, match=r"row 7: citation 99 FR 1 is in no known rule and start_date '0017-05-26'"):
        bundled_rules().date_entry("99 FR 1", "0017-05-26", "row 7")
    assert bundled_rules().date_entry("", "", "row 8") is None  # nothing to date by


def test_rule_table_file_errors_name_the_rule(tmp_path: Path) -> None:
    f = tmp_path / "entity-list-rules.yaml"
    f.write_text("rules:\n- fr: 84 FR 22961\n  published: '2019-05-21'\n  effective: '2019-05-16'\n", encoding="utf-8")
    with pytest.raises(DatingError, match=r"rule #1 \(84 FR 22961\): no source"):
        load_rules(f)


def test_ingested_csl_entity_list_row_is_dated_by_effective_date(tmp_path: Path) -> None:
    cols = ["_id", "source", "name", "type", "alt_names", "start_date", "federal_register_notice", "ids"]
    rows = [["h1", "Entity List (EL) - Bureau of Industry and Security", "Huawei Technologies Co., Ltd.", "", "",
             "2019-05-21", "84 FR 22961, 85 FR 29852", ""],
            ["x2", "Entity List (EL) - Bureau of Industry and Security", "Typo Co", "", "", "0017-05-26", "99 FR 1", ""]]
    f = tmp_path / "csl.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([cols, rows[0]])
    [rec] = csl.parse(f)
    assert rec.listed_on == D("2019-05-16") and "[verified]" in rec.extra["dated_by"]
    with f.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(rows[1])
    with pytest.raises(IngestError, match=r"csl.csv: line 3: citation 99 FR 1 is in no known rule"):
        csl.parse(f)


def test_members_on_2022_05_16_hold_every_entity_list_party_of_the_csl_file(store: Store, shared: Path) -> None:
    with gzip.open(shared / "data/real/csl/2022-05-16/consolidated.csv.gz", "rt", encoding="utf-8-sig") as fh:
        ids = {f"csl:{r['_id']}" for r in csv.DictReader(fh) if r["source"].startswith("Entity List")}
    assert len(ids) == 2001
    on = {m.entity.id for m in members(store, EL, D("2022-05-16"))}
    cited = {s for ev in store.events(list_id=EL) if ev.type is EventType.LISTED and ev.entity_id in on
             for s in ev.sources}
    assert ids <= cited


def test_every_bundled_entity_list_listing_is_dated_by_a_rule_or_marked_reported(store: Store) -> None:
    evs = [e for e in store.events(list_id=EL) if e.type is EventType.LISTED]
    assert len(evs) > 1900
    verified = [e for e in evs if e.confidence is Confidence.VERIFIED]
    assert verified and all(any(s.startswith("fr:") for s in e.sources) for e in verified)
    assert all("not confirmed" in (e.note or "") or "unknown" in (e.note or "") for e in evs if e not in verified)


@pytest.mark.parametrize(("query", "day", "restricted"), [
    ("Megvii Technology", "2019-10-08", False), ("Megvii Technology", "2019-10-09", True),  # 84 FR 54002
    ("Sugon", "2019-06-24", True), ("Hikvision", "2019-10-09", True)])
def test_entity_list_parties_known_from_other_lists_are_one_entity(store: Store, query: str, day: str,
                                                                    restricted: bool) -> None:
    s = status(store, resolve(store, query), D(day))
    assert s.restricted is restricted
    assert (EL in {x.list_id for x in s.listings}) is restricted


# DoD's published counts per 1260H edition (2025-01-07: 134, DoD release and press; the 2026-06-08
# edition: the transcription's 188 entries, not checked against DoD's PDF).
EDITIONS = [("2021-06-03", 47), ("2022-10-05", 60), ("2024-01-31", 73), ("2025-01-07", 134), ("2026-06-08", 188)]


@pytest.mark.parametrize(("day", "count"), EDITIONS)
def test_each_1260h_edition_is_the_complete_list_with_dods_count(store: Store, day: str, count: int) -> None:
    assert len(members(store, "us-dod-1260h", D(day))) == count


def test_1260h_edition_removes_whom_it_omits_and_withdrawn_notices_are_not_events(store: Store) -> None:
    on = {m.entity.id for m in members(store, "us-dod-1260h", D("2025-01-07"))}
    assert not on & {"cnooc-limited", "smic-northern-integrated-circuit-manufacturing-beijing-co-lt"}
    assert "hesai" in on  # stayed listed (DoD's count of 134; Reuters)
    feb = {m.entity.id for m in members(store, "us-dod-1260h", D("2026-03-01"))}
    assert "changxin-memory-technologies-inc" in feb  # the 2026-02-17 notice was withdrawn before publication
