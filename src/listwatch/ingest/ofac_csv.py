"""OFAC legacy CSV: ``sdn.csv`` / ``cons_prim.csv`` with ``alt``, ``add`` and ``comments`` companions.

Format (OFAC's own, see ../shared/data/real/README.md): no header, every field quoted, an empty
field is ``-0-``, CRLF lines, a trailing Ctrl-Z. Main file columns: ent_num, name, type, program,
title, call sign, vessel type, tonnage, GRT, vessel flag, vessel owner, remarks. Programs map to
lists: the CMIC tags to ``us-ofac-ns-cmic``; every SDN row to ``us-ofac-sdn``; other non-SDN
programs to ``us-ofac-cons-<program>``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from listwatch.ingest.props import clean_properties, remark_properties
from listwatch.ingest.records import (
    IngestError,
    SourceRecord,
    cmic_listing_date,
    identifiers_in,
    open_bytes,
    text_lines,
)

__all__ = ["cells", "companions", "iter_main", "main_files", "main_record", "parse_dir", "parse_main"]

MAIN_COLUMNS = 12
SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Aircraft", "": "Organization"}
CMIC = ("CMIC-EO13959", "CMIC-EO14032", "NS-CMIC-EO13959")
COLUMN_PROPS = ((4, "position"), (5, "callSign"), (6, "type"), (7, "tonnage"), (8, "grossRegisteredTonnage"),
                (9, "flag"))  # main-file columns that are FollowTheMoney properties


def _rows(path: Path, width: int, marked: bool = True) -> Iterator[tuple[int, list[str]]]:
    """The rows of an OFAC CSV file; ``marked``: the file must end with OFAC's Ctrl-Z mark.

    OFAC ends its main, alias and address files with ``\\x1a`` (every one of the 308 SDN
    snapshots in ../shared/data/real/ofac-sdn-history does); a file without it was cut off.
    The comments files are not always marked (the 2021-07-07 ``sdn_comments.csv`` is not).
    """
    seen = {"content": False, "marked": False}

    def lines(stream: IO[bytes]) -> Iterator[str]:
        for line in text_lines(stream, path.name, fallback="latin-1"):  # Latin-1 in practice where not UTF-8
            body = line.rstrip("\r\n ")
            if body:  # the mark counts only at the end of the last line that is not blank
                seen["marked"] = body.endswith("\x1a")
                seen["content"] = seen["content"] or bool(body.strip("\x1a "))
            yield body.rstrip("\x1a") + line[len(body):] if seen["marked"] else line

    with open_bytes(path) as fh:
        reader = csv.reader(lines(fh), strict=True)
        try:
            for row in reader:
                if not row or row == [""]:
                    continue
                if len(row) != width:
                    raise IngestError(f"{path.name}: line {reader.line_num}: {len(row)} fields, expected {width} "
                                      "(is this an OFAC legacy CSV?)")
                yield reader.line_num, cells(row)
        except csv.Error as exc:
            raise IngestError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    if not seen["content"]:
        raise IngestError(f"{path.name}: the file is empty")
    if marked and not seen["marked"]:
        raise IngestError(f"{path.name}: line {reader.line_num}: the file ends without OFAC's end-of-file mark "
                          "(Ctrl-Z): it is truncated")


def _cons_list(program: str) -> str:
    return "us-ofac-cons-" + re.sub(r"[^a-z0-9]+", "-", program.lower()).strip("-")


def _companion(path: Path, *names: str) -> Path | None:
    for n in names:
        for cand in (path.parent / n, path.parent / f"{n}.gz"):
            if cand.exists():
                return cand
    return None


def main_files(path: Path) -> list[Path]:
    """The main files a path stands for: itself, or the ``sdn.csv`` / ``cons_prim.csv`` in a directory."""
    if path.is_file():
        return [path]
    found = [p for n in ("sdn.csv", "cons_prim.csv") if (p := _companion(path / "x", n))]
    if not found:
        raise IngestError(f"{path}: no sdn.csv or cons_prim.csv here")
    return found


def companions(main: Path) -> dict[str, Path]:
    """The alias, address and comment files beside a main file (``.gz`` accepted), those that exist."""
    cons = main.name.startswith("cons")
    names = {"alt": "cons_alt.csv" if cons else "alt.csv", "add": "cons_add.csv" if cons else "add.csv",
             "comments": "cons_comments.csv" if cons else "sdn_comments.csv"}
    return {kind: p for kind, n in names.items() if (p := _companion(main, n))}


def parse_main(path: Path) -> list[SourceRecord]:
    """Parse ``sdn.csv`` or ``cons_prim.csv`` (and its companions beside it)."""
    cons = path.name.startswith("cons")
    prefix = "ofac-cons" if cons else "ofac-sdn"
    aliases: dict[str, list[str]] = defaultdict(list)
    countries: dict[str, list[str]] = defaultdict(list)
    addresses: dict[str, list[str]] = defaultdict(list)
    comments: dict[str, str] = defaultdict(str)
    extra = companions(path)
    if alt := extra.get("alt"):
        for _, r in _rows(alt, 5):
            aliases[r[0]].append(r[3])
    if add := extra.get("add"):
        for _, r in _rows(add, 6):
            if r[4]:
                countries[r[0]].append(r[4])
            if line := ", ".join(c for c in r[2:5] if c):
                addresses[r[0]].append(line)
    if com := extra.get("comments"):
        for _, r in _rows(com, 2, marked=False):
            comments[r[0]] += r[1]
    return list(iter_main(path, prefix, aliases, countries, comments, addresses))


def iter_main(path: Path, prefix: str, aliases: dict[str, list[str]] | None = None,
              countries: dict[str, list[str]] | None = None, comments: dict[str, str] | None = None,
              addresses: dict[str, list[str]] | None = None) -> Iterator[SourceRecord]:
    """The records of a main file, row by row, with what its companions said about each ``ent_num``."""
    for line, r in _rows(path, MAIN_COLUMNS):
        ent = r[0]
        yield main_record(r, f"{path.name}: line {line}", prefix, (aliases or {}).get(ent, []),
                          (countries or {}).get(ent, []), (comments or {}).get(ent, ""), (addresses or {}).get(ent, []))


def main_record(r: list[str], where: str, prefix: str, aliases: Sequence[str] = (),
                countries: Sequence[str] = (), comments: str = "", addresses: Sequence[str] = ()) -> SourceRecord:
    """One row of a main file (cells already read: ``-0-`` is empty) and its companions' data."""
    ent, name, typ, program = r[0], r[1], r[2].lower(), r[3]
    if not ent.isdigit() or not name:
        raise IngestError(f"{where}: ent_num {ent!r} / name {name!r} missing")
    sid = f"{prefix}:{ent}"
    programs = tuple(p.strip() for p in program.strip("[] ").split("] [") if p.strip())
    if prefix == "ofac-cons":
        lists = tuple(dict.fromkeys("us-ofac-ns-cmic" if p in CMIC else _cons_list(p) for p in programs)) \
            or ("us-ofac-cons",)
    else:
        lists = ("us-ofac-sdn",)
    remarks = r[11] + comments
    schema = SCHEMAS.get(typ, "Organization")
    raw = {**remark_properties(remarks), **{prop: [r[col]] for col, prop in COLUMN_PROPS if r[col]}}
    if addresses:
        raw["address"] = list(addresses)
    return SourceRecord(
        source_id=sid, list_ids=lists, name=name, schema=schema,
        aliases=tuple(dict.fromkeys(aliases)), programs=programs,
        countries=tuple(dict.fromkeys(countries)), identifiers=identifiers_in(remarks, sid),
        remarks=remarks, extra={"title": r[4]} if r[4] else {},
        listed_on=cmic_listing_date(remarks) if "us-ofac-ns-cmic" in lists else None,
        properties=clean_properties(schema, raw),
    )


def cells(row: list[str]) -> list[str]:
    """A main-file row as read by :mod:`csv`, with OFAC's empty marker ``-0-`` made empty."""
    return ["" if (v := c.strip()) == "-0-" else v for c in row]  # (inline: some 250,000 cells a file)


def parse_dir(path: Path) -> list[SourceRecord]:
    """A directory holding ``sdn.csv`` and/or ``cons_prim.csv`` (``.gz`` accepted), or one such file."""
    return [rec for p in main_files(path) for rec in parse_main(p)]
