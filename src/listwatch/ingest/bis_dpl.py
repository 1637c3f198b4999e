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
import io
from pathlib import Path

from listwatch.ingest.records import IngestError, SourceRecord, check_width, read_bytes

__all__ = ["COLUMNS", "parse"]

COLUMNS = ["Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
           "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation"]


def parse(path: Path) -> list[SourceRecord]:
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    if reader.fieldnames != COLUMNS:
        raise IngestError(f"{path.name}: line 1: expected the DPL columns {', '.join(COLUMNS)}")
    out: dict[str, SourceRecord] = {}
    try:
        for row in reader:
            check_width(row, f"{path.name}: line {reader.line_num}", len(COLUMNS))
            name = (row["Name"] or "").strip()
            if not name:
                raise IngestError(f"{path.name}: line {reader.line_num}: empty Name")
            key = "|".join((row[c] or "").strip().casefold() for c in ("Name", "Street_Address", "City"))
            sid = "bis-dpl:" + hashlib.sha256(key.encode()).hexdigest()[:16]
            try:
                listed = dt.datetime.strptime((row["Effective_Date"] or "").strip(), "%m/%d/%Y").date()
            except ValueError:
                raise IngestError(f"{path.name}: line {reader.line_num}: Effective_Date "
                                  f"{row['Effective_Date']!r} is not MM/DD/YYYY") from None
            country = (row["Country"] or "").strip()
            out[sid] = SourceRecord(sid, ("us-bis-dpl",), name, "Person", (), (), (country,) if country else (),
                                    (), listed, (row["FR_Citation"] or "").strip() or None, row["Action"] or "")
    except csv.Error as exc:
        raise IngestError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    return list(out.values())
