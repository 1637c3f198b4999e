"""Honest answers on real, ingested lists: unknown is not clear, one party is one entity.

The real files take seconds each to ingest, so two session stores serve every test here:
``ingested`` (SDN 2021-07-07, consolidated 2025-12-19, CSL 2022-05-16: conftest's ``real_lists``, built
once per test session and shared with tests/test_ingest.py) and ``replayed`` (SDN 2021-07-07 with its
companions, then the SDN history snapshots up to a day in September 2021).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from listwatch.ingest.history import replay
from listwatch.model import EventType
from listwatch.resolve import RecordResolver, candidates, resolve
from listwatch.screen import screen
from listwatch.status import status
from listwatch.store import schema as t
from listwatch.store.db import Store, open_store
from listwatch.store.writer import Facts
from tests.conftest import Cli, D, RealLists

REAL = "data/real"


@pytest.fixture(scope="session")
def ingested(real_lists: RealLists) -> Store:
    return real_lists.store


def _first_addition_a_day_after_its_previous_snapshot_after_a_removal(shared: Path) -> dt.date:
    """The replay's end: the first snapshot that adds records one day after the snapshot before it (so the
    addition's date is exact), once an earlier snapshot has removed some: the replayed chain then holds lone
    sdn.csv files, additions and removals (2021-09-03, the 7th snapshot). Each snapshot is dated and compared
    with the one before it the same way, so a longer chain would exercise the same steps, only more often."""
    eastern = ZoneInfo("America/New_York")
    with (shared / REAL / "ofac-sdn-history/sdn-history-index.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    days = [dt.datetime.fromisoformat(r["fetched_utc"]).replace(tzinfo=dt.UTC).astimezone(eastern).date()
            for r in rows]
    removal = next(k for k, r in enumerate(rows) if k and int(r["removed_vs_prev"] or 0))
    return next(d for k, (r, d) in enumerate(zip(rows, days, strict=True))
                if k > removal and int(r["added_vs_prev"] or 0) and days[k - 1] == d - dt.timedelta(days=1))


@pytest.fixture(scope="session")
def replayed(shared: Path, tmp_path_factory: pytest.TempPathFactory, real_lists: RealLists) -> tuple[Store, dt.date]:
    # the bundled data with SDN 2021-07-07 ingested (as_of 2021-07-07): a copy of real_lists' first step
    st = open_store(real_lists.sdn_only(tmp_path_factory.mktemp("replayed")))
    day = _first_addition_a_day_after_its_previous_snapshot_after_a_removal(shared)
    replay(st, shared / REAL / "ofac-sdn-history/sdn-history.tar.xz", until=day)
    return st, day


# -- one party, one entity ----------------------------------------------------------------------

def test_banco_nacional_de_cuba_is_one_entity_restricted_with_assets_blocked(ingested: Store) -> None:
    bank = resolve(ingested, "BANCO NACIONAL DE CUBA")  # csl:306 joined ofac-sdn:306: not ambiguous
    s = status(ingested, bank, D("2022-06-01"))
    assert s.restricted is True
    assert [e.kind.value for e in s.effects] == ["assets_blocked"]


@pytest.mark.parametrize("name", ["BANCO NACIONAL DE CUBA", "AEROCARIBBEAN AIRLINES", "HUAWEI TECHNOLOGIES CO., LTD.",
                                  "SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION"])
def test_the_same_party_never_appears_twice_in_screen(ingested: Store, name: str) -> None:
    hits = screen(name, D("2022-06-01"), store=ingested)
    assert hits
    records = [sid for h in hits for sid in h.source_ids]
    assert len(records) == len(set(records))  # no OFAC record, nor its CSL copy, under two entities
    assert len({h.entity.id for h in hits}) == len(hits)


def test_an_organisation_listed_in_several_countries_joins_a_record_of_the_same_name_in_one_of_them() -> None:
    facts = Facts([], [("al naser airlines", "sdn"), ("al naser airlines", "person")],
                  [("sdn", None, "organization"), ("person", "JO", "person")], [],
                  [("sdn", "P.O. Box 28360, Dubai, United Arab Emirates"), ("sdn", "P.O. Box 911399, Amman 11191, Jordan")])
    r = RecordResolver(facts)
    assert r.resolve("csl:1", "Organization", ["AL NASER AIRLINES"], [], ["JO"]) == (
        "sdn", [], "same normalised name 'al naser airlines' and country JO")
    eid, links, why = r.resolve("csl:2", "Organization", ["AL-NASER AIRLINES"], [], ["IQ"])  # no country in common
    assert (eid, why) == (None, "") and {e for e, _ in links} == {"sdn", "person"}
    eid, _, _ = r.resolve("csl:3", "Person", ["AL NASER AIRLINES"], [], ["JO"])  # a person never joins by name
    assert eid is None


def test_every_row_of_one_party_joins_it_and_says_why(ingested: Store) -> None:
    with ingested.engine.connect() as conn:
        rows = {r.source_id: r for r in conn.execute(t.source_records.select().where(t.source_records.c.source_id.in_(
            ["ofac-sdn:18133", "csl:5b1cffe1f4eb2f02024043476167c2e781a0cbda",
             "csl:b29fd0a0b03d57ea00a2e98edc5c380da6d42538", "csl:5ab6d75cd0034e3e74611be7c9d2bbbe1c9a2b98"])))}
    # a Denied Persons List row of OFAC's Al-Naser Airlines (Iraq, UAE, Jordan), printed at its Dubai and Amman addresses
    dpl = rows["csl:5b1cffe1f4eb2f02024043476167c2e781a0cbda"]
    assert dpl.entity_id == rows["ofac-sdn:18133"].entity_id
    assert dpl.joined_by == "same normalised name 'alnaser airlines' and country AE, JO"
    # the second Entity List row of a party the bundled data lists once (it cites both rows)
    assert rows["csl:b29fd0a0b03d57ea00a2e98edc5c380da6d42538"].entity_id == "el-seyed-mahdi-mousavi"
    # the Entity List's 'China Communications Construction Company Ltd.' is the NS-CMIC's CCCC (tools/build_entity_list.py)
    assert rows["csl:5ab6d75cd0034e3e74611be7c9d2bbbe1c9a2b98"].entity_id == "cccc"
    assert rows["ofac-sdn:18133"].joined_by is None  # it founded its own entity
    hits = screen("ALNASER AIRLINES", D("2022-06-01"), store=ingested)
    assert [h.entity.id for h in hits if h.score == 1.0] == [rows["ofac-sdn:18133"].entity_id]


def test_exact_official_names_beat_names_with_the_legal_form_stripped(store: Store) -> None:
    assert resolve(store, "CNOOC Limited").id == "cnooc-limited"
    assert resolve(store, "China Telecom Corporation Limited").id == "china-telecom-corporation-limited"
    assert len(candidates(store, "Yitu")) == 2  # a bare short name still finds every company going by it


def test_an_ambiguous_name_lists_its_candidates_with_lists_and_status_and_exits_2(cli: Cli) -> None:
    result = cli("status", "Huawei International", "--as-of", "2021-06-01", "--json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert {c["id"] for c in doc["candidates"]} == {"huawei-international-co-limited", "huawei-international-pte-ltd"}
    assert all(c["lists"] == ["us-bis-entity-list"] and c["restricted"] is True for c in doc["candidates"])
    text = cli("status", "Huawei International", "--as-of", "2021-06-01")
    assert text.exit_code == 2 and "huawei-international-pte-ltd" in text.output and "names 2" in text.output


# -- three-valued answers -----------------------------------------------------------------------

def test_an_sdn_record_without_a_listing_date_is_unknown_before_first_seen_never_false(ingested: Store) -> None:
    airline = resolve(ingested, "ofac-sdn-36")
    before = status(ingested, airline, D("2020-01-01"))
    assert before.restricted is None and "on or before 2021-07-07" in before.reason
    assert status(ingested, airline, D("2021-07-07")).restricted is True


def test_a_dated_source_still_says_true_before_an_undated_one(ingested: Store) -> None:
    """Huawei's Entity List listing is dated (2019-05-16); CSL rows without a date leave it true."""
    s = status(ingested, resolve(ingested, "huawei"), D("2020-01-01"))
    assert s.restricted is True


def test_a_list_id_appears_only_where_a_file_says_so_and_on_its_printed_date(ingested: Store) -> None:
    huawei = resolve(ingested, "huawei")
    cmic = [e for e in ingested.events(entity_id=huawei.id, list_id="us-ofac-ns-cmic")
            if e.type is EventType.LISTED and e.sources[0].startswith(("csl:", "ofac-cons:"))]
    assert cmic and {e.effective for e in cmic} == {D("2021-06-03")}  # "Listing Date (CMIC)", not the import day


def test_before_the_first_record_known_at_says_nothing_recorded_yet(store: Store) -> None:
    xiaomi = resolve(store, "xiaomi")
    first = min(e.recorded_at for e in store.events(entity_id="xiaomi"))
    s = status(store, xiaomi, D("2021-01-14"), known_at=first - dt.timedelta(seconds=1))
    assert s.restricted is None and "nothing recorded yet" in s.reason


def test_status_json_says_null_with_a_reason(cli: Cli) -> None:
    doc = cli.json("status", "xiaomi", "--as-of", "2021-01-14", "--known-at", "2000-01-01T00:00:00Z")
    assert doc["restricted"] is None and "nothing recorded yet" in doc["reason"]


# -- the SDN history -----------------------------------------------------------------------------

def test_history_replay_dates_an_addition_to_the_snapshot_that_first_shows_it(
        replayed: tuple[Store, dt.date]) -> None:
    st, day = replayed
    added = [e for e in st.events(list_id="us-ofac-sdn") if e.type is EventType.LISTED and e.effective == day]
    assert added
    ent = st.entity(added[0].entity_id or "")
    assert ent is not None
    assert status(st, ent, day - dt.timedelta(days=1)).restricted is False
    assert status(st, ent, day).restricted is True


def test_history_replay_reads_lone_snapshots_without_inventing_amendments(replayed: tuple[Store, dt.date]) -> None:
    st, _ = replayed
    airline = resolve(st, "ofac-sdn-36")
    assert "AERO-CARIBBEAN" in airline.aliases  # from alt.csv of 2021-07-07: not removed by lone sdn.csv files
    amended = [e for e in st.events(list_id="us-ofac-sdn") if e.type is EventType.AMENDED]
    assert len(amended) < 100  # real renames only; a lone sdn.csv once yielded thousands


def test_history_replay_runs_again_without_changing_anything(replayed: tuple[Store, dt.date], shared: Path) -> None:
    st, day = replayed
    n = len(st.events(list_id="us-ofac-sdn"))
    again = replay(st, shared / REAL / "ofac-sdn-history/sdn-history.tar.xz", until=day)
    assert all(r.version is None for r in again) and len(st.events(list_id="us-ofac-sdn")) == n
