"""The SQLite reader without SQLAlchemy gives the Store's answers, byte for byte, and knows when it cannot."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from listwatch import cachefile, report
from listwatch import status as engine
from listwatch.cachefile import library_version, remembered
from listwatch.datadigest import bundled_dir, content_hash, remembered_hash
from listwatch.evidence import evidence
from listwatch.ingest import ingest
from listwatch.resolve import resolve
from listwatch.store.db import Store, open_store
from listwatch.store.fastread import FORMAT, SqliteReader, catalog_key, open_reader
from listwatch.store.reader import MIGRATIONS, Reader, head_revisions
from tests.conftest import Templates

SRC = str(Path(__file__).resolve().parents[1] / "src")
EARLY = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _ftm(path: Path, *names: str) -> Path:
    rows = [{"id": f"fast-{i}", "schema": "Company", "datasets": ["us_dod_1237"],
             "properties": {"name": [n], "country": ["cn"]}} for i, n in enumerate(names)]
    rows.append({"id": "alias-1", "schema": "Company", "datasets": ["us_dod_1237"],
                 "properties": {"name": ["XIAOMI FAST ALIAS"], "isinCode": ["KYG9830T1067"]}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> tuple[Store, SqliteReader, dt.datetime]:
    """A SQLite store with the bundled data and two ingested versions (one drops a company), its reader, and a
    record time between the two versions."""
    tmp = tmp_path_factory.mktemp("fastread")
    st = open_store(templates.copy("sqlite", tmp, "fast"))
    ingest(st, "ftm", [_ftm(tmp / "fast.ftm.json", "Fast Test Holdings", "Fast Gone Limited")], dt.date(2024, 1, 2))
    between = dt.datetime.now(dt.UTC)
    ingest(st, "ftm", [_ftm(tmp / "fast.ftm.json", "Fast Test Holdings")], dt.date(2024, 2, 1), allow_shrink=True)
    reader = open_reader(st.url)
    assert isinstance(reader, SqliteReader)
    return st, reader, between


def _rows(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in rows]


def test_every_read_gives_the_stores_answer(pair: tuple[Store, SqliteReader, dt.datetime]) -> None:
    st, rd, between = pair
    assert (rd.url, rd.sqlite_file, rd.schema_revision()) == (st.url, st.sqlite_file, st.schema_revision())
    ids = st.entity_ids()
    lists = [x.id for x in st.lists()]
    for known in (None, EARLY, between):
        def same(call: str, *args: Any, **kw: Any) -> None:
            a, b = getattr(st, call)(*args, **kw), getattr(rd, call)(*args, **kw)
            if call in ("source_versions", "dataset_versions"):
                a, b = _rows(a), _rows(b)
            assert a == b, (call, args, kw)

        same("entity_ids", known)
        same("entities", ids, known)
        same("all_entities", known)
        same("facts_at", known)
        same("facts_version", known)
        for q in ("xiaomi", "KYG9830T1067", "1810@HK", "1810@XX", "XIAOMI FAST ALIAS", "Fast Gone Limited", "nobody"):
            same("lookup", q, known)
        same("events", known_at=known)
        same("events", entity_id="xiaomi", known_at=known, list_wide=True)
        same("events", entity_id="xiaomi", known_at=known)
        same("events", entity_ids=[*ids[:50], "ftm-fast-0"], known_at=known, list_wide=True)
        same("events", entity_ids=[], known_at=known)
        for list_id in lists:
            same("events", list_id=list_id, known_at=known)
            same("events", entity_id="xiaomi", list_id=list_id, known_at=known)
            same("entity_ids_on", list_id)
        same("source_versions", known)
        same("last_recorded", known)
        same("list_feeds", known)
    for call in ("data_version", "dataset_digest", "ingested_sources", "lists", "first_bundled_event"):
        assert getattr(st, call)() == getattr(rd, call)(), call
    assert _rows(st.dataset_versions()) == _rows(rd.dataset_versions())
    assert st.all_names() == rd.all_names() and st.all_names(ever=True) == rd.all_names(ever=True)
    sources = {i for ev in st.events() for i in ev.sources}
    assert st.sources(sources) == rd.sources(sources) and st.sources([]) == rd.sources([]) == {}
    assert st.source_versions() and any(ev.type.value == "delisted" for ev in rd.events(list_id="us-dod-1237"))


@pytest.mark.parametrize(("name", "day"), [("xiaomi", "2021-01-14"), ("xiaomi", "2021-03-12"), ("Huawei", "2021-01-11"),
                                           ("Fast Test Holdings", "2024-03-01"), ("Fast Gone Limited", "2024-03-01")])
def test_status_timeline_and_evidence_are_identical(pair: tuple[Store, SqliteReader, dt.datetime], name: str,
                                                    day: str) -> None:
    st, rd, between = pair

    def answers(s: Reader, known: dt.datetime | None) -> list[Any]:
        e = resolve(s, name, known)
        on = dt.date.fromisoformat(day)
        return [report.status_json(s, engine.status(s, e, on, known, query=name)),
                report.timeline_json(s, engine.timeline(s, e, known)), evidence(s, on, known),
                report.lists_json(s.lists()), report.members_json("us-dod-1237", on, engine.members(s, "us-dod-1237",
                                                                                                     on, known))]

    for known in (None, between):
        assert answers(st, known) == answers(rd, known)


def test_a_naive_timestamp_is_refused_as_by_the_store(pair: tuple[Store, SqliteReader, dt.datetime]) -> None:
    st, rd, _ = pair
    for s in (st, rd):
        with pytest.raises(Exception, match="naive datetime"):
            s.events(known_at=dt.datetime(2024, 1, 1))  # naive: refused


def test_no_reader_where_something_must_be_written_first(tmp_path: Path, templates: Templates) -> None:
    assert open_reader("sqlite://") is None and open_reader(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert open_reader("postgresql+psycopg://u@localhost/x") is None
    url = templates.copy("sqlite", tmp_path, "stale")
    assert open_reader(url) is not None
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE dataset_versions SET digest = 'older data'")  # the bundled data changed since
    conn.close()
    assert open_reader(url) is None
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")  # a migration is due
    conn.close()
    assert open_reader(url) is None


# What a status on a ready store does not need: the database layer, numpy, Han text and pinyin (an id or a Latin
# name), Rich's emoji codes (never read: text is printed as written), nor what only a write or a server uses, nor
# the dataclasses of timelines, memberships, diffs and name comparisons (their generated methods cost start-up)
# (and, where the name is found without the resolver's name table, whose file is named by a hash: hashlib, i.e.
# OpenSSL; the dataset's digest and the statement catalog's key are taken remembered, cachefile.remembered)
NOT_FOR_STATUS = ("sqlalchemy", "numpy", "pypinyin", "anyascii", "listwatch.match.glossary", "listwatch.match.han",
                  "listwatch.territories", "rich._emoji_codes", "logging", "tempfile", "importlib.resources",
                  "listwatch.history", "listwatch.match.comparison")


def _status_process(home: Path, *args: str, query: str = "xiaomi") -> subprocess.CompletedProcess[str]:
    """``status xiaomi`` (with ``args``) in a process of its own; its stderr ends with the modules of
    NOT_FOR_STATUS (and hashlib) it imported."""
    unwanted = (*NOT_FOR_STATUS, "hashlib")
    code = (f"import sys\nfrom listwatch.cli import app\ntry:\n    app(['status', {query!r}, '--as-of', '2021-01-14', "
            f"*{list(args)!r}])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            f"print(','.join(m for m in {unwanted!r} if m in sys.modules) or '-', file=sys.stderr)")
    env = {**os.environ, "LISTWATCH_HOME": str(home), "PYTHONPATH": SRC}
    for key in ("LISTWATCH_DATABASE_URL", "LISTWATCH_INDEX_DIR"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                          check=True)


def test_status_runs_without_sqlalchemy_once_its_statements_are_kept(tmp_path: Path, templates: Templates) -> None:
    home = tmp_path / "home"
    home.mkdir()
    src = templates.copy("sqlite", tmp_path, "cli").removeprefix("sqlite:///")
    os.replace(src, home / "listwatch.db")
    first = _status_process(home, "--json")  # compiles the statements it needs (SQLAlchemy) and keeps them
    [catalog] = (home / "index").glob("statements-*.json")
    second = _status_process(home, "--json")
    assert "sqlalchemy" not in second.stderr.split()[-1] and second.stdout == first.stdout
    assert json.loads(second.stdout)["restricted"] is True
    catalog.write_text('{"key": "', encoding="utf-8")  # damaged: compiled again, answers unchanged
    assert _status_process(home, "--json").stdout == first.stdout
    assert json.loads(catalog.read_text(encoding="utf-8"))["statements"]
    table = _status_process(home)  # the table users read
    assert table.stderr.split()[-1] == "-" and "RESTRICTED" in table.stdout
    by_name = _status_process(home, query="xiaomi corp")  # a name: the resolver's name table is built, kept ...
    assert list((home / "index").glob("resolve-names-*.lwix"))
    again = _status_process(home, query="xiaomi corp")  # ... and read without numpy
    assert again.stderr.split()[-1] in ("-", "hashlib") and again.stdout == by_name.stdout
    assert "RESTRICTED" in again.stdout


def test_a_remembered_value_is_computed_again_when_a_file_changes(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data, memo, calls = tmp_path / "a.yaml", tmp_path / "index" / "remembered.json", []
    data.write_text("one", encoding="utf-8")

    def digest() -> str:
        calls.append(1)
        return data.read_text(encoding="utf-8")

    assert remembered(memo, "a", [data], digest) == "one" and not memo.exists()  # a file this young: not kept
    monkeypatch.setattr(cachefile, "RACY_NS", 0)
    assert [remembered(memo, "a", [data], digest) for _ in range(3)] == ["one"] * 3 and len(calls) == 2
    data.write_text("two", encoding="utf-8")  # the same size: its times tell
    assert remembered(memo, "a", [data], digest) == "two" and remembered(memo, "b", [data], digest) == "two"
    assert len(calls) == 4 and remembered(memo, "a", [data], digest) == "two" and len(calls) == 4
    memo.write_text('{"a": ', encoding="utf-8")  # damaged: computed and written anew
    assert remembered(memo, "a", [data], digest) == "two" and len(calls) == 5
    assert json.loads(memo.read_text(encoding="utf-8"))["a"]["value"] == "two"
    assert remembered(None, "a", [data], digest) == "two" and len(calls) == 6  # no memo: always computed


def test_remembered_dataset_hash_and_head_revisions_are_the_computed_ones(tmp_path: Path) -> None:
    memo = tmp_path / "remembered.json"
    for _ in range(2):  # computed (and kept: the installed files are older than RACY_NS), then read back
        assert remembered_hash(memo) == content_hash() and head_revisions(memo) == head_revisions()
        assert catalog_key(memo) == catalog_key()
    assert set(json.loads(memo.read_text(encoding="utf-8"))) == {f"dataset {bundled_dir()}",
                                                                  f"migrations {MIGRATIONS / 'versions'}",
                                                                  f"catalog {FORMAT} sqlalchemy {library_version('sqlalchemy')}"}


def test_library_versions_read_beside_the_module_are_the_installed_ones() -> None:
    for dist in ("sqlalchemy", "SQLAlchemy", "pypinyin", "rigour", "anyascii", "rapidfuzz"):
        assert library_version(dist) == importlib.metadata.version(dist)
