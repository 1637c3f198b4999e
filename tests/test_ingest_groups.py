"""Files of several formats in one ingest (`listwatch ingest ofac-csv DIR csl FILE`): each with its own --as-of,
applied in order, all or nothing."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from listwatch.ingest import IngestError, ingest_groups
from listwatch.status import changes
from listwatch.store.db import Store, open_store
from tests.conftest import Cli, Templates
from tests.test_guard import CSL_HEADER, _counts

SDN_DAY, CSL_DAY = dt.date(2024, 3, 1), dt.date(2024, 4, 2)


def _files(tmp: Path) -> tuple[Path, Path]:
    """An OFAC sdn.csv and a CSL file of one undated record each (so --as-of dates their listing)."""
    sdn = tmp / "ofac" / "sdn.csv"
    sdn.parent.mkdir()
    sdn.write_bytes(b'900001,"GROUPS ONE LTD",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a')
    csl = tmp / "csl.csv"
    csl.write_bytes(CSL_HEADER + b"g2,Unverified List (UVL) - Bureau of Industry and Security,Groups Two Ltd,"
                                 b"Entity,,,89 FR 1,\n")
    return sdn.parent, csl


def test_each_group_has_its_own_as_of_and_a_bad_file_changes_nothing(fresh_store: Store, tmp_path: Path) -> None:
    ofac, csl = _files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,name\n1,Acme\n")
    before, start = _counts(fresh_store), dt.datetime.now(dt.UTC)
    with pytest.raises(IngestError, match=r"bad\.csv: line 1: missing CSL columns"):  # parsed before anything is applied
        ingest_groups(fresh_store, [("ofac-csv", [ofac], SDN_DAY), ("csl", [bad], CSL_DAY)])
    assert _counts(fresh_store) == before
    with pytest.raises(IngestError, match="on its own"):
        ingest_groups(fresh_store, [("ofac-csv", [ofac], SDN_DAY), ("ofac-history", [bad], None)])
    results = ingest_groups(fresh_store, [("ofac-csv", [ofac], SDN_DAY), ("csl", [csl], CSL_DAY)])
    assert [(r.source, r.added) for r in results] == [("ofac-sdn", 1), ("csl", 1)]
    dated = {(e.type.value, e.effective) for e in changes(fresh_store, since=start)}
    assert dated == {("listed", SDN_DAY), ("listed", CSL_DAY)}
    again = ingest_groups(fresh_store, [("ofac-csv", [ofac], SDN_DAY), ("csl", [csl], CSL_DAY)])
    assert [r.version for r in again] == [None, None]  # nothing changed


def test_cli_groups_paths_by_format_words_and_pairs_dates_with_paths(tmp_path: Path, templates: Templates) -> None:
    cli = Cli(templates.home(tmp_path))
    ofac, csl = _files(tmp_path)
    wrong = cli("ingest", "ofac-csv", str(ofac), "--as-of", "2024-03-01", "--as-of", "2024-03-02", "--as-of",
                "2024-03-03", "csl", str(csl))
    assert wrong.exit_code == 2 and "3 --as-of dates for 2 paths" in wrong.output
    bare = cli("ingest", "ofac-csv", str(ofac), "csl")
    assert bare.exit_code == 2 and "format csl is given no PATH" in bare.output
    start = dt.datetime.now(dt.UTC)
    done = cli.json("ingest", "ofac-csv", str(ofac), "--as-of", SDN_DAY.isoformat(), "csl", str(csl), "--as-of",
                    CSL_DAY.isoformat())
    assert [(r["source"], r["added"]) for r in done["results"]] == [("ofac-sdn", 1), ("csl", 1)]
    assert gc.isenabled()  # the command pauses the collector only while it imports its modules and ingests
    st = open_store(f"sqlite:///{tmp_path / 'home' / 'listwatch.db'}")
    assert {(e.type.value, e.effective) for e in changes(st, since=start)} == {("listed", SDN_DAY),
                                                                                ("listed", CSL_DAY)}
