"""BIS Denied Persons List (``dpl.txt``): tab-separated, every field quoted, with a header row.

Columns: Name, Street_Address, City, State, Country, Postal_Code, Effective_Date (MM/DD/YYYY),
Expiration_Date, Standard_Order, Last_Update, Action, FR_Citation. The file has no record id, so
a record is identified by its name and address (``bis-dpl:<hash>``); a new denial order for the
same person at the same address is the same record. Real upstream typos (a Last_Update of
3033-09-30) are kept as printed: only the Effective_Date is read as a date.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from listwatch.ingest.records import IngestError, SourceRecord, check_width, open_bytes, text_lines

__all__ = ["COLUMNS", "iter_records", "parse"]

COLUMNS = ["Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
           "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation"]


def parse(path: Path) -> list[SourceRecord]:
    """The records of a ``dpl.txt``, one per name and address (the last row of each wins)."""
    return list({rec.source_id: rec for rec in iter_records(path)}.values())


def iter_records(path: Path) -> Iterator[SourceRecord]:
    """The rows of a ``dpl.txt`` as records, read line by line (UTF-8, else Latin-1)."""
    with open_bytes(path) as fh:
        reader = csv.DictReader(text_lines(fh, path.name, fallback="latin-1"), delimiter="\t")
        try:
            if reader.fieldnames != COLUMNS:
                raise IngestError(f"{path.name}: line 1: expected the DPL columns {', '.join(COLUMNS)}")
            for row in reader:
                yield _record(row, f"{path.name}: line {reader.line_num}")
        except csv.Error as exc:
            raise IngestError(f"{path.name}: line {reader.line_num}: {exc}") from exc


def _record(row: dict[str | None, Any], where: str) -> SourceRecord:
    check_width(row, where, len(COLUMNS))
    name = (row["Name"] or "").strip()
    if not name:
        raise IngestError(f"{where}: empty Name")
    key = "|".join((row[c] or "").strip().casefold() for c in ("Name", "Street_Address", "City"))
    sid = "bis-dpl:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    try:
        listed = dt.datetime.strptime((row["Effective_Date"] or "").strip(), "%m/%d/%Y").date()
    except ValueError:
        raise IngestError(f"{where}: Effective_Date {row['Effective_Date']!r} is not MM/DD/YYYY") from None
    country = (row["Country"] or "").strip()
    return SourceRecord(sid, ("us-bis-dpl",), name, "Person", (), (), (country,) if country else (),
                        (), listed, (row["FR_Citation"] or "").strip() or None, row["Action"] or "")
