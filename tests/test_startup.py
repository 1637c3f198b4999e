"""Start-up: the command line imports only what a command uses (no web stack for status or screen)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from listwatch import cli, screen
from listwatch.store.db import head_revisions

WEB_STACK = ("fastapi", "uvicorn", "jinja2", "httpx", "starlette")
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _imported_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    probe = code + "\nimport sys; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_importing_the_cli_loads_no_web_stack_no_database_layer_and_no_matcher() -> None:
    loaded = _imported_after("import listwatch.cli")
    assert not loaded & {*WEB_STACK, "sqlalchemy", "alembic", "numpy", "rigour", "pypinyin"}


def test_importing_the_library_package_loads_nothing_heavy_until_used() -> None:
    loaded = _imported_after("import listwatch; from listwatch import Store")
    assert "sqlalchemy" in loaded and not loaded & set(WEB_STACK)
    assert not _imported_after("import listwatch") & {"sqlalchemy", *WEB_STACK}


def test_screening_and_status_modules_do_not_import_the_web_stack() -> None:
    loaded = _imported_after("import listwatch.screen, listwatch.status, listwatch.resolve, listwatch.batch")
    assert not loaded & set(WEB_STACK)


def test_the_command_runs_with_the_collector_on_and_its_start_up_frozen() -> None:
    """``listwatch`` (:func:`listwatch.__main__.main`) imports the CLI with the cyclic collector off, then freezes
    what that made and switches the collector on again before any command runs."""
    env = {**os.environ, "PYTHONPATH": SRC}
    code = ("import gc, sys\nfrom listwatch.__main__ import main\nsys.argv = ['listwatch', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint(gc.isenabled(), gc.get_freeze_count() > 1000)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == ["True", "True"] and done.stdout.startswith("listwatch ")


def test_the_spark_module_loads_no_database_layer() -> None:
    """Every Spark Python worker imports listwatch.spark to unpickle the screening function: SQLAlchemy and the
    dataset's YAML would add about a second of CPU to each, and executors never open a store."""
    assert not _imported_after("import listwatch.spark") & {"sqlalchemy", "alembic", "yaml", *WEB_STACK}


def test_cli_default_threshold_is_the_screening_default() -> None:
    assert cli.DEFAULT_THRESHOLD == screen.DEFAULT_THRESHOLD


def test_head_revision_read_from_the_migration_files_is_alembics() -> None:
    from alembic.config import Config  # noqa: PLC0415
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    from listwatch.store.db import MIGRATIONS  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == set(ScriptDirectory.from_config(cfg).get_heads())


def test_a_search_loads_neither_rigours_text_stack_nor_stdnum() -> None:
    """rigour.text / rigour.names import normality and charset detection, stdnum imports ssl and pydoc: more
    than half of a single ``listwatch screen`` before the matcher called rigour's core and checked ISINs itself."""
    loaded = _imported_after(
        "from listwatch.match.index import NameDoc, NameIndex\n"
        "idx = NameIndex([NameDoc('x', 'Xiaomi Corporation'), NameDoc('a', 'Acme Joint Stock Company'),"
        " NameDoc('b', 'HUSSEIN, Ali', person=True)])\n"
        "assert idx.search('Xiaomi Corp')[0].ref == 'x' and idx.search('acme jsc')[0].ref == 'a'\n"
        "assert idx.search('Husayn Ali')[0].ref == 'b' and not idx.search('Nothing Like It Ltd')\n"
        "import sys; assert 'rigour._core' in sys.modules")
    heavy = {"normality", "charset_normalizer", "stdnum", "icu", "anyascii", "opencc", "pypinyin", "platformdirs"}
    assert not loaded & heavy, loaded & heavy  # ASCII names need no transliteration tables


def test_a_search_of_a_mapped_index_does_not_import_numpy(tmp_path: Path) -> None:
    """A process that answers one query (``listwatch screen``) reads the index file through memoryviews and ranks
    its few candidates in plain Python: numpy's import alone would be a fifth of it. (Building needs numpy.)"""
    path = tmp_path / "names.lwix"
    _imported_after(
        "from pathlib import Path\n"
        "from listwatch.match.index import NameDoc, NameIndex\n"
        "from listwatch.match.indexfile import save_index\n"
        "save_index(NameIndex([NameDoc('x', 'Xiaomi Corporation'), NameDoc('a', 'Acme Joint Stock Company')]),"
        f" Path({str(path)!r}), 'k')")
    loaded = _imported_after(
        "from pathlib import Path\n"
        "from listwatch.match.indexfile import load_index\n"
        f"idx = load_index(Path({str(path)!r}), 'k')\n"
        "assert [h.ref for h in idx.search('Xiaomi Corp')] == ['x'] and idx.search('acme jsc')[0].ref == 'a'")
    assert "numpy" not in loaded
