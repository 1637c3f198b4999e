"""Persisted indexes: keyed by data version, refused when stale or damaged, equal to a fresh build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from listwatch import indexes
from listwatch.ingest import ingest
from listwatch.match import indexbuild
from listwatch.match.index import NameDoc, NameIndex
from listwatch.match.indexfile import IndexFileError, load_index, load_table, save_index, save_table
from listwatch.resolve import resolve
from listwatch.screen import entity_docs, screen
from listwatch.store.db import Store, migrate, open_store
from tests.conftest import Templates

SRC = str(Path(__file__).resolve().parents[1] / "src")
QUERIES = ["Xiaomi Corp", "XIAOMI CORP-CLASS B", "Hikvision", "hangzhou hikvision digital tech co ltd", "小米集团",
           "Semiconductor Manufacturing International", "KYG9830T1067", "Huawei Technologies Co., Ltd.",
           "China Mobile", "Luokung Tech", "Nothing Like Any Listed Name Ltd", "Comac", "DJI"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Path:
    """A seeded SQLite database to copy (the session's template: no seeding of its own)."""
    return templates.home(tmp_path_factory.mktemp("seeded")) / "listwatch.db"


def _copy(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.delenv("LISTWATCH_INDEX_DIR", raising=False)  # beside the database, as users get it
    db = tmp_path / "listwatch.db"
    db.write_bytes(seeded.read_bytes())
    return open_store(f"sqlite:///{db}")


def _hits(index: NameIndex) -> list[list[tuple[str, str, float, str]]]:
    return [[(h.ref, h.name, h.score, json.dumps(h.explanation.as_dict())) for h in index.search(q, limit=5)]
            for q in QUERIES]


def test_results_are_identical_with_and_without_the_persisted_index(store: Store) -> None:
    built = NameIndex(entity_docs(store.entities(store.entity_ids()).values()))
    mapped = indexes.screen_index(store)
    assert not isinstance(mapped.docs, list)  # really the mapped file, not a build
    assert len(mapped) == len(built) and _hits(mapped) == _hits(built)
    assert any(hits for hits in _hits(mapped))


def test_index_file_lives_beside_the_sqlite_database_keyed_by_data_version(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    path = indexes.build_index(st)
    assert path is not None and path.parent == tmp_path / "index" and path.exists()
    assert {p.name.split("-")[0] for p in path.parent.iterdir()} == {"screen", "resolve"}


def test_index_is_rebuilt_after_an_ingest_and_the_old_file_removed(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    before = indexes.build_index(st)
    assert not screen("Zyxwvut Avionics Holding", store=st)
    f = tmp_path / "csl.json"
    f.write_text(json.dumps({"results": [{
        "_id": "zy1", "source": "Entity List (EL) - Bureau of Industry and Security",
        "name": "Zyxwvut Avionics Holding Co., Ltd.", "type": "Entity", "alt_names": [], "start_date": "2020-12-22",
        "federal_register_notice": "85 FR 83420", "ids": [], "addresses": [{"country": "CN"}]}]}), encoding="utf-8")
    ingest(st, "csl", [f])
    prepared: list[str] = []  # the earlier file's prepared names are reused: only the new name is prepared
    real = indexbuild.prepare
    monkeypatch.setattr(indexbuild, "prepare", lambda name, **kw: prepared.append(name) or real(name, **kw))
    after = indexes.index_path(st)
    assert after != before and after is not None
    assert [h.entity.name for h in screen("Zyxwvut Avionics Holding", store=st)] == \
        ["Zyxwvut Avionics Holding Co., Ltd."]
    assert after.exists() and not before.exists()
    assert resolve(st, "Zyxwvut Avionics Holding").id == "csl-zy1"  # the resolver's table follows too
    assert prepared == ["Zyxwvut Avionics Holding Co., Ltd."]


def _before_head() -> str:
    """The revision before the newest migration (this code reads stores of that schema and newer)."""
    from alembic.config import Config  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    from listwatch.store.db import MIGRATIONS  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


def test_index_is_rebuilt_after_a_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LISTWATCH_INDEX_DIR", raising=False)
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine)
    # an index built under the previous schema revision, as an upgrade finds it (this code reads columns
    # the previous schema lacks, so the store says it is at the previous revision while it builds)
    set_revision = text("UPDATE alembic_version SET version_num = :rev")
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(set_revision, {"rev": _before_head()})
    old = Store(engine)
    indexes.build_index(old)
    before = indexes.index_path(old)
    with engine.begin() as conn:  # the upgrade
        conn.execute(set_revision, {"rev": head})
    st = Store(engine)
    after = indexes.index_path(st)
    assert before is not None and after is not None and after != before
    indexes.screen_index(st)
    assert after.exists() and not before.exists()


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "foreign", "empty", "other kind"])
def test_a_damaged_or_foreign_index_file_is_refused_and_rebuilt(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    path = indexes.build_index(st)
    assert path is not None
    good = path.read_bytes()
    key = indexes.index_key(st, indexes.SCREEN)
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "corrupt":
        path.write_bytes(good[:-100] + bytes(b ^ 0xFF for b in good[-100:]))
    elif damage == "foreign":
        path.write_bytes(b"PK\x03\x04 a zip file, not an index" * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        save_table({"xiaomi": ["xiaomi"]}, path, indexes.RESOLVE, key)
    with pytest.raises(IndexFileError):
        load_index(path, key)
    st.forget()
    assert [h.entity.id for h in screen("Xiaomi Corp", store=st)][:1] == ["xiaomi"]
    assert load_index(path, key) is not None and path.read_bytes() == good


def test_a_mapped_key_table_finds_each_key_and_nothing_else(tmp_path: Path) -> None:
    table = {f"w{i}": sorted({f"e{i % 7}", f"f{i % 5}"}) for i in range(3000)}
    table |= {"小米集团": ["xiaomi"], "société": ["x", "y"], "": ["blank"], "a b": ["ab"]}
    loaded = load_table(save_table(table, tmp_path / "t.lwix", "names", "k"), "names", "k")
    assert list(loaded) == list(table) and len(loaded) == len(table)
    assert {k: loaded[k] for k in table} == {k: tuple(sorted(v)) for k, v in table.items()}
    for missing in ["w3000", "W1", "小米", "societe", " ", "\ud800"]:
        assert missing not in loaded and loaded.get(missing) is None
    assert 7 not in loaded
    with pytest.raises(KeyError):
        loaded["nothing"]
    empty = load_table(save_table({}, tmp_path / "e.lwix", "names", "k"), "names", "k")
    assert len(empty) == 0 and "x" not in empty and list(empty) == []


def test_a_stale_index_file_is_refused(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    path = indexes.build_index(st)
    assert path is not None
    with pytest.raises(IndexFileError, match="stale"):
        load_index(path, "0" * 64)


def test_two_processes_see_the_same_data_version_and_share_one_file(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    path = indexes.build_index(st)
    assert path is not None
    stamp = path.stat().st_mtime_ns
    probe = ("import sys; from listwatch.store.db import open_store; from listwatch import indexes; "
             "from listwatch.screen import screen; st = open_store(sys.argv[1]); "
             "print(st.data_version(), indexes.index_path(st), screen('Xiaomi Corp', store=st)[0].entity.id)")
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("LISTWATCH_INDEX_DIR", None)
    out = subprocess.run([sys.executable, "-c", probe, str(st.engine.url)], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [st.data_version(), str(path), "xiaomi"]
    assert path.stat().st_mtime_ns == stamp  # mapped as written, not rebuilt


def test_an_incremental_build_equals_a_full_build_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [NameDoc("smic", "Semiconductor Manufacturing International Corp (SMIC)", identifiers=("isin:KYG8020E1199",)),
              NameDoc("xiaomi", "小米集团"), NameDoc("xiaomi", "Xiaomi Corporation"), NameDoc("gone", "Gone Trading LLC"),
              NameDoc("dodik", "DODIK, Milorad", person=True), NameDoc("renamed", "Old Name Shipping Co")]
    earlier = load_index(save_index(NameIndex(before), tmp_path / "a.lwix", "a"))
    after = [d for d in before if d.ref not in ("gone", "renamed")]
    after += [NameDoc("renamed", "New Name Shipping Co"), NameDoc("added", "Added Avionics Holding Ltd"),
              NameDoc("dodik-co", "DODIK, Milorad")]  # the same name, not a person's: prepared anew
    prepared: list[str] = []
    real = indexbuild.prepare
    monkeypatch.setattr(indexbuild, "prepare", lambda name, **kw: prepared.append(name) or real(name, **kw))
    incremental = save_index(NameIndex(after, earlier.reusable()), tmp_path / "b.lwix", "b")
    assert prepared == ["New Name Shipping Co", "Added Avionics Holding Ltd", "DODIK, Milorad"]
    full = save_index(NameIndex(after), tmp_path / "c.lwix", "b")
    assert incremental.read_bytes() == full.read_bytes()


def test_files_no_process_will_use_again_are_removed_when_an_index_is_written(
        seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _copy(seeded, tmp_path, monkeypatch)
    folder = tmp_path / "index"
    neighbour_db = tmp_path / "other.db"  # another database in the same folder keeps its files here
    neighbour_db.write_bytes(b"")
    small = NameIndex([NameDoc("x", "X Corp")])
    files = {"moved": ("screen-index-aaaaaaaaaaaa-1.lwix", str(tmp_path / "gone" / "listwatch.db")),
             "neighbour": ("screen-index-bbbbbbbbbbbb-1.lwix", str(neighbour_db)),
             "postgres": ("screen-index-cccccccccccc-1.lwix", ""), "old code": ("screen-index-dddddddddddd-1.lwix", None)}
    for name, database in files.values():
        save_index(small, folder / name, "k", {} if database is None else {"database": database})
    save_table({}, folder / "resolve-names-eeeeeeeeeeee-1.lwix", indexes.RESOLVE, "k", {"database": str(seeded)})
    (folder / "statements-000000000000000000000000.json").write_text("{}")
    for tmp, age in ((".screen-index-x.lwix.dead", 7200), (".screen-index-y.lwix.live", 10)):
        (folder / tmp).write_bytes(b"half")
        os.utime(folder / tmp, (os.stat(folder / tmp).st_atime, os.stat(folder / tmp).st_mtime - age))
    path = indexes.build_index(st)
    assert path is not None
    kept = {p.name for p in folder.iterdir()}
    assert kept == {path.name, indexes.index_path(st, indexes.RESOLVE).name,  # type: ignore[union-attr]
                    files["neighbour"][0], files["postgres"][0], ".screen-index-y.lwix.live"}
