"""Reading the tables people keep: CSV (any of , ; tab, UTF-8) or an Excel workbook (.xlsx, its first
sheet), row by row, with numbers written either way (``1,234.5`` or ``1.234,5``).

Errors name the file and the row: an unterminated quote says on which line the quoted field opened.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["XLSX_MAGIC", "TableError", "csv_rows", "is_xlsx", "parse_number", "xlsx_rows"]

XLSX_MAGIC = b"PK\x03\x04"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


class TableError(ValueError):
    """The file cannot be read as a table; the message names the file and the row or line."""


def is_xlsx(head: bytes) -> bool:
    """An .xlsx workbook is a zip archive: it starts with a zip local-file header."""
    return head.startswith(XLSX_MAGIC)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def xlsx_rows(source: IO[bytes] | bytes, name: str) -> Iterator[list[str]]:
    """The first worksheet's rows as text cells (numbers as written, whole numbers without ``.0``)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # noqa: PLC0415 - only workbooks need it
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]  # noqa: PLC0415

    fh = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise TableError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise TableError(f"{name}: the workbook has no worksheet")
        for values in ws.iter_rows(values_only=True):
            yield [_cell(v).strip() for v in values]
    finally:
        wb.close()


def csv_rows(text: str, name: str) -> tuple[str, Iterator[list[str]]]:
    """(the delimiter, the rows) of CSV text; the delimiter is sniffed among , ; and tab."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    delimiter = str(dialect.delimiter)

    def rows() -> Iterator[list[str]]:
        reader = csv.reader(io.StringIO(text), dialect, strict=True)
        while True:
            opened = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc) or (reader.line_num > opened and text.count('"') % 2):
                    raise TableError(f"{name}: line {opened}: a quoted field opens here and is never closed "
                                     "(unterminated quote)") from None
                raise TableError(f"{name}: line {reader.line_num}: {exc}") from None
            yield row

    return delimiter, rows()


def parse_number(text: str, delimiter: str = ",") -> float:
    """A number as people write it: ``1234.5``, ``1,234.5``, ``1.234,5``, ``1 234,5``, ``12,5``.

    With both separators the last one is the decimal mark. A lone comma is a decimal comma in a
    semicolon- or tab-separated file (where decimal commas are the custom) or when it is not
    followed by groups of exactly three digits (``12,5``); ``1,000`` in a comma-separated file is a
    thousand. Raises ``ValueError`` for anything else."""
    s = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if delimiter == "," and _THOUSANDS.match(s) else s.replace(",", ".")
        if s.count(".") > 1:
            raise ValueError(text)
    return float(s)
