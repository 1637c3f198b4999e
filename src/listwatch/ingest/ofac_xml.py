"""OFAC Enhanced XML (``SDN_ENHANCED.XML`` / ``CONS_ENHANCED.XML``, bare or zipped).

Parsed as untrusted input with defusedxml (no DTDs, no entities, no external references, so an
XML bomb or an external-entity file is refused), streamed element by element, within size and
depth limits. Each ``<entity id="N">`` becomes ``ofac-sdn:N`` or ``ofac-cons:N`` - the same ids
as the legacy CSV's ``ent_num``, so the two formats describe one record. The listing date is the
``datePublished`` of the entity's own list (not the "Consolidated List" umbrella); CMIC rows use
their "Listing Date (CMIC)" feature.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from listwatch.ingest.props import clean_properties
from listwatch.ingest.records import MAX_FILE_BYTES, IngestError, SourceRecord, open_bytes
from listwatch.model import Identifier

__all__ = ["MAX_DEPTH", "iter_records", "parse"]

MAX_DEPTH = 64
MAX_RATIO = 200  # a zip member expanding more than this many times is refused as a zip bomb
CMIC_PROGRAMS = ("CMIC-EO13959", "CMIC-EO14032")
SCHEMAS = {"Individual": "Person", "Entity": "Organization", "Vessel": "Vessel", "Aircraft": "Aircraft"}
ID_SCHEMES = {"ISIN": "isin", "Unified Social Credit Code (USCC)": "uscc", "Legal Entity Number": "lei",
              "SWIFT/BIC": "bic"}
# feature types that are FollowTheMoney properties (the rest stay in ``extra``)
FEATURE_PROPS = {"Birthdate": "birthDate", "Place of Birth": "birthPlace", "Nationality Country": "nationality",
                 "Citizenship Country": "citizenship", "Gender": "gender", "Website": "website",
                 "Email Address": "email", "Phone Number": "phone", "Vessel Flag": "flag",
                 "Vessel Call Sign": "callSign",
                 "Vessel Type": "type", "Nationality of Registration": "country"}


@contextmanager
def _xml_stream(path: Path) -> Iterator[io.BufferedReader]:
    """The XML of a bare or zipped Enhanced XML file as a byte stream (the zip read in place, not copied)."""
    with path.open("rb") as probe:
        zipped = probe.read(4) == b"PK\x03\x04"
    if not zipped:
        with open_bytes(path) as fh:
            yield fh
        return
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if m.filename.lower().endswith(".xml")]
            if len(members) != 1:
                raise IngestError(f"{path.name}: expected one .xml file in the zip, found {len(members)}")
            m = members[0]
            if m.file_size > MAX_FILE_BYTES or m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise IngestError(f"{path.name}: {m.filename} would expand to {m.file_size:,} bytes "
                                  f"from {m.compress_size:,} - refused (zip bomb limits)")
            with open_bytes(path, inner=zf.open(m)) as fh:  # the cap holds whatever the zip header says
                yield fh
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{path.name}: not a readable zip file ({exc})") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: Element | None, name: str) -> str:
    c = _child(el, name) if el is not None else None
    return (c.text or "").strip() if c is not None else ""


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10]) if value else None
    except ValueError:
        return None


def _record(el: Element, source: str, where: str) -> SourceRecord:
    ent = el.get("id")
    if not ent:
        raise IngestError(f"{where}: <entity> without an id")
    sid = f"{source}:{ent}"
    kind = _text(_child(el, "generalInfo"), "entityType")
    names: list[str] = []
    primary = ""
    for n in _children(_child(el, "names") or Element("x"), "name"):
        is_primary = _text(n, "isPrimary") == "true"
        for tr in _children(_child(n, "translations") or Element("x"), "translation"):
            full = _text(tr, "formattedFullName")
            if full:
                names.append(full)
                if is_primary and _text(tr, "isPrimary") == "true" and not primary:
                    primary = full
    if not names:
        raise IngestError(f"{where}: entity {ent} has no name")
    primary = primary or names[0]
    lists = _children(_child(el, "sanctionsLists") or Element("x"), "sanctionsList")
    own = [x for x in lists if (x.text or "").strip() != "Consolidated List"] or lists
    programs = tuple((p.text or "").strip() for p in _children(_child(el, "sanctionsPrograms") or Element("x"),
                                                              "sanctionsProgram"))
    listed_on = min((d for x in own if (d := _date(x.get("datePublished")))), default=None)
    idents: list[Identifier] = []
    extra: dict[str, str] = {}
    for f in _children(_child(el, "features") or Element("x"), "feature"):
        ftype = _text(f, "type")
        value = _text(f, "value")
        if ftype in ID_SCHEMES and value:
            idents.append(Identifier(ID_SCHEMES[ftype], value, (sid,)))
        elif ftype == "Equity Ticker" and value:
            sym, _, exch = value.partition(" ")
            idents.append(Identifier("ticker", sym, (sid,), exchange=exch or None))
        elif ftype == "Listing Date (CMIC)":
            vd = _child(f, "valueDate")
            listed_on = _date(_text(vd, "fromDateBegin")) or listed_on
        if ftype and value:
            extra.setdefault(ftype.rstrip(":- "), value)
    for doc in _children(_child(el, "identityDocuments") or Element("x"), "identityDocument"):
        dtype, number = _text(doc, "type"), _text(doc, "documentNumber")
        if dtype in ID_SCHEMES and number:
            idents.append(Identifier(ID_SCHEMES[dtype], number, (sid,)))
    countries = tuple(dict.fromkeys(
        (c.text or "").strip() for c in el.iter() if _local(c.tag) in ("country", "issuingCountry") and c.text))
    list_ids = tuple(dict.fromkeys(
        "us-ofac-sdn" if source == "ofac-sdn" else
        "us-ofac-ns-cmic" if p in CMIC_PROGRAMS else "us-ofac-cons-" + "".join(
            ch if ch.isalnum() else "-" for ch in p.lower()).strip("-")
        for p in programs)) or (("us-ofac-sdn",) if source == "ofac-sdn" else ("us-ofac-cons",))
    schema = SCHEMAS.get(kind, "Organization")
    props = clean_properties(schema, {prop: [v for k, v in extra.items() if FEATURE_PROPS.get(k) == prop]
                                      for prop in set(FEATURE_PROPS.values())})
    return SourceRecord(sid, list_ids, primary, schema,
                        tuple(n for n in dict.fromkeys(names) if n != primary), programs, countries,
                        tuple(dict.fromkeys(idents)), listed_on, None, "", extra, properties=props)


def _entities(stream: IO[bytes], name: str) -> Iterator[Element]:
    """Each ``<entity>`` (level 3) as it ends; it is then cleared and dropped from its parent, so the tree
    never holds more than one entity (the small reference sections stay)."""
    depth = 0
    parent: Element | None = None
    try:
        for event, el in iterparse(stream, events=("start", "end"), forbid_dtd=True,
                                   forbid_entities=True, forbid_external=True):
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise IngestError(f"{name}: elements nested deeper than {MAX_DEPTH} - refused")
                if depth == 2:
                    parent = el
                continue
            depth -= 1
            if depth == 2 and _local(el.tag) == "entity":
                yield el
                el.clear()
                if parent is not None:
                    del parent[:]
    except (DefusedXmlException, ValueError) as exc:
        raise IngestError(f"{name}: refused unsafe XML ({type(exc).__name__}: {exc})") from exc
    except ParseError as exc:
        line, col = exc.position
        raise IngestError(f"{name}: line {line}, column {col}: malformed XML ({exc.msg})") from exc


def parse(path: Path) -> list[tuple[str, list[SourceRecord]]]:
    """[(source, records)]: ``ofac-sdn`` for SDN_ENHANCED, ``ofac-cons`` for CONS_ENHANCED."""
    source, records = iter_records(path)
    out = list(records)
    if not out:
        raise IngestError(f"{path.name}: no <entity> elements - truncated or not an OFAC Enhanced XML file")
    return [(source, out)]


def iter_records(path: Path) -> tuple[str, Iterator[SourceRecord]]:
    """The file's source and its records, read as a stream (one entity in memory at a time)."""
    with _xml_stream(path) as fh:
        head = fh.peek(4096)[:4096].decode("utf-8", "replace")
    if "sanctionsData" not in head:
        raise IngestError(f"{path.name}: not an OFAC Enhanced XML file (no <sanctionsData> root)")
    source = "ofac-cons" if "CONS" in path.name.upper() or "Consolidated List" in head else "ofac-sdn"

    def records() -> Iterator[SourceRecord]:
        with _xml_stream(path) as fh:
            for n, el in enumerate(_entities(fh, path.name), start=1):
                yield _record(el, source, f"{path.name} entity #{n}")

    return source, records()
