from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from listwatch.cli import app
from listwatch.dataset import bundled_dir
from listwatch.store.db import Store, open_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def D(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("listwatch-home")


@pytest.fixture(scope="session")
def store(home: Path) -> Store:
    """One store seeded from the bundled data, shared by read-only tests."""
    return open_store(f"sqlite:///{home / 'listwatch.db'}")


@pytest.fixture
def fresh_store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'fresh.db'}")


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
def cli(home: Path, store: Store) -> Iterator[Cli]:
    yield Cli(home)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip(f"reference data not found at {SHARED} (clone ../shared beside the repo)")
    return SHARED
