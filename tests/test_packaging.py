"""Packaging: ranges in pyproject, exact pins in constraints.txt, no extra needed at run time,
the README tour's example files shipped in the package, --version and serve's URL."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_runtime_dependencies_are_ranges_and_every_one_is_pinned_in_constraints() -> None:
    deps = PYPROJECT["project"]["dependencies"]
    pins = {_name(line): line for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line and not line.startswith("#")}
    for req in deps:
        assert "==" not in req, f"{req}: declare a compatible range; exact pins go in constraints.txt"
        assert "==" in pins.get(_name(req), ""), f"{req} has no exact pin in constraints.txt"


def test_database_driver_and_event_loop_are_extras_not_requirements() -> None:
    names = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert not names & {"psycopg", "uvloop", "httptools", "pyspark", "pytest"}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"postgres", "spark", "fast", "dev"} <= set(extras)
    assert any(re.fullmatch(r"pyspark>=4(\.0)?,<5", r) for r in extras["spark"])


def test_no_module_imports_an_optional_dependency_at_top_level() -> None:
    for path in (ROOT / "src" / "listwatch").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for mod in ("psycopg", "uvloop", "httptools", "pyspark"):
            assert not re.search(rf"^(import|from) {mod}\b", text, re.M), f"{path}: top-level import of {mod}"


def test_version_option(cli: Cli) -> None:
    r = cli("--version")
    assert r.exit_code == 0 and re.fullmatch(r"listwatch \d+\.\d+\.\d+\S*\n", r.stdout), r.stdout


def test_examples_command_writes_the_readme_tour_files_and_they_screen(cli: Cli, tmp_path: Path) -> None:
    r = cli("examples", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "holdings.csv").read_bytes() == (ROOT / "examples" / "holdings.csv").read_bytes()
    rows = cli.json("portfolio", str(tmp_path / "holdings.csv"), "--as-of", "2021-02-01")["rows"]
    assert rows[0]["entity"]["id"] == "xiaomi" and rows[0]["restricted"]
    again = cli("examples", str(tmp_path))
    assert again.exit_code == 2 and "not overwriting" in again.stderr


def test_serve_prints_its_url(cli: Cli, home: Path) -> None:
    with socket.socket() as busy:  # a port already taken: the server prints its URL, then cannot bind and exits
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "listwatch", "serve", "--port", str(port)],
                                env={"LISTWATCH_HOME": str(home), "PATH": "/usr/bin:/bin",
                                     "PYTHONPATH": str(ROOT / "src"), "LISTWATCH_SNAPSHOTS": "0",
                                     "LISTWATCH_INDEX_DIR": os.environ["LISTWATCH_INDEX_DIR"]},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, _ = proc.communicate(timeout=120)
    assert f"listwatch serving on http://127.0.0.1:{port}/" in out


def test_every_data_file_of_the_package_is_declared_package_data() -> None:
    """A data file left out of package-data is missing from a plain `pip install .` (entity-list.csv and
    han_names.tsv were: the Entity List vanished and screening failed there, while editable installs worked)."""
    pkg = ROOT / "src" / "listwatch"
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["listwatch"]
    missing = [str(f.relative_to(pkg)) for f in sorted(pkg.rglob("*"))
               if f.is_file() and f.suffix not in (".py", ".pyc") and "__pycache__" not in f.parts
               and not any(f.relative_to(pkg).match(p) for p in patterns)]
    assert missing == []


def test_a_dataset_with_entity_list_rules_but_no_entity_list_file_is_refused(data_copy: Path) -> None:
    from listwatch.dataset import DatasetError, load  # noqa: PLC0415

    (data_copy / "entity-list.csv").unlink()
    with pytest.raises(DatasetError, match=r"entity-list\.csv is missing"):
        load(data_copy)
