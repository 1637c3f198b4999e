"""ISIN / LEI checks give python-stdnum's answer, whether or not they needed to ask it."""

from __future__ import annotations

import csv
import random
import string

import pytest
from stdnum import isin, lei

from listwatch.match.idcheck import is_isin, is_lei
from tests.conftest import SHARED

VALID = ["KYG9830T1067", "US0378331005", "CNE100000296", "XS2021471433", "5493001KJTIIGC8Y1R12",
         "529900T8BM49AURSDO55", "2594007XIACKNMUAW223"]
TRICKY = ["", " ", "-", "KYG9830T1068", "kyg9830t1067", " KYG9830T1067 ", "KYG9830T106", "ZZ0378331005",
          "\tUS0378331005", "US0378331005\x1c", "US-0378331005", "5493001KJTIIGC8Y1R1-2", "5493001KJTIIGC8Y1R12X",
          "ＫＹＧ９８３０Ｔ１０６７", "US０３７８３３１００５", "US\u20110378331005", "US\u00a00378331005", "١٢٣",
          "5493001KJTIIGC8Y1R1\u0662", "ÅB0378331005", "US0378331ı05", "小米集团", "Xiaomi", "XIAOMI", "R", "97",
          "1", "0001", "A" * 400, "9" * 40, "US037833100`", "MODIFIER\u02b9", "\U0001d7ce\U0001d7cf"]


def _dev_queries() -> list[str]:
    path = SHARED / "data" / "eval" / "screening-dev.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["query"] for row in csv.DictReader(fh)]


def _random(n: int) -> list[str]:
    rnd = random.Random(12)
    alphabet = string.ascii_uppercase + string.digits + " -.\t"
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.choice([3, 12, 12, 20, 20, 30]))) for _ in range(n)]


@pytest.mark.parametrize("value", VALID + TRICKY)
def test_isin_and_lei_checks_answer_as_stdnum(value: str) -> None:
    for v in (value, value.upper(), value.strip().upper().replace(" ", "")):  # as identifier_keys asks
        assert (is_isin(v), is_lei(v)) == (isin.is_valid(v), lei.is_valid(v)), v


def test_isin_and_lei_checks_answer_as_stdnum_for_every_dev_query_and_random_codes() -> None:
    values = [q.strip().upper().replace(" ", "") for q in _dev_queries()] + _random(3000)
    got = [(v, is_isin(v), is_lei(v)) for v in values]
    assert got == [(v, isin.is_valid(v), lei.is_valid(v)) for v in values]
    assert sum(x[2] for x in got) > 10  # the random codes do include valid LEIs (stdnum checks no length)


def test_known_identifiers_are_valid() -> None:
    assert all(is_isin(v) or is_lei(v) for v in VALID)
