"""Holdings and customer files as people keep them: .xlsx as well as CSV, decimal commas, and a clear
error for an unterminated quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from listwatch.batch import read_rows
from listwatch.portfolio import PortfolioError, check_portfolio, read_holdings
from listwatch.store.db import Store
from listwatch.tables import parse_number
from tests.conftest import Cli, D


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Holdings"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_an_xlsx_portfolio_is_checked_like_a_csv(store: Store, tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "holdings.xlsx", [["Name", "ISIN", "Quantity"], ["Xiaomi Corp", None, 1000],
                                           [None, "KYG9830T1067", 2.5], [None, None, None],
                                           ["Acme Widgets Ltd", None, 3]])
    holdings = read_holdings(f.read_bytes(), f.name)
    assert [(h.row, h.name, h.isin, h.quantity) for h in holdings] == [
        (1, "Xiaomi Corp", "", 1000.0), (2, "", "KYG9830T1067", 2.5), (4, "Acme Widgets Ltd", "", 3.0)]
    checked = check_portfolio(store, holdings, D("2021-01-14"))
    assert [c.entity.id if c.entity else None for c in checked] == ["xiaomi", "xiaomi", None]


def test_the_cli_reads_an_xlsx_portfolio(cli: Cli, tmp_path: Path) -> None:
    f = _xlsx(tmp_path / "h.xlsx", [["name", "quantity"], ["Xiaomi Corp", 10]])
    rows = cli.json("portfolio", str(f), "--as-of", "2021-01-14")["rows"]
    assert rows[0]["entity"]["id"] == "xiaomi" and rows[0]["quantity"] == 10.0


def test_a_broken_workbook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match=r"h\.xlsx: not a readable \.xlsx workbook"):
        read_holdings(b"PK\x03\x04 not really a zip", "h.xlsx")


@pytest.mark.parametrize(("text", "delimiter", "expected"), [
    ("1234.5", ",", 1234.5), ("1,234.5", ",", 1234.5), ("1.234,5", ";", 1234.5), ("1 234,5", ";", 1234.5),
    ("12,5", ",", 12.5), ("12,5", ";", 12.5), ("1,000", ",", 1000.0), ("1,000", ";", 1.0),
    ("1.234.567,89", ";", 1234567.89), ("-3", ",", -3.0),
])
def test_numbers_are_read_with_decimal_commas_or_points(text: str, delimiter: str, expected: float) -> None:
    assert parse_number(text, delimiter) == pytest.approx(expected)


def test_a_semicolon_csv_with_decimal_commas(store: Store) -> None:
    holdings = read_holdings("name;quantity\nXiaomi Corp;1.234,5\nHuawei;0,25\n".encode(), "eu.csv")
    assert [h.quantity for h in holdings] == [1234.5, 0.25]


def test_a_bad_quantity_names_the_row() -> None:
    with pytest.raises(PortfolioError, match=r"h\.csv: row 2: quantity '1,2,3' is not a number"):
        read_holdings(b"name;quantity\nXiaomi;1\nHuawei;1,2,3\n", "h.csv")


def test_an_unterminated_quote_names_the_line_where_it_opens() -> None:
    raw = b'name,quantity\nXiaomi Corp,10\n"Huawei Technologies,1\nAcme,2\n'
    with pytest.raises(PortfolioError, match=r"h\.csv: line 3: a quoted field opens here and is never closed"):
        read_holdings(raw, "h.csv")


def test_screen_file_reads_customers_from_an_xlsx(tmp_path: Path, cli: Cli) -> None:
    f = _xlsx(tmp_path / "customers.xlsx", [["customer_id", "name"], ["C-1", "XIAOMI CORP-CLASS B"], ["C-2", None],
                                            ["C-3", "Huawei Technologies"]])
    rows = list(read_rows(f, "name"))
    assert [(r.row, r.query, r.error) for r in rows] == [
        (1, "XIAOMI CORP-CLASS B", None), (2, "", "row 2: empty 'name'"), (3, "Huawei Technologies", None)]
    r = cli("screen-file", str(f), "--json", "--workers", "1", "--as-of", "2021-01-14")
    assert r.exit_code == 0, r.output
    assert '"xiaomi"' in r.stdout.splitlines()[0]
