"""The package's own API (``from listwatch import ...``)."""

from __future__ import annotations


def test_the_package_api_names_survive_their_submodules_being_imported() -> None:
    import importlib

    import listwatch

    importlib.import_module("listwatch.resolve")  # e.g. by the ingest path, before `from listwatch import resolve`
    assert callable(listwatch.resolve) and listwatch.resolve.__module__ == "listwatch.resolve"
