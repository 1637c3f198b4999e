from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from listwatch.cli import app
from listwatch.dataset import bundled_dir
from listwatch.store.db import Store, open_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Loading the bundled list snapshots takes tens of seconds per store; the many throwaway stores of the
# suite skip it, and tests/test_snapshots.py loads them once into a store of its own.
os.environ.setdefault("LISTWATCH_SNAPSHOTS", "0")

# PostgreSQL runs the same store tests when LISTWATCH_TEST_POSTGRES names a server (.ci/run starts one);
# in CI it must be there: no silent skip.
POSTGRES = os.environ.get("LISTWATCH_TEST_POSTGRES")
if os.environ.get("CI") and not POSTGRES:
    raise RuntimeError("CI run without LISTWATCH_TEST_POSTGRES: .ci/run must start PostgreSQL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES else [])]


def database(backend: str, tmp: Path, name: str) -> str:
    """A fresh, empty database on the backend: a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / name}.db"
    assert POSTGRES is not None
    import psycopg  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    url = make_url(POSTGRES)
    db = f"lw_{name}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    return url.set(database=db).render_as_string(hide_password=False)


def D(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


# Caches of the library data (not of any store) that every process makes alike: rigour's territory names
# (~3.5 s CPU to build). What one xdist worker built the others take from the session's shared folder.
SHARED_CACHES: list[tuple[Path, Path]] = []  # (this process's cache dir, the session's folder)


@pytest.fixture(scope="session", autouse=True)
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Index files of the tests' stores (PostgreSQL's would go to the user cache directory) in a temp dir."""
    path = tmp_path_factory.mktemp("index")
    SHARED_CACHES.append((path, session_dir(tmp_path_factory, "caches")))
    share_caches()
    old = os.environ.get("LISTWATCH_INDEX_DIR")
    os.environ["LISTWATCH_INDEX_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("LISTWATCH_INDEX_DIR", None)
    else:
        os.environ["LISTWATCH_INDEX_DIR"] = old


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Path:
    """The session's LISTWATCH_HOME; its store is a copy of the seeded template."""
    return templates.home(tmp_path_factory.mktemp("listwatch"))


@pytest.fixture(scope="session", params=BACKENDS)
def store(request: pytest.FixtureRequest, home: Path, tmp_path_factory: pytest.TempPathFactory,
          templates: Templates) -> Store:
    """One store per backend seeded from the bundled data (a copy of the template), shared by read-only tests."""
    if request.param == "sqlite":
        return open_store(f"sqlite:///{home / 'listwatch.db'}")
    return open_store(templates.copy(request.param, tmp_path_factory.mktemp("pg"), "shared"))


def sqlite_copy(src: Path, dst: Path) -> str:
    """Copy a SQLite database (the backup API: a consistent copy, WAL included); the copy's URL."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return f"sqlite:///{dst}"


def edit_yaml(path: Path, edit: Callable[[Any], object]) -> None:
    """Rewrite a YAML file of a dataset copy after ``edit`` changed its document in place (libyaml when PyYAML
    has it: the pure-Python parser takes over a second on entities.yaml; the document read back is the same)."""
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    edit(doc)
    path.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                              sort_keys=False), encoding="utf-8")


def share_caches() -> None:
    """Publish this worker's library caches to the session's folder, or take those another worker published
    (a rename: a reader sees the whole file or none; a cache file it finds damaged is rebuilt anyway)."""
    for own, shared in SHARED_CACHES:
        for src, dst in [*((f, shared / f.name) for f in own.glob("territory-names-*.json")),
                         *((f, own / f.name) for f in shared.glob("territory-names-*.json"))]:
            if not dst.exists():
                shutil.copy(src, tmp := dst.with_suffix(f".{os.getpid()}.tmp"))
                tmp.replace(dst)


def pytest_runtest_teardown() -> None:
    share_caches()


def session_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of the whole test session: under xdist, in the session's temp dir, which every worker shares
    (each worker's own base temp dir is in it), so what one worker makes there under a lock the others use."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    folder.mkdir(exist_ok=True)
    return folder


class Templates:
    """Per backend, one database seeded from the bundled data, made once per session by the first worker that
    needs it (the others wait on its lock, then use it). A fresh store is a copy of it (SQLite: the backup API;
    PostgreSQL: CREATE DATABASE ... TEMPLATE, which several workers may run at once): the same rows a first
    ``open_store`` writes, in milliseconds instead of the seconds a seed takes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.urls: dict[str, str] = {}

    def template(self, backend: str) -> str:
        if backend not in self.urls:
            made = self.root / f"{backend}.url"
            with (self.root / f"{backend}.lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                if not made.exists():
                    url = database(backend, self.root, "template")
                    open_store(url).engine.dispose()
                    made.write_text(url, encoding="utf-8")
            self.urls[backend] = made.read_text(encoding="utf-8")
        return self.urls[backend]

    def copy(self, backend: str, tmp: Path, name: str) -> str:
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        src = make_url(self.template(backend))
        if backend == "sqlite":
            return sqlite_copy(Path(str(src.database)), tmp / f"{name}.db")
        import psycopg  # noqa: PLC0415

        db = f"lw_{name}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(host=src.host, port=src.port, user=src.username, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "{src.database}"')
        return src.set(database=db).render_as_string(hide_password=False)


    def home(self, tmp: Path) -> Path:
        """A LISTWATCH_HOME whose store (listwatch.db) is a copy of the SQLite template: seeded, as the first
        command would leave it."""
        home = tmp / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.copy("sqlite", home, "listwatch")
        return home


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(session_dir(tmp_path_factory, "templates"))


@pytest.fixture(params=BACKENDS)
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Store:
    """A store of its own, seeded from the bundled data (a copy of the session's seeded template)."""
    return open_store(templates.copy(request.param, tmp_path, "fresh"))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset directory."""
    dst = tmp_path / "data"
    shutil.copytree(bundled_dir(), dst)
    return dst


class Cli:
    def __init__(self, home: Path) -> None:
        self.runner = CliRunner()
        self.env = {"LISTWATCH_HOME": str(home), "LISTWATCH_DATABASE_URL": "", "COLUMNS": "200"}

    def __call__(self, *args: str) -> Any:
        result = self.runner.invoke(app, list(args), env=self.env, catch_exceptions=False)
        return result

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli(home: Path) -> Iterator[Cli]:
    open_store(f"sqlite:///{home / 'listwatch.db'}")
    yield Cli(home)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip(f"reference data not found at {SHARED} (clone ../shared beside the repo)")
    return SHARED


# The real list files of the shared ingested store (format, path under data/real, the day the file is of).
REAL_LISTS = (("ofac-csv", "ofac-sdn-csv/2021-07-07", "2021-07-07"),
              ("ofac-csv", "ofac-cons-csv/2025-12-19", "2025-12-19"),
              ("csl", "csl/2022-05-16/consolidated.csv.gz", "2022-05-16"))


@dataclass(frozen=True)
class RealLists:
    store: Store
    results: list[dict[str, Any]]  # the three ingests' results (IngestResult fields), in REAL_LISTS order
    folder: Path

    def sdn_only(self, tmp: Path) -> str:
        """The URL of a new SQLite store: a copy of this one as it was with only its first file (SDN 2021-07-07)
        ingested, for a test that goes on from there and writes."""
        return sqlite_copy(self.folder / "sdn.db", tmp / "sdn-2021-07-07.db")


@pytest.fixture(scope="session")
def real_lists(shared: Path, tmp_path_factory: pytest.TempPathFactory, templates: Templates,
               index_dir: Path) -> RealLists:
    """A SQLite store of the bundled data with SDN 2021-07-07, consolidated 2025-12-19 and CSL 2022-05-16
    ingested, read-only, shared by every test file that asks questions of the real lists.

    The ingest and the index build take tens of seconds, so the test session does them once: the first xdist
    worker to ask builds the store under a lock in the session's shared temp dir, and every worker opens that
    same file and copies its index files (keyed by URL and data version) into its own index dir. A test that
    writes must make a store of its own."""
    from listwatch import indexes  # noqa: PLC0415
    from listwatch.ingest import ingest  # noqa: PLC0415

    folder = session_dir(tmp_path_factory, "real-lists")
    done, built = folder / "results.json", folder / "index"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            st = open_store(templates.copy("sqlite", folder, "real"))
            results = []
            for fmt, path, day in REAL_LISTS:
                [res] = ingest(st, fmt, [shared / "data/real" / path], as_of=D(day))
                results.append({k: v for k, v in asdict(res).items() if k != "recorded_at"})
                if len(results) == 1:  # kept for RealLists.sdn_only
                    sqlite_copy(folder / "real.db", folder / "sdn.db")
            indexes.build_index(st)
            built.mkdir(exist_ok=True)
            for kind in (indexes.SCREEN, indexes.RESOLVE):
                f = indexes.index_path(st, kind)
                assert f is not None
                shutil.copy(f, built / f.name)
            st.engine.dispose()
            done.write_text(json.dumps(results), encoding="utf-8")
    for f in built.iterdir():
        if not (index_dir / f.name).exists():
            shutil.copy(f, index_dir / f.name)
    return RealLists(open_store(f"sqlite:///{folder / 'real.db'}"), json.loads(done.read_text(encoding="utf-8")),
                     folder)


# Files of long tests (servers and generated requests, real list files, Spark, the 33,568-name self-match, a
# browser), longest first (as measured in a whole run), then the files of 20-45 s in a serial run (subprocesses,
# index builds, seeds of edited data), longest first: the files that come last, alphabetically, take a few seconds
# each, so the worker that finishes first does not wait long for the other. pyproject passes
# --no-loadscope-reorder: xdist would otherwise hand out the files with the most tests first, and a long file with
# few tests would start last.
SLOW_FILES = ("test_api.py", "test_ingest.py", "test_spark.py", "test_update.py", "test_self_match.py",
              "test_replay.py", "test_snapshots.py", "test_serve_load.py", "test_web.py", "test_honest_answers.py",
              "test_known_at_and_store.py", "test_indexes.py", "test_dataset.py", "test_batch.py", "test_rollback.py",
              "test_webhooks.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first: with several workers (xdist) they start at once and the short files fill in
    behind them, instead of a long file starting last and running alone."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FILES.index(name) if name in SLOW_FILES else len(SLOW_FILES)

    items.sort(key=rank)
