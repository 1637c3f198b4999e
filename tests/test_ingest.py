"""Ingestion of the official formats: real files, version-to-version changes, safety."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from listwatch.ingest import IngestError, bis_dpl, csl, ftm, ingest, ofac_csv, ofac_xml, read_source
from listwatch.resolve import resolve
from listwatch.screen import screen
from listwatch.status import status
from listwatch.store.db import Store, open_store
from tests.conftest import BACKENDS, D, RealLists, Templates

T0 = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


# -- every real file parses, with concrete records ---------------------------------------------

def test_ofac_sdn_csv_2021(shared: Path) -> None:
    recs = ofac_csv.parse_dir(shared / "data/real/ofac-sdn-csv/2021-07-07")
    assert len(recs) == 8976
    cuba = next(r for r in recs if r.source_id == "ofac-sdn:36")
    assert cuba.name == "AEROCARIBBEAN AIRLINES" and cuba.aliases == ("AERO-CARIBBEAN",)
    assert cuba.programs == ("CUBA",) and cuba.list_ids == ("us-ofac-sdn",) and cuba.countries == ("Cuba",)
    assert sum(1 for r in recs if r.schema == "Person") > 3000
    xiaomi_like = [r.name for r in recs if "xiaomi" in r.name.lower()]
    assert xiaomi_like and all(n.startswith("ZHANG, Xiaoming") for n in xiaomi_like)  # a person, not the company


def test_ofac_sdn_csv_2024_gz(shared: Path) -> None:
    assert len(ofac_csv.parse_main(shared / "data/real/ofac-sdn-csv/2024-05-03/sdn.csv.gz")) == 14965


def test_ofac_consolidated_csv_has_the_68_cmic_rows_with_identifiers(shared: Path) -> None:
    recs = ofac_csv.parse_dir(shared / "data/real/ofac-cons-csv/2025-12-19")
    assert len(recs) == 442
    cmic = [r for r in recs if "us-ofac-ns-cmic" in r.list_ids]
    assert len(cmic) == 68
    assert sum(1 for r in cmic for i in r.identifiers if i.scheme == "isin") == 162
    hw = next(r for r in cmic if r.name == "HUAWEI TECHNOLOGIES CO., LTD.")
    assert [i.label for i in hw.identifiers] == ["uscc:914403001922038216"]


def test_ofac_enhanced_xml_matches_the_csv_ids(shared: Path) -> None:
    [(source, recs)] = ofac_xml.parse(shared / "data/real/ofac-cons-xml/2025-01-10/CONS_ENHANCED.ZIP")
    assert source == "ofac-cons" and len(recs) == 443
    cmic = {r.source_id: r for r in recs if "us-ofac-ns-cmic" in r.list_ids}
    assert len(cmic) == 68
    assert cmic["ofac-cons:30947"].listed_on == D("2021-06-03")


def test_csl_2022_lists_huawei_smic_and_dji_on_the_entity_list(shared: Path) -> None:
    recs = csl.parse(shared / "data/real/csl/2022-05-16/consolidated.csv.gz")
    assert len(recs) == 14048
    counts = Counter(lid for r in recs for lid in r.list_ids)
    assert counts["us-bis-entity-list"] == 2001 and counts["us-ofac-ns-cmic"] == 68
    el = [r for r in recs if "us-bis-entity-list" in r.list_ids]
    assert any(r.name == "Huawei Technologies Co., Ltd. (Huawei)" for r in el)
    assert any(r.name.startswith("Semiconductor Manufacturing International Corporation") for r in el)
    huawei = next(r for r in el if r.name == "Huawei Technologies Co., Ltd. (Huawei)")
    assert huawei.listed_on == D("2019-05-16") and "84 FR 22961" in huawei.extra["dated_by"]
    dji = next(r for r in el if r.name == "DJI")
    assert "SZ DJI Technology Co., Ltd." in dji.aliases
    assert dji.listed_on == D("2020-12-18") and dji.citation and "85 FR 83420" in dji.citation


def test_csl_2023_partial_file_is_truncated_and_refused_with_its_line(shared: Path, tmp_path: Path) -> None:
    """The 2023 file is a partial copy cut off inside its last field: a truncated file must not import."""
    path = shared / "data/real/csl/2023-11-30-partial/csl.csv.gz"
    with pytest.raises(IngestError, match=r"csl.csv.gz: line 4232: unexpected end of data"):
        csl.parse(path)
    # everything before the cut parses, and its repeated header line is skipped
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    whole = tmp_path / "csl.csv"
    whole.write_text(text[: text.rindex("\n") + 1], encoding="utf-8")
    recs = csl.parse(whole)
    assert len(recs) > 4200 and all(r.source_id != "csl:_id" for r in recs)
    assert sum(1 for r in recs if "us-ofac-ns-cmic" in r.list_ids) == 68


@pytest.mark.parametrize("day", ["2021-07-07", "2023-11-30"])
def test_bis_dpl(shared: Path, day: str) -> None:
    recs = bis_dpl.parse(shared / f"data/real/bis-dpl/{day}/dpl.txt")
    assert len(recs) > 500 and all(r.list_ids == ("us-bis-dpl",) for r in recs)


def test_name_pairs_file_is_readable(shared: Path) -> None:
    rows = [r for r in (shared / "data/real/name-pairs/cross_script_pairs.csv").read_text(encoding="utf-8")
            .splitlines() if r and not r.startswith("#")]
    assert len(rows) >= 22


# -- versions, change detection, known_at -------------------------------------------------------

def _screen_and_status_see_the_real_lists(st: Store, shared: Path) -> None:
    assert [h.entity.id for h in screen("Xiaomi", store=st)] == ["xiaomi"]  # not ZHANG, Xiaoming
    [hit, *_] = screen("AEROCARIBBEAN AIRLINES", D("2022-01-01"), store=st)
    assert "ofac-sdn:36" in hit.source_ids and hit.status.restricted
    assert [e.kind.value for e in hit.status.effects] == ["assets_blocked"]
    # Huawei's CSL Entity List row joins the bundled entity; the effective date stays the rule's own
    huawei = resolve(st, "huawei")
    s = status(st, huawei, D("2019-05-20"))
    assert [x.since for x in s.listings if x.list_id == "us-bis-entity-list"] == [D("2019-05-16")]
    # re-importing the same file is a no-op
    [again] = ingest(st, "csl", [shared / "data/real/csl/2022-05-16/consolidated.csv.gz"], now=T0)
    assert again.version is None and again.added == again.removed == 0


def test_real_lists_ingested_on_sqlite_then_screen_and_status_see_them(real_lists: RealLists, shared: Path) -> None:
    """SQLite: the session's shared store of SDN, consolidated and CSL (conftest's ``real_lists``): its
    ingests' results are checked here, and what screen and status make of them."""
    sdn, cons, cl = real_lists.results
    assert (sdn["source"], sdn["records"], sdn["added"], sdn["removed"]) == ("ofac-sdn", 8976, 8976, 0)
    assert (cons["source"], cons["records"], cons["added"], cons["removed"]) == ("ofac-cons", 442, 442, 0)
    assert cl["source"] == "csl" and cl["added"] == 14048 and cl["merged"] > 0
    _screen_and_status_see_the_real_lists(real_lists.store, shared)


@pytest.mark.parametrize("fresh_store", BACKENDS[1:], indirect=True)  # PostgreSQL (SQLite: the test above)
def test_ingest_real_lists_then_screen_and_status_see_them(fresh_store: Store, shared: Path) -> None:
    real = shared / "data/real"
    [sdn] = ingest(fresh_store, "ofac-csv", [real / "ofac-sdn-csv/2021-07-07"], as_of=D("2021-07-07"), now=T0)
    assert (sdn.source, sdn.records, sdn.added, sdn.removed) == ("ofac-sdn", 8976, 8976, 0)
    [cl] = ingest(fresh_store, "csl", [real / "csl/2022-05-16/consolidated.csv.gz"], now=T0)
    assert cl.added == 14048 and cl.merged > 0
    _screen_and_status_see_the_real_lists(fresh_store, shared)


def _history_members(shared: Path, n: int) -> list[tuple[str, bytes]]:
    out = []
    with tarfile.open(shared / "data/real/ofac-sdn-history/sdn-history.tar.xz", "r|xz") as tf:
        for m in tf:
            f = tf.extractfile(m)
            if f is not None:
                out.append((m.name, f.read()))
            if len(out) == n:
                break
    return out


# SQLite only: six full SDN versions are one of the suite's longest ingests; PostgreSQL runs the same ingest path on
# the real files in test_ingest_real_lists_then_screen_and_status_see_them and known_at replays in
# test_known_at_and_store. Six: the first version, four with additions only, then 2021-09-02, which removed four
# entries (the seventh adds four more: a step of the kind the second to fifth already check).
@pytest.mark.parametrize("fresh_store", ["sqlite"], indirect=True)
def test_replaying_consecutive_sdn_versions_yields_exactly_the_indexed_changes(
        fresh_store: Store, shared: Path, tmp_path: Path) -> None:
    with (shared / "data/real/ofac-sdn-history/sdn-history-index.csv").open(encoding="utf-8") as fh:
        index = {r["member"]: r for r in csv.DictReader(fh)}
    for k, (name, data) in enumerate(_history_members(shared, 6)):
        f = tmp_path / "sdn.csv"
        f.write_bytes(data)
        row = index[name]
        fetched = dt.datetime.fromisoformat(row["fetched_utc"]).replace(tzinfo=dt.UTC)
        [res] = ingest(fresh_store, "ofac-csv", [f], as_of=fetched.date(), now=fetched)
        assert res.records == int(row["records"]), name
        if k:
            assert (res.added, res.removed) == (int(row["added_vs_prev"] or 0), int(row["removed_vs_prev"] or 0)), name
    # the 2021-09-02 version removed four entries: known_at replays the list before and after
    removed = [e for e in fresh_store.events(list_id="us-ofac-sdn") if e.type.value == "delisted"]
    assert len(removed) == 4
    gone = fresh_store.entity(removed[0].entity_id or "")
    assert gone is not None
    recorded = removed[0].recorded_at
    before = status(fresh_store, gone, D("2021-09-10"), known_at=recorded - dt.timedelta(seconds=1))
    after = status(fresh_store, gone, D("2021-09-10"), known_at=recorded)
    assert before.restricted and not after.restricted


def test_changes_feed_lists_ingested_events_after_a_time(fresh_store: Store, shared: Path) -> None:
    from listwatch.status import changes  # noqa: PLC0415

    ingest(fresh_store, "ofac-csv", [shared / "data/real/ofac-cons-csv/2025-12-19"], now=T0)
    feed = changes(fresh_store, since=T0 - dt.timedelta(seconds=1), list_id="us-ofac-ns-cmic")
    assert len(feed) == 68 and {e.type.value for e in feed} == {"listed"}


# -- bad and hostile input: clear error, nothing changed ----------------------------------------

def _counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (conn.exec_driver_sql("select count(*) from events").scalar_one(),
                conn.exec_driver_sql("select count(*) from source_versions").scalar_one())


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<sanctionsData><entities><entity id="1">&lol2;</entity></entities></sanctionsData>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<sanctionsData><entities><entity id="1">&x;</entity></entities></sanctionsData>"""


@pytest.mark.parametrize(("fmt", "name", "content", "message"), [
    ("csl", "csl.csv", b"id,name\n1,Acme\n", "missing CSL columns"),
    ("csl", "csl.csv", b"_id,source,name,type,alt_names,start_date,federal_register_notice,ids\n"
                       b"1,Entity List (EL) - Bureau of Industry and Security,Acme,Entity,,14/01/2021,,\n",
     "line 2: no FR citation and start_date '14/01/2021' is not a plausible date"),
    ("csl", "csl.csv", b"_id,source,name,type,alt_names,start_date,federal_register_notice,ids\n1,EL,\xff\xfe,x,,,,\n",
     "line 2: not UTF-8"),
    ("ofac-csv", "sdn.csv", b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA"\r\n', "4 fields, expected 12"),
    ("ofac-csv", "sdn.csv", b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"tr\r\n',
     "sdn.csv: line 1"),
    ("ofac-xml", "SDN_ENHANCED.XML", XML_BOMB, "refused unsafe XML"),
    ("ofac-xml", "SDN_ENHANCED.XML", XXE, "refused unsafe XML"),
    ("ofac-xml", "SDN_ENHANCED.XML", b"<?xml version='1.0'?><sanctionsData><entities><entity id='1'><names>",
     "malformed XML"),
    ("ofac-xml", "SDN_ENHANCED.XML", b"<?xml version='1.0'?><other/>", "not an OFAC Enhanced XML file"),
    ("ftm", "x.ftm.json", b'{"id": "a", "schema": "Person", "properties": {"name": "not a list"}}\n',
     "line 1: 'properties' must map names to lists"),
    ("ftm", "x.ftm.json", b'{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n{truncated',
     "line 2: not a JSON object"),
])
def test_bad_input_is_refused_naming_file_and_place_and_changes_nothing(
        fresh_store: Store, tmp_path: Path, fmt: str, name: str, content: bytes, message: str) -> None:
    before = _counts(fresh_store)
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(IngestError, match=message) as err:
        ingest(fresh_store, fmt, [f])
    assert name in str(err.value)
    assert _counts(fresh_store) == before


def test_deeply_nested_xml_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "SDN_ENHANCED.XML"
    f.write_bytes(b"<sanctionsData>" + b"<a>" * 200 + b"</a>" * 200 + b"</sanctionsData>")
    with pytest.raises(IngestError, match="nested deeper than 64"):
        read_source("ofac-xml", [f])


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "SDN_ENHANCED.ZIP"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("SDN_ENHANCED.XML", b"<sanctionsData>" + b" " * 20_000_000 + b"</sanctionsData>")
    with pytest.raises(IngestError, match="zip bomb"):
        read_source("ofac-xml", [f])


def test_a_1_gb_file_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "sdn.csv"
    with f.open("wb") as fh:
        fh.truncate(1024**3)  # sparse: no disk used
    with pytest.raises(IngestError, match=r"sdn\.csv: 1,073,741,824 bytes is over the"):
        read_source("ofac-csv", [f])


def test_gzip_that_expands_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import listwatch.ingest.records as records  # noqa: PLC0415

    f = tmp_path / "consolidated.csv.gz"
    f.write_bytes(gzip.compress(b"x" * 5_000_000))
    monkeypatch.setattr(records, "MAX_FILE_BYTES", 1_000_000)
    with pytest.raises(IngestError, match="decompresses to over 1,000,000 bytes"):
        records.read_bytes(f, records.MAX_FILE_BYTES)


def test_killed_import_leaves_the_previous_version_intact(tmp_path: Path, shared: Path, templates: Templates) -> None:
    """Kill `listwatch ingest` mid-way, several times: the store is always the old or the new version."""
    home = templates.home(tmp_path)
    env = {**os.environ, "LISTWATCH_HOME": str(home)}
    env.pop("LISTWATCH_DATABASE_URL", None)
    url = f"sqlite:///{home / 'listwatch.db'}"
    store = open_store(url)
    baseline = _counts(store)
    big = shared / "data/real/csl/2022-05-16/consolidated.csv.gz"
    outcomes = set()
    for delay in (1.0, 1.6, 2.2, 2.8):
        proc = subprocess.Popen([sys.executable, "-m", "listwatch", "ingest", "csl", str(big)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _counts(open_store(url))
        assert now == baseline or (now[1] == baseline[1] + 1 and now[0] > baseline[0] + 14000), now
        outcomes.add(now == baseline)
        if now != baseline:
            break
    assert True in outcomes, "no kill landed mid-import; the machine is faster than the delays"
    # the interrupted store still works and takes the same import afterwards
    [res] = ingest(open_store(url), "csl", [big])
    assert res.version is None or res.added == 14048


def test_ftm_export_round_trips(fresh_store: Store, tmp_path: Path, templates: Templates) -> None:
    from listwatch.export import ftm_lines  # noqa: PLC0415

    f = tmp_path / "registry.ftm.json"
    f.write_text("\n".join(ftm_lines(fresh_store)) + "\n", encoding="utf-8")
    [(_, recs, _)] = ftm.parse(f)
    xiaomi = next(r for r in recs if r.source_id == "ftm:lw-xiaomi")
    assert "小米集团" in xiaomi.aliases and xiaomi.list_ids == ("us-dod-1237",)
    assert xiaomi.listed_on == D("2021-01-14")
    assert any(i.scheme == "isin" and i.value == "KYG9830T1067" for i in xiaomi.identifiers)
    other = open_store(templates.copy("sqlite", tmp_path, "other"))  # seeded
    [res] = ingest(other, "ftm", [f])
    assert res.added == len(recs) and res.merged > 300  # bundled entities recognised by identifier/name


def test_csl_json_format(tmp_path: Path) -> None:
    import json  # noqa: PLC0415

    f = tmp_path / "csl.json"
    f.write_text(json.dumps({"results": [{"_id": "x1", "source": "Entity List (EL) - Bureau of Industry and Security",
                                          "name": "Acme Drone Co", "type": "Entity", "alt_names": ["Acme UAV"],
                                          "start_date": "2020-12-22", "federal_register_notice": "85 FR 83420",
                                          "ids": [], "addresses": [{"country": "CN"}]}]}), encoding="utf-8")
    [b] = read_source("csl", [f])
    [r] = b.records
    # dated by 85 FR 83416's effective date, not the publication date printed as start_date
    assert r.source_id == "csl:x1" and r.list_ids == ("us-bis-entity-list",) and r.listed_on == D("2020-12-18")
