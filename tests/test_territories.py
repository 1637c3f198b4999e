"""Country lookups: the same answers as rigour's lookup_territory, from a table cached once per rigour version."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rigour.territories import lookup_territory

from listwatch import territories

NAMES = ["CUBA", "China", "CN", "chn", "Korea, North", "North Korea", "Iran", "Russia", "Hong Kong", "Taiwan",
         "Burma", "Syria", "Côte d'Ivoire", "United Arab Emirates", "UK", "Q148", "Atlantis", "", "-0-",
         "Bosnia and Herzegovina", "Congo, Democratic Republic of the", "West Bank", "undetermined"]


def _rigour(name: str) -> str | None:
    found = lookup_territory(name)
    return None if found is None else found.code


@pytest.mark.parametrize("name", NAMES)
def test_territory_code_is_rigours_answer(name: str) -> None:
    assert territories.territory_code(name) == _rigour(name)


def test_every_country_of_the_sdn_address_file_gets_rigours_answer(shared: Path) -> None:
    with (shared / "data/real/ofac-sdn-csv/2021-07-07/add.csv").open(encoding="latin-1", newline="") as fh:
        countries = {row[4].strip() for row in csv.reader(fh) if len(row) > 4}
    assert len(countries) > 100
    assert {c: territories.territory_code(c) for c in countries} == {c: _rigour(c) for c in countries}


def test_the_name_table_is_read_back_from_its_cache_file_and_a_damaged_one_is_rebuilt() -> None:
    territories._names.cache_clear()
    table = territories._names()
    path = territories._cache_file()
    assert path.exists()
    path.write_text("{not json", encoding="utf-8")
    territories._names.cache_clear()
    assert territories._names() == table
    territories._names.cache_clear()
    assert territories._names() == table  # from the rewritten file
