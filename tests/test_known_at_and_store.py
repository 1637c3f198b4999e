"""The store: migrations, SQLite settings, seeding, append-only history and known_at replay."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, insert, inspect, select

import listwatch.store.db
from listwatch import resolve
from listwatch.datadigest import content_hash
from listwatch.dataset import event_key, load
from listwatch.model import Confidence, Event, EventType
from listwatch.status import members, status
from listwatch.store.db import Store, migrate, open_store
from listwatch.store.schema import events
from listwatch.store.seeding import event_row
from tests.conftest import BACKENDS, D, Templates, database, edit_yaml

RELEASE = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
_MIGRATIONS = Config()
_MIGRATIONS.set_main_option("script_location", str(Path(listwatch.store.db.__file__).parent / "migrations"))
HEAD = ScriptDirectory.from_config(_MIGRATIONS).get_current_head()  # the newest migration


def test_default_store_is_sqlite_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'wal.db'}", seed=False)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


HEAD = max(p.name.split("_")[0] for p in (Path(__file__).parents[1] / "src/listwatch/store/migrations/versions")
           .glob("0*.py"))  # the newest migration's revision


def test_migration_from_empty_db_creates_schema_and_rerun_is_noop(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'm.db'}", seed=False)
    tables = set(inspect(s.engine).get_table_names())
    assert {"entities", "names", "identifiers", "events", "retractions", "sources", "lists"} <= tables
    migrate(s.engine)  # second run: nothing to do, no error
    assert sqlite3.connect(tmp_path / "m.db").execute("select version_num from alembic_version").fetchone() == (HEAD,)


def test_first_use_seeds_bundled_data_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = open_store(url)
    n = len(s.events())
    assert n == len(load().events)
    again = open_store(url)
    assert len(again.events()) == n
    assert again.seed_if_changed() is False


def test_known_at_before_the_dataset_release_knows_nothing(store: Store) -> None:
    xiaomi = resolve(store, "xiaomi")
    before = status(store, xiaomi, D("2021-01-14"), known_at=RELEASE - dt.timedelta(seconds=1))
    assert not before.restricted and before.listings == []
    at = status(store, xiaomi, D("2021-01-14"), known_at=RELEASE)
    assert at.restricted


def _event(entity: str, list_id: str, type_: EventType, day: str, recorded: dt.datetime) -> Event:
    return Event(key=event_key("test", entity, type_.value, day, recorded.isoformat()), list_id=list_id, type=type_,
                 effective=D(day), recorded_at=recorded, sources=("eo14032",), confidence=Confidence.REPORTED,
                 entity_id=entity, note="test fixture event")


def test_known_at_replays_what_was_known_between_two_recordings(fresh_store: Store) -> None:
    later = RELEASE + dt.timedelta(days=30)
    assert fresh_store.append_events([_event("dji", "us-ofac-ns-cmic", EventType.DELISTED, "2026-12-01", later)],
                                     origin="test") == 1
    dji = resolve(fresh_store, "dji")
    then = status(fresh_store, dji, D("2027-01-01"), known_at=later - dt.timedelta(microseconds=1))
    now = status(fresh_store, dji, D("2027-01-01"), known_at=later)
    latest = status(fresh_store, dji, D("2027-01-01"))
    assert "us-ofac-ns-cmic" in [x.list_id for x in then.listings]
    assert "us-ofac-ns-cmic" not in [x.list_id for x in now.listings]
    assert [x.list_id for x in latest.listings] == [x.list_id for x in now.listings]
    # appending the same event again is a no-op
    assert fresh_store.append_events([_event("dji", "us-ofac-ns-cmic", EventType.DELISTED, "2026-12-01", later)],
                                     origin="test") == 0


def test_reseed_with_changed_data_appends_and_retracts_never_rewrites(tmp_path: Path, data_copy: Path,
                                                                    templates: Templates) -> None:
    url = templates.copy("sqlite", tmp_path, "r")  # seeded from the bundled files, which data_copy still equals
    s = open_store(url, data_dir=data_copy)
    assert s.dataset_digest() == content_hash(data_copy)  # so the edit below is the only change a reseed sees
    before = {e.key for e in s.events()}

    def edit(doc: dict[str, Any]) -> None:
        vacatur = next(e for e in doc["events"] if e.get("entity") == "xiaomi" and e["type"] == "vacated")
        doc["events"].remove(vacatur)  # a curator withdraws the vacatur ...
        vacatur["date"] = "2021-05-26"  # ... and records it with a corrected date
        doc["events"].append(vacatur)

    edit_yaml(data_copy / "events-us-dod-1237.yaml", edit)
    reseeded_at = dt.datetime.now(dt.UTC)
    s2 = open_store(url, data_dir=data_copy)
    after = s2.events()
    assert before - {e.key for e in after}, "the old vacatur is retracted"
    [new] = [e for e in after if e.key not in before]
    assert new.effective == D("2021-05-26") and new.recorded_at >= reseeded_at - dt.timedelta(seconds=5)
    with s2.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from events").scalar() == len(before) + 1
    xiaomi = resolve(s2, "xiaomi")
    old_view = status(s2, xiaomi, D("2021-05-25"), known_at=reseeded_at - dt.timedelta(seconds=5))
    new_view = status(s2, xiaomi, D("2021-05-25"))
    assert old_view.listings == [] and [x.list_id for x in new_view.listings] == ["us-dod-1237"]


def test_members_known_at_replays_list_membership(store: Store) -> None:
    ms = members(store, "us-dod-1237", D("2021-01-14"))
    assert len(ms) == 44
    assert members(store, "us-dod-1237", D("2021-01-14"), known_at=RELEASE - dt.timedelta(days=1)) == []


def test_two_processes_writing_at_once_lose_nothing(fresh_store: Store, tmp_path: Path) -> None:
    """Two `listwatch ingest` processes on one store at the same time: both versions land, whole."""
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    files = []
    for k in range(2):
        f = tmp_path / f"batch{k}.ftm.json"
        f.write_text("".join(json.dumps({"id": f"p{k}-{i}", "schema": "Company", "properties": {
            "name": [f"Parallel Writer {k} Number {i} Trading"], "topics": ["sanction"]},
            "datasets": ["us_ofac_sdn"]}) + "\n"
            for i in range(400)), encoding="utf-8")
        files.append(f)
    env = {**os.environ, "LISTWATCH_DATABASE_URL": fresh_store.engine.url.render_as_string(hide_password=False)}
    procs = [subprocess.Popen([sys.executable, "-m", "listwatch", "ingest", "ftm", str(f)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    with fresh_store.engine.connect() as conn:
        versions = conn.exec_driver_sql("select source, records, added from source_versions order by source").all()
        listed = conn.execute(select(func.count()).select_from(events).where(
            events.c.origin.like("ingest:ftm:%"))).scalar_one()
    assert [tuple(v) for v in versions] == [("ftm:batch0", 400, 400), ("ftm:batch1", 400, 400)]
    assert listed == 800


def test_upgrading_a_populated_first_version_database_keeps_every_event(tmp_path: Path) -> None:
    """A store created at schema 0001 and filled, then upgraded to head (SQLite rebuilds tables)."""
    from listwatch.store.db import _make_engine  # noqa: PLC0415

    engine = _make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0001")
    _fill_as_0001(engine)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("select count(*) from events").scalar_one()
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar_one() == HEAD
        assert conn.exec_driver_sql("select count(*) from events").scalar_one() == before == len(load().events)
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def _fill_as_0001(engine: Engine) -> None:
    """The bundled data written as a 0001 listwatch would have: only the columns that schema has."""
    ds = load()
    old = MetaData()
    old.reflect(engine)
    rows = {
        "sources": [{"id": s.id, "citation": s.citation} for s in ds.sources.values()],
        "lists": [{"id": x.id, "name": x.name, "authority": x.authority, "maintainer": x.maintainer,
                   "established": x.established, "note": x.note, "sources": list(x.sources)} for x in ds.lists.values()],
        "entities": [{"id": e.id, "name": e.name, "kind": e.kind, "country": e.country, "parent_id": None,
                      "parent_sources": [], "note": e.note} for e in ds.entities.values()],
        "events": [{**event_row(ev, "bundled"), "recorded_at": ev.recorded_at.replace(tzinfo=None)}
                   for ev in ds.events]}
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            cols = set(old.tables[name].c.keys())
            conn.execute(insert(old.tables[name]), [{k: v for k, v in r.items() if k in cols} for r in table_rows])


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Migrations are atomic on SQLite too: a failure half-way leaves the old schema untouched."""
    import alembic.op  # noqa: PLC0415

    from listwatch.store.db import _make_engine  # noqa: PLC0415

    engine = _make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine, "0001")
    real = alembic.op.create_table
    calls = []

    def flaky(*args: object, **kw: object) -> object:
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kw)

    monkeypatch.setattr(alembic.op, "create_table", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert "source_versions" not in tables and calls[0] == "source_versions"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar_one() == "0001"


@pytest.mark.parametrize("backend", BACKENDS[1:])  # SQLite's executemany: every write of the suite
def test_bulk_inserts_write_back_exactly_the_rows_read(backend: str, templates: Templates, tmp_path: Path) -> None:
    """Every table of a seeded store, read and written into an empty one through ``bulk`` (one COPY per table
    on PostgreSQL), reads back the same: JSON, dates, UTC times, NULLs; entities that name each other as
    parents (COPY checks foreign keys at the end of the statement)."""
    from listwatch.store import schema  # noqa: PLC0415
    from listwatch.store.writer import bulk  # noqa: PLC0415

    seeded = open_store(templates.copy(backend, tmp_path, "seeded"))
    empty = open_store(database(backend, tmp_path, "empty"), seed=False)
    copied = 0
    with seeded.engine.connect() as src, empty.engine.begin() as dst:
        for table in schema.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            dst.execute(table.delete())  # what migrations wrote: the copy replaces it
            bulk(dst, insert(table), rows)
            key = [c.name for c in table.primary_key] or [c.name for c in table.c]
            got = [dict(r._mapping) for r in dst.execute(select(table).order_by(*key))]
            want = [dict(r._mapping) for r in src.execute(select(table).order_by(*key))]
            assert got == want, table.name
            copied += len(rows)
    assert copied > 10_000

