"""The matcher's word lists (``listwatch/match/data``), read as the files they are beside this module.

``importlib.resources`` would import tempfile, shutil and zipfile (~0.02 s CPU of a process start) to
read files of a package that is always installed as files (the store's bundled data is read the same
way: :mod:`listwatch.datadigest`).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "read_data"]

DATA = Path(__file__).resolve().parent / "data"


def read_data(name: str) -> str:
    """The text of ``data/<name>``."""
    return (DATA / name).read_text(encoding="utf-8")
