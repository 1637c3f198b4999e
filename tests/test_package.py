"""The package's own API (``from listwatch import ...``)."""

from __future__ import annotations


def test_the_package_api_names_survive_their_submodules_being_imported() -> None:
    import importlib

    import listwatch

    importlib.import_module("listwatch.resolve")  # e.g. by the ingest path, before `from listwatch import resolve`
    assert callable(listwatch.resolve) and listwatch.resolve.__module__ == "listwatch.resolve"


def test_compare_is_listwatch_matchs_function_whatever_was_imported_before() -> None:
    import importlib

    importlib.import_module("listwatch.match.comparison")  # as the CLI's compare command does
    from listwatch.match import CompareError, Comparison, compare

    assert callable(compare) and compare.__module__ == "listwatch.match.comparison"
    assert isinstance(compare("Xiaomi Corp", "Xiaomi Corporation"), Comparison) and issubclass(CompareError, ValueError)
