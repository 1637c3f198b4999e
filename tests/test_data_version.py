"""The data version - the key of every cache of the store's data (the persisted screening index, the resolver's
table, entities and statuses in memory) - changes with every write of the data, in the write's own transaction,
on every backend; it stays when nothing was written. A version that failed to change would serve the old
answers: a wrong "not restricted"."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from listwatch.ingest import bis_dpl, ingest
from listwatch.ingest.guard import ShrinkRefused
from listwatch.ingest.rollback import rollback
from listwatch.model import Confidence, Event, EventType
from listwatch.store.db import MIGRATIONS, Store, migrate
from listwatch.store.fastread import open_reader
from listwatch.store.reader import Reader
from tests.conftest import edit_yaml

DAY = dt.date(2024, 3, 1)


def _version(store: Store) -> str:
    return store.data_version(max_age=0)


def _ftm(tmp: Path, *names: str) -> Path:
    path = tmp / "dv.ftm.json"
    path.write_text("".join(json.dumps({"id": f"dv-{i}", "schema": "Company", "datasets": ["us_dod_1237"],
                                        "properties": {"name": [n], "country": ["cn"]}}) + "\n"
                            for i, n in enumerate(names)), encoding="utf-8")
    return path


def _sdn_rows(*names: str) -> bytes:
    return ("".join(f'{900000 + i},"{n}",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
                    for i, n in enumerate(names)) + "\x1a").encode()


def _ofac_csv(tmp: Path) -> list[Path]:
    (tmp / "sdn.csv").write_bytes(_sdn_rows("DATAVERSION ONE LTD", "DATAVERSION TWO LTD"))
    return [tmp / "sdn.csv"]


def _ofac_xml(tmp: Path) -> list[Path]:
    entity = ("<entity id=\"{i}\"><generalInfo><entityType>Entity</entityType></generalInfo><names><name>"
              "<isPrimary>true</isPrimary><translations><translation><isPrimary>true</isPrimary>"
              "<formattedFullName>Dataversion {i} Ltd</formattedFullName></translation></translations></name>"
              "</names></entity>")
    path = tmp / "SDN_ENHANCED.ZIP"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("SDN_ENHANCED.XML", '<?xml version="1.0"?><sanctionsData xmlns="https://sanctionslistservice.'
                    'ofac.treas.gov"><entities>' + "".join(entity.format(i=i) for i in (900001, 900002))
                    + "</entities></sanctionsData>")
    return [path]


def _csl(tmp: Path) -> list[Path]:
    path = tmp / "csl.csv"
    path.write_text("_id,source,name,type,alt_names,start_date,federal_register_notice,ids\n"
                    + "".join(f"dv{i},Entity List (EL) - Bureau of Industry and Security,Dataversion {i} Ltd,Entity,,"
                              "2024-03-01,89 FR 1,\n" for i in (1, 2)), encoding="utf-8")
    return [path]


def _bis_dpl(tmp: Path) -> list[Path]:
    path = tmp / "dpl.txt"
    path.write_text("\t".join(bis_dpl.COLUMNS) + "\n" + "\t".join(
        ['"Dataversion Person"', '"1 Road"', '"Town"', '""', '"CN"', '""', '"03/01/2024"', '""', '"Y"', '""', '""',
         '"89 FR 1"']) + "\n", encoding="utf-8")
    return [path]


def _history(tmp: Path) -> list[Path]:
    path = tmp / "sdn-history.tar"
    with tarfile.open(path, "w") as tf:
        for stamp, names in (("2024-03-01T120000Z", ["DATAVERSION ONE LTD"]),
                             ("2024-03-02T120000Z", ["DATAVERSION ONE LTD", "DATAVERSION TWO LTD"])):
            raw = _sdn_rows(*names)
            info = tarfile.TarInfo(f"sdn_{stamp}.csv")
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return [path]


FILES: dict[str, Callable[[Path], list[Path]]] = {
    "ofac-csv": _ofac_csv, "ofac-xml": _ofac_xml, "csl": _csl, "bis-dpl": _bis_dpl, "ofac-history": _history,
    "ftm": lambda tmp: [_ftm(tmp, "Dataversion One Ltd", "Dataversion Two Ltd")],
}


@pytest.mark.parametrize("fmt", list(FILES))
def test_an_ingest_of_each_format_gives_a_new_version_and_the_same_files_again_keep_it(
        fresh_store: Store, tmp_path: Path, fmt: str) -> None:
    files = FILES[fmt](tmp_path)
    before = _version(fresh_store)
    [*results] = ingest(fresh_store, fmt, files, as_of=DAY)
    assert any(r.version is not None for r in results)
    after = _version(fresh_store)
    assert after != before
    ingest(fresh_store, fmt, files, as_of=DAY)  # nothing new: the indexes stay valid (no rebuild)
    assert _version(fresh_store) == after


def test_amending_removing_and_rolling_back_records_each_give_a_new_version(
        fresh_store: Store, tmp_path: Path) -> None:
    [first] = ingest(fresh_store, "ftm", [_ftm(tmp_path, "Dataversion One Ltd", "Dataversion Two Ltd")], as_of=DAY)
    seen = {_version(fresh_store)}
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Dataversion One Ltd", "Dataversion Renamed Ltd")], as_of=DAY)
    seen.add(_version(fresh_store))  # amended: dv-1 has a new name
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Dataversion One Ltd")], as_of=DAY, allow_shrink=True)
    seen.add(_version(fresh_store))  # removed: dv-1 is delisted
    assert first.version is not None
    rollback(fresh_store, first.source, first.version)
    seen.add(_version(fresh_store))
    assert len(seen) == 4


def test_added_events_and_a_reseed_give_a_new_version(fresh_store: Store, data_copy: Path) -> None:
    before = _version(fresh_store)
    event = Event(key="dv-manual-1", list_id="us-dod-1237", type=EventType.LISTED, effective=DAY,
                  recorded_at=dt.datetime.now(dt.UTC), sources=("dod-2021-01-14",), confidence=Confidence.VERIFIED,
                  entity_id="xiaomi")
    assert fresh_store.append_events([event], "manual") == 1
    added = _version(fresh_store)
    assert added != before
    assert fresh_store.append_events([event], "manual") == 0  # already there: nothing written
    assert _version(fresh_store) == added
    edit_yaml(data_copy / "events-us-dod-1237.yaml",  # a curator corrects the date of Xiaomi's vacatur
              lambda doc: next(e for e in doc["events"] if e.get("entity") == "xiaomi" and e["type"] == "vacated")
              .__setitem__("date", "2021-05-26"))
    assert fresh_store.seed_if_changed(data_copy)
    reseeded = _version(fresh_store)
    assert reseeded != added
    assert not fresh_store.seed_if_changed(data_copy)
    assert _version(fresh_store) == reseeded


def test_a_failed_write_keeps_the_version_and_its_data(fresh_store: Store, tmp_path: Path) -> None:
    ingest(fresh_store, "ftm", [_ftm(tmp_path, *(f"Dataversion {i} Ltd" for i in range(10)))], as_of=DAY)
    before = _version(fresh_store)
    with pytest.raises(ShrinkRefused):
        ingest(fresh_store, "ftm", [_ftm(tmp_path, "Dataversion 0 Ltd")], as_of=DAY)
    assert _version(fresh_store) == before
    with pytest.raises(RuntimeError, match="given up"), fresh_store.writer() as w:
        w.conn.execute(text("UPDATE entities SET note = 'half written' WHERE id = 'xiaomi'"))
        raise RuntimeError("given up")
    assert _version(fresh_store) == before
    assert fresh_store.entity("xiaomi").note != "half written"  # type: ignore[union-attr]


def test_a_write_through_the_writer_by_any_statement_gives_a_new_version(fresh_store: Store) -> None:
    """Not only the Writer's own methods: any statement but a SELECT on its connection counts as a write."""
    before = _version(fresh_store)
    with fresh_store.writer() as w:
        w.latest_digest("csl")  # reads only
    assert _version(fresh_store) == before
    with fresh_store.writer() as w:
        w.conn.execute(text("UPDATE entities SET note = 'corrected' WHERE id = 'xiaomi'"))
    assert _version(fresh_store) != before


def test_another_connection_sees_the_new_version_at_once(fresh_store: Store, tmp_path: Path) -> None:
    """Two processes see the same data version: the other one (its own engine; on SQLite the sqlite3 reader
    a command uses) reads the row the writer bumped."""
    readers: list[Reader] = [Store(create_engine(fresh_store.engine.url))]
    if fresh_store.sqlite_file is not None:
        fast = open_reader(fresh_store.url)
        assert fast is not None
        readers.append(fast)
    assert {r.data_version(max_age=0) for r in readers} == {_version(fresh_store)}
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Dataversion One Ltd")], as_of=DAY)
    assert {r.data_version(max_age=0) for r in readers} == {_version(fresh_store)}


def test_a_migration_gives_a_new_version_and_none_is_reused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    st = Store(engine)
    first = _version(st)
    migrate(engine)  # at the newest schema already: nothing to do, the version stays
    assert _version(st) == first
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011")
    migrate(engine)  # the same schema again, the same (empty) data: still a version never seen before
    assert _version(st) not in {first, ""}


def test_each_lists_newest_record_time_is_the_group_by_of_the_event_log(fresh_store: Store, tmp_path: Path) -> None:
    """list_feeds seeks the index list by list and origin by origin; it must give what a plain GROUP BY of
    the whole log gives, now and as known at earlier times (a pair with no event by then is left out)."""
    before = dt.datetime.now(dt.UTC)
    ingest(fresh_store, "csl", _csl(tmp_path), as_of=DAY)
    group_by = text("SELECT list_id, origin, max(recorded_at) FROM events"
                    " WHERE recorded_at <= :at GROUP BY list_id, origin")
    for at in (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), before, dt.datetime.now(dt.UTC)):
        with fresh_store.engine.connect() as conn:
            raw = {(r[0], r[1]): r[2] for r in conn.execute(group_by, {"at": _db_time(fresh_store, at)})}
        got = {(lid, origin): newest for lid, origin, newest in fresh_store.list_feeds(at)}
        assert got.keys() == raw.keys()
        assert all(_db_time(fresh_store, got[k]) == v for k, v in raw.items())
    assert fresh_store.list_feeds() == fresh_store.list_feeds(dt.datetime.now(dt.UTC))
    assert ("us-bis-entity-list", "ingest:csl") in {(lid, origin) for lid, origin, _ in fresh_store.list_feeds()}


def _db_time(store: Store, at: dt.datetime) -> object:
    """A UTC time as the database holds it (SQLite: naive text; PostgreSQL: an aware timestamp)."""
    if store.engine.dialect.name == "sqlite":
        return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return at
