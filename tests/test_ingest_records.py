"""The shared record checks and finders the parsers use: each fast path gives the answer of the full scan."""

from __future__ import annotations

import re

import pytest

from listwatch.ingest.records import IngestError, SourceRecord, check_text, cmic_listing_date, identifiers_in
from listwatch.model import Identifier


def _rec(**fields: object) -> SourceRecord:
    return SourceRecord(**{"source_id": "csl:1", "list_ids": ("us-bis-entity-list",), "name": "Acme",
                           "schema": "Organization", **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("remarks", ["", "plain words", "line\nbreak\tand tab", "no\u00a0break space",
                                     "line\u2028separator", "zero\u200bwidth"])
def test_text_that_prints_no_control_character_passes(remarks: str) -> None:
    check_text([_rec(remarks=remarks, aliases=("Acme Ltd",), properties={"address": ("1 Main St\nTown",)})], "f")


@pytest.mark.parametrize(("field", "value", "what"), [
    ("remarks", "bell\x07 inside", "control character U+0007"),
    ("remarks", "line\nbreak then \x00", "control character U+0000"),
    ("aliases", ("Acme\x1f",), "control character U+001F"),
    ("properties", {"address": ("x\x7f",)}, "control character U+007F"),
    ("name", "Acme \ud800", "lone surrogate"),
])
def test_a_control_character_in_any_field_is_refused_naming_it(field: str, value: object, what: str) -> None:
    with pytest.raises(IngestError, match=re.escape(f"f: record 'csl:1': {what}")):
        check_text([_rec(), _rec(source_id="csl:1", **{field: value})], "f")


def test_identifiers_are_found_only_where_printed() -> None:
    src = ("ofac-sdn:1",)
    text = ("Equity Ticker 1810 HK; ISIN KYG9830T1067; Unified Social Credit Code (USCC) 91110000802100433B; "
            "LEI 529900T8BM49AURSDO55")
    assert identifiers_in(text, "ofac-sdn:1") == (
        Identifier("isin", "KYG9830T1067", src), Identifier("ticker", "1810", src, exchange="HK"),
        Identifier("uscc", "91110000802100433B", src), Identifier("lei", "529900T8BM49AURSDO55", src))
    assert identifiers_in("DOB 1960; nationality Iran; LEIPZIG, Germany", "ofac-sdn:1") == ()
    assert identifiers_in("", "ofac-sdn:1") == ()


def test_cmic_listing_date_only_where_printed() -> None:
    assert cmic_listing_date("Listing Date (CMIC) 03 Jun 2021; ISIN X") is not None
    assert cmic_listing_date("03 Jun 2021, Listing Date (CMIC)") is not None
    assert cmic_listing_date("Effective Date (CMIC) 03 Jun 2021") is None
