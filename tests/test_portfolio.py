"""Portfolio check: holdings CSV -> matched entity, effects, deadlines, action; bad files rejected clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from listwatch.portfolio import PortfolioError, check_portfolio, read_holdings
from listwatch.store.db import Store
from tests.conftest import Cli, D

HOLDINGS = """name,isin,ticker,quantity
Xiaomi Corp,,,1000
,KYG9830T1067,,50
"Huawei Technologies Co., Ltd.",,,1
SZ DJI Technology Co Ltd,,,3
,,1810@HK,7
Acme Widgets Ltd,,,9
Luokung Technology Corp.,,,2
"""


def _actions(store: Store, day: str, text: str = HOLDINGS) -> list[str]:
    return [c.action for c in check_portfolio(store, read_holdings(text.encode()), D(day))]


def test_rows_match_by_name_isin_and_ticker(store: Store) -> None:
    checked = check_portfolio(store, read_holdings(HOLDINGS.encode()), D("2021-01-14"))
    assert [(c.holding.row, c.matched_by, c.entity.id if c.entity else None) for c in checked] == [
        (1, "name", "xiaomi"), (2, "isin", "xiaomi"), (3, "name", "huawei"), (4, "name", "dji"),
        (5, "ticker", "xiaomi"), (6, None, None), (7, "name", "luokung")]


def test_xiaomi_on_listing_day_may_buy_until_the_ban_and_must_divest_later(store: Store) -> None:
    assert _actions(store, "2021-01-14")[0] == (
        "may buy until 2021-03-14; purchase ban from 2021-03-15; must divest by 2022-01-14")


def test_xiaomi_enjoined_has_no_restriction_in_force(store: Store) -> None:
    assert _actions(store, "2021-03-20")[0] == (
        "listing enjoined by a court: no restriction in force while the injunction lasts")
    assert _actions(store, "2021-06-01")[0] == "no restriction found"


def test_huawei_actions_across_the_eo_14032_switch_over(store: Store) -> None:
    assert _actions(store, "2019-05-16")[2] == "export licence required for items subject to the EAR"
    assert _actions(store, "2021-02-01")[2] == (
        "may not buy; must divest by 2021-11-11; export licence required for items subject to the EAR")
    assert _actions(store, "2021-06-03")[2] == (
        "may buy until 2021-08-01; purchase ban from 2021-08-02; export licence required for items subject to the EAR")
    assert _actions(store, "2021-09-01")[2] == (
        "may hold, may not buy (transactions solely to divest allowed before 2022-06-03); "
        "export licence required for items subject to the EAR")


def test_unmatched_row_says_no_restriction_found(store: Store) -> None:
    assert _actions(store, "2022-01-01")[5] == "no restriction found"


def test_portfolio_cli_json_has_a_row_per_holding(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text(HOLDINGS, encoding="utf-8")
    data = cli.json("portfolio", str(f), "--as-of", "2022-03-01")
    assert [r["row"] for r in data["rows"]] == [1, 2, 3, 4, 5, 6, 7]
    dji = data["rows"][3]
    assert dji["restricted"] and {e["kind"] for e in dji["effects"]} == {
        "securities_purchase_prohibited", "export_license_required"}
    assert dji["quantity"] == 3.0


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"company,qty\nXiaomi,1\n", "missing columns - need 'name', 'isin' or 'ticker'"),
    (b"name,quantity\n", "no holdings rows under the header"),
    (b"name,quantity\nXiaomi,ten\n", "row 1: quantity 'ten' is not a number"),
    (b"name,quantity\nXiaomi,1\n\xff\xfeHuawei,2\n", "line 3 is not UTF-8 text"),
    (b"name\nXiaomi,1,2\n", "row 1 has 3 fields, the header has 1"),
])
def test_malformed_portfolio_is_rejected_with_one_clear_line(cli: Cli, tmp_path: Path, content: bytes,
                                                             message: str) -> None:
    with pytest.raises(PortfolioError, match=message):
        read_holdings(content, "h.csv")
    f = tmp_path / "h.csv"
    f.write_bytes(content)
    r = cli("portfolio", str(f))
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_semicolon_separated_export_is_read(store: Store) -> None:
    rows = read_holdings(b"name;quantity\nXiaomi Corporation;5\n")
    assert rows[0].name == "Xiaomi Corporation" and rows[0].quantity == 5.0
    assert json.dumps([r.row for r in rows]) == "[1]"


def test_after_the_eo_14032_divestment_window_even_sales_are_prohibited(store: Store) -> None:
    """OFAC FAQ 1046: holding stays allowed, but after the window divestment sales are prohibited too."""
    assert _actions(store, "2022-06-02")[2].startswith(
        "may hold, may not buy (transactions solely to divest allowed before 2022-06-03)")
    assert _actions(store, "2022-06-03")[2].startswith(
        "may hold, may not buy or sell (divestment window closed on 2022-06-03)")
