"""Tickers as custodians write them fold to one key per listing (pure functions)."""

from __future__ import annotations

import pytest

from listwatch.match.index import identifier_keys
from listwatch.match.tickers import split_ticker, ticker_key


@pytest.mark.parametrize(("written", "key"), [
    ("0941@HK", "941@HK"), ("00941@XHKG", "941@HK"), ("941 HK Equity", "941@HK"), ("0941.HK", "941@HK"),
    ("002415@SZ", "002415@CN"), ("2415@XSHE", "002415@CN"), ("600118.SS", "600118@CN"), ("600118@SH", "600118@CN"),
    ("BRK/B@UN", "BRK.B@US"), ("BRK.B", "BRK.B"), ("CHL", "CHL"),
])
def test_one_key_per_listing(written: str, key: str) -> None:
    assert ticker_key(*split_ticker(written)) == key


def test_screen_queries_with_an_exchange_are_identifier_lookups() -> None:
    assert identifier_keys("0941@HK") == ["ticker:941@HK"]
    assert identifier_keys("002415.SZ") == ["ticker:002415@CN"]
    assert identifier_keys("Xiaomi Corp") == []
