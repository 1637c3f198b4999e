"""trade.gov Consolidated Screening List (CSL), CSV (``.csv`` / ``.csv.gz``) or JSON.

``source`` names the list; it maps to a listwatch list id (Entity List -> ``us-bis-entity-list``,
NS-CMIC -> ``us-ofac-ns-cmic``, SDN -> ``us-ofac-sdn``, the others ``us-<agency>-<acronym>``).
``start_date`` is usually the Federal Register *publication* date: an Entity List row is dated
instead by its rule's *effective* date, through the rule table of
:mod:`listwatch.regimes.el_rules` (the row's earliest FR citation is its adding rule; the row's
``extra["dated_by"]`` says how). An impossible printed date (year 0017) never dates a row; a row
with one and no known rule is refused, naming the line. Multi-valued cells are separated by ``; ``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped]
from ijson.common import ObjectBuilder  # type: ignore[import-untyped]

from listwatch.ingest.props import clean_properties
from listwatch.ingest.records import (
    IngestError,
    SourceRecord,
    Stream,
    check_width,
    cmic_listing_date,
    identifiers_in,
    open_bytes,
    text_lines,
)
from listwatch.regimes.el_rules import DatingError, bundled_rules

__all__ = ["iter_records", "list_id_for", "parse"]

MAX_JSON_DEPTH = 32  # a CSL result is an object of lists of objects: three levels
REQUIRED = ("_id", "source", "name", "type", "alt_names", "start_date", "federal_register_notice", "ids")
SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Aircraft"}
COLUMN_PROPS = (("dates_of_birth", "birthDate"), ("places_of_birth", "birthPlace"), ("nationalities", "nationality"),
                ("citizenships", "citizenship"), ("source_list_url", "sourceUrl"),
                ("source_information_url", "sourceUrl"), ("title", "position"), ("call_sign", "callSign"),
                ("vessel_type", "type"), ("gross_tonnage", "tonnage"),
                ("gross_registered_tonnage", "grossRegisteredTonnage"), ("vessel_flag", "flag"))
_CMIC_ISIN = re.compile(r"([A-Z]{2}[A-Z0-9]{9}[0-9]), ISIN")  # an NS-CMIC row's ids: "CNE100000X85, ISIN; ..."
AGENCY = {"Bureau of Industry and Security": "bis", "Treasury Department": "ofac", "State Department": "state"}


@functools.lru_cache(maxsize=1024)
def list_id_for(source: str) -> str:
    """The list id of a CSL ``source`` (cached: a file names a dozen sources in thousands of rows)."""
    s = source.casefold()
    if s.startswith("entity list"):
        return "us-bis-entity-list"
    if "chinese military-industrial complex" in s:
        return "us-ofac-ns-cmic"
    if s.startswith("specially designated nationals"):
        return "us-ofac-sdn"
    m = re.match(r"(.*?)\(([^)]+)\)[^-]*-\s*(.*)$", source.strip())
    if not m:
        return "us-csl-" + _slug(s)[:40]
    agency = AGENCY.get(m.group(3).strip(), _slug(m.group(3)))
    return f"us-{agency}-{_slug(m.group(2))}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _split(cell: Any) -> tuple[str, ...]:
    """A multi-valued cell: '; '-separated text (CSV) or a list (JSON)."""
    if isinstance(cell, list):
        return tuple(str(x).strip() for x in cell if str(x).strip())
    return tuple(filter(None, map(str.strip, (cell or "").split(";"))))


def _countries(addresses: Any) -> tuple[str, ...]:
    if isinstance(addresses, list):  # JSON: [{"address", "city", "country", ...}]
        codes = [str(a.get("country") or "").strip() for a in addresses if isinstance(a, dict)]
    else:
        codes = [a.rsplit(",", 1)[-1].strip() for a in _split(addresses)]
    return tuple(dict.fromkeys(c for c in codes if len(c) == 2))


def _properties(row: dict[str, Any], schema: str) -> dict[str, tuple[str, ...]]:
    """The FollowTheMoney properties of a row (see :mod:`listwatch.ingest.props`)."""
    raw: dict[str, list[str]] = {}
    for col, prop in COLUMN_PROPS:
        if cell := row.get(col):
            raw.setdefault(prop, []).extend(_split(cell))
    addresses = row.get("addresses")
    if addresses:
        raw["address"] = [", ".join(str(v) for v in a.values() if v) for a in addresses if isinstance(a, dict)] \
            if isinstance(addresses, list) else list(_split(addresses))
    return clean_properties(schema, raw)


def _date(value: str | None, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise IngestError(f"{where}: start_date {value!r} is not a YYYY-MM-DD date") from None


def _entity_list_date(row: dict[str, Any], where: str) -> tuple[dt.date | None, dict[str, str]]:
    """An Entity List row's effective date from the rule table, and how it was found."""
    try:
        dating = bundled_rules().date_entry(str(row.get("federal_register_notice") or ""),
                                            str(row.get("start_date") or ""), where)
    except DatingError as exc:
        raise IngestError(str(exc)) from None
    if dating is None:
        return None, {}
    return dating.day, {"dated_by": f"{dating.note} [{dating.confidence.value}]"}


def _ofac_id(row: dict[str, Any], list_id: str) -> tuple[str, ...]:
    """Treasury rows carry OFAC's own ``ent_num`` (``entity_number``): the same record as OFAC's files."""
    num = str(row.get("entity_number") or "").strip()
    if not num.isdigit() or "treasury" not in str(row.get("source") or "").casefold():
        return ()
    return (f"ofac-sdn:{num}" if list_id == "us-ofac-sdn" else f"ofac-cons:{num}",)


def _record(row: dict[str, Any], where: str) -> SourceRecord:
    sid = f"csl:{row['_id']}"
    name = (row.get("name") or "").strip()
    if not row.get("_id") or not name or not row.get("source"):
        raise IngestError(f"{where}: _id, source and name are required")
    ids = row.get("ids") or ""
    ids_text = ids if isinstance(ids, str) else "; ".join(
        ", ".join(str(v) for v in i.values()) if isinstance(i, dict) else str(i) for i in ids)
    countries = _countries(row.get("addresses"))
    cmic_ids = " ".join(f"ISIN {m}" for m in _CMIC_ISIN.findall(ids_text)) if ", ISIN" in ids_text else ""
    list_id = list_id_for(row["source"])
    extra = {k: str(row[k]) for k in ("license_requirement", "license_policy", "source") if row.get(k)}
    if list_id == "us-bis-entity-list":
        listed_on, dated_by = _entity_list_date(row, where)
        extra.update(dated_by)
    else:
        listed_on = _date(row.get("start_date"), where) or cmic_listing_date(ids_text)
    schema = SCHEMAS.get((row.get("type") or "").strip().lower(), "Organization")
    return SourceRecord(
        source_id=sid, list_ids=(list_id,), name=name, schema=schema,
        aliases=_split(row.get("alt_names")), programs=_split(row.get("programs")), countries=countries,
        identifiers=identifiers_in(f"{row.get('remarks') or ''} {cmic_ids}", sid),
        listed_on=listed_on,
        citation=str(row.get("federal_register_notice") or "").strip() or None, remarks=str(row.get("remarks") or ""),
        extra=extra,
        same_as=_ofac_id(row, list_id),
        properties=_properties(row, schema),
    )


def parse(path: Path) -> list[SourceRecord]:
    """Every record of a CSL file (the first of any repeated ``_id``)."""
    seen: set[str] = set()
    out = []
    for rec in iter_records(path):
        if rec.source_id not in seen:
            seen.add(rec.source_id)
            out.append(rec)
    return out


def iter_records(path: Path) -> Iterator[SourceRecord]:
    """The records of a CSL file, read as a stream: row by row (CSV) or result by result (JSON)."""
    with open_bytes(path) as fh:
        if path.name.endswith(".json"):
            yield from _json_records(fh, path.name)
        else:
            yield from _csv_records(fh, path.name)


def _json_records(fh: Stream, name: str) -> Iterator[SourceRecord]:
    """``{"results": [...]}`` (the API's answer) or a bare ``[...]``, one result at a time."""
    head = fh.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] not in (b"[", b"{"):
        raise IngestError(f"{name}: line 1: invalid JSON (expected an object or a list of results)")
    n = 0
    try:
        for n, row in enumerate(_json_results(fh, name, bare=head[:1] == b"["), start=1):
            if not isinstance(row, dict):
                raise IngestError(f"{name} result #{n}: expected an object, found {type(row).__name__}")
            yield _record(row, f"{name} result #{n}")
    except ijson.JSONError as exc:
        raise IngestError(f"{name}: after result #{n}: invalid JSON ({str(exc).splitlines()[0]})") from None


def _json_results(fh: Stream, name: str, bare: bool) -> Iterator[Any]:
    """The items of the top-level array (``bare``) or of the top-level ``results`` array, built from
    ijson's flat events with nesting at most :data:`MAX_JSON_DEPTH` deep (its prefixed parser would
    spend memory quadratic in the depth of a hostile file)."""
    depth, inside, want, builder = 0, False, False, None
    item_depth = 1 if bare else 2
    for event, value in ijson.basic_parse(fh, use_float=True):
        step = (event in ("start_map", "start_array")) - (event in ("end_map", "end_array"))
        if builder is None and inside and depth == item_depth and step <= 0:
            if step < 0:  # the results array ends
                inside = False
            else:
                yield value  # a bare scalar item: refused by the caller
        elif builder is None and inside and depth == item_depth:
            builder = ObjectBuilder()
        elif builder is None and bare and depth == 0:
            inside = event == "start_array"
        elif builder is None and not bare and depth == 1:
            inside, want = want and event == "start_array", event == "map_key" and value == "results"
        depth += step
        if depth > MAX_JSON_DEPTH:
            raise IngestError(f"{name}: JSON nested deeper than {MAX_JSON_DEPTH} levels - refused")
        if builder is not None:
            builder.event(event, value)
            if depth == item_depth:
                yield builder.value
                builder = None


def _csv_records(fh: IO[bytes], name: str) -> Iterator[SourceRecord]:
    reader = csv.DictReader(text_lines(fh, name), strict=True)
    try:
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise IngestError(f"{name}: line 1: missing CSL columns {', '.join(missing)}")
        for row in reader:
            if row.get("_id") == "_id":  # a repeated header line (seen in real files)
                continue
            check_width(row, f"{name}: line {reader.line_num}", len(reader.fieldnames or ()))
            yield _record(row, f"{name}: line {reader.line_num}")
    except csv.Error as exc:
        raise IngestError(f"{name}: line {reader.line_num}: {exc}") from exc
