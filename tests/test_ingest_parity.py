"""Same rules on SQLite and PostgreSQL; several files are one transaction; FtM restriction from sanctions only."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from listwatch.ingest import IngestError, ShrinkRefused, ingest
from listwatch.resolve import resolve
from listwatch.status import status
from listwatch.store.db import Store, open_store
from tests.conftest import D
from tests.test_guard import CSL_HEADER, _counts


def _ftm(path: Path, *entities: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def _company(eid: str, name: str, **props: list[str]) -> dict[str, object]:
    return {"id": eid, "schema": "Company", "properties": {"name": [name], **props}, "datasets": ["us_ofac_sdn"]}


@pytest.mark.parametrize("name", ["Acme\x00 Holdings", "Acme\x07 Holdings"])
def test_control_characters_are_refused_alike_on_every_backend(fresh_store: Store, tmp_path: Path,
                                                                name: str) -> None:
    before = _counts(fresh_store)
    f = tmp_path / "nul.csv"
    f.write_bytes(CSL_HEADER + b"1,Entity List (EL) - Bureau of Industry and Security," + name.encode()
                  + b",Entity,,2021-01-14,,\n")
    with pytest.raises(IngestError, match=r"nul\.csv: record 'csl:1': control character U\+00"):
        ingest(fresh_store, "csl", [f])
    assert _counts(fresh_store) == before


def test_several_files_are_one_transaction(fresh_store: Store, tmp_path: Path) -> None:
    """The second file's version is refused: the first, applied before it, is rolled back too."""
    ingest(fresh_store, "ftm", [_ftm(tmp_path / "b.ftm.json", _company("b1", "Bravo One Ltd", topics=["sanction"]))])
    before = _counts(fresh_store)
    first = _ftm(tmp_path / "a.ftm.json", _company("a1", "Alpha One Ltd", topics=["sanction"]))
    shrunk = _ftm(tmp_path / "b.ftm.json", _company("b2", "Bravo Two Ltd", topics=["sanction"]))
    with pytest.raises(ShrinkRefused, match=r"b\.ftm\.json would remove 1 of the 1"):
        ingest(fresh_store, "ftm", [first, shrunk])
    assert _counts(fresh_store) == before


def test_concurrent_ingests_of_different_sources_both_land(fresh_store: Store, tmp_path: Path) -> None:
    """Two writers (own engines, as two processes would have) sharing new lists and names at once."""
    url = fresh_store.engine.url.render_as_string(hide_password=False)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            f = _ftm(tmp_path / f"c{k}.ftm.json", *({**_company(f"c{k}-{i}", f"Common Trading {i} Co",
                                                                topics=["sanction"]), "datasets": ["new_list"]}
                                                     for i in range(150)))
            ingest(open_store(url), "ftm", [f])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with fresh_store.engine.connect() as conn:
        rows = conn.exec_driver_sql("select source, added from source_versions order by source").all()
    assert [tuple(r) for r in rows] == [("ftm:c0", 150), ("ftm:c1", 150)]


def test_ftm_party_without_sanction_or_sanction_topic_is_not_restricted(fresh_store: Store, tmp_path: Path) -> None:
    f = _ftm(tmp_path / "mixed.ftm.json",
             _company("pep", "Zebulon Relative Holdings", topics=["sanction.linked"]),
             _company("plain", "Quintessa Plain Trading"),
             _company("topic", "Yarrowdale Sanctioned Trading", topics=["sanction"]),
             _company("sanctioned", "Xenomorph Export Trading"),
             {"id": "s1", "schema": "Sanction", "datasets": ["us_ofac_sdn"],
              "properties": {"entity": ["sanctioned"], "program": ["us-ofac-sdn"], "listingDate": ["2022-03-01"]}})
    ingest(fresh_store, "ftm", [f])
    day = D("2030-01-01")  # after the import day, on which undated listings take effect
    verdict = {q: status(fresh_store, resolve(fresh_store, q), day).restricted
               for q in ("Zebulon Relative Holdings", "Quintessa Plain Trading", "Yarrowdale Sanctioned Trading",
                         "Xenomorph Export Trading")}
    assert verdict == {"Zebulon Relative Holdings": False, "Quintessa Plain Trading": False,
                       "Yarrowdale Sanctioned Trading": True, "Xenomorph Export Trading": True}
