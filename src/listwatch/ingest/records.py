"""What every parser yields: one record of one published list file, as printed."""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, TypeAlias

import orjson

from listwatch.model import Confidence, Identifier

__all__ = ["MAX_FILE_BYTES", "IngestError", "SourceRecord", "Stream", "check_text", "check_width", "cmic_listing_date",
           "digest_file", "identifiers_in", "open_bytes", "pack_records", "read_bytes", "text_lines",
           "unpack_records"]

MAX_FILE_BYTES = 512 * 1024 * 1024  # a list file (decompressed) larger than this is refused
MAX_LINE = 16 * 1024 * 1024  # a text line longer than this is refused (no list prints one)
CHUNK = 64 * 1024  # bytes read at a time
Stream: TypeAlias = "io.BufferedReader[Any]"  # what open_bytes yields


class IngestError(ValueError):
    """A source file cannot be read; the message names the file and the line or element."""


@dataclass(frozen=True)
class SourceRecord:
    """One entry of a published list, as printed: the unit of ingestion and of screening.

    ``source_id`` is stable across versions of the same list (``ofac-sdn:<ent_num>``,
    ``ofac-cons:<ent_num>``, ``csl:<_id>``), so a later version can be compared with it.
    """

    source_id: str
    list_ids: tuple[str, ...]
    name: str
    schema: str  # Person | Organization | Vessel | Aircraft
    aliases: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    listed_on: dt.date | None = None
    citation: str | None = None
    remarks: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    # on the list on or before this day (the earliest dated copy that shows it): an upper bound, not a
    # listing date; used when the file prints no listing date (bundled snapshots, SDN history)
    first_seen: dt.date | None = None
    same_as: tuple[str, ...] = ()  # the same record's id in another source (a CSL row's OFAC ent_num)
    # FollowTheMoney properties beyond names and identifiers (birthDate, nationality, imoNumber, sourceUrl...),
    # cleaned by the library for the record's export schema (see :mod:`listwatch.ingest.props`)
    properties: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_text(records: Sequence[SourceRecord], files: str) -> None:
    """Refuse control characters (NUL above all) and lone surrogates (JSON's ``"\\ud800"``, which no
    UTF-8 answer can carry) in any printed field, on every backend alike.

    PostgreSQL cannot store a NUL in text and SQLite can, so one store would take a file the other
    refuses; a list file never prints control characters (tab, CR and LF aside) on purpose.
    """
    for r in records:
        texts = [r.source_id, r.name, r.schema, r.remarks, r.citation or "", *r.list_ids, *r.aliases, *r.programs,
                 *r.countries, *r.extra.values(), *(i.value for i in r.identifiers),
                 *(v for vs in r.properties.values() for v in vs)]
        # one test per record: a printable text holds neither (a C loop, several times faster than the
        # search, which runs only on the records that print anything else: a line break, a tab, a no-break space)
        joined = " ".join(texts)
        if joined.isprintable() or not _CONTROL.search(joined):
            continue
        for text in texts:
            if m := _CONTROL.search(text):
                what = "lone surrogate (not Unicode text)" if m.group() >= "\ud800" else "control character"
                raise IngestError(f"{files}: record {r.source_id!r}: {what} U+{ord(m.group()):04X} "
                                  f"in {text[:60]!r}")


def pack_records(records: Sequence[SourceRecord]) -> bytes:
    """A version's records as gzip-compressed JSON, kept so the version can be re-applied.

    orjson writes the dataclasses as objects itself (dates as ISO strings, like ``str``), in one call: a fifth of
    the time of building a dict per record first; gzip level 3, a third of the time of level 6."""
    return gzip.compress(orjson.dumps(records, default=str), compresslevel=3)


def _identifier(i: list[Any] | dict[str, Any]) -> Identifier:
    """An identifier as packed: an object (now) or a list ``[scheme, value, sources, confidence, exchange]``
    (blobs written before)."""
    s, v, src, c, x = (i["scheme"], i["value"], i["sources"], i["confidence"], i["exchange"]) \
        if isinstance(i, dict) else i
    return Identifier(s, v, tuple(src), Confidence(c), x)


def unpack_records(blob: bytes) -> list[SourceRecord]:
    """The inverse of :func:`pack_records` (which read the blobs written before it as well)."""
    out = []
    for r in orjson.loads(gzip.decompress(blob)):
        out.append(SourceRecord(
            r["source_id"], tuple(r["list_ids"]), r["name"], r["schema"], tuple(r["aliases"]), tuple(r["programs"]),
            tuple(r["countries"]), tuple(map(_identifier, r["identifiers"])),
            dt.date.fromisoformat(r["listed_on"]) if r["listed_on"] else None, r["citation"], r["remarks"],
            dict(r["extra"]), first_seen=dt.date.fromisoformat(r["first_seen"]) if r.get("first_seen") else None,
            same_as=tuple(r.get("same_as", ())),
            properties={k: tuple(v) for k, v in r.get("properties", {}).items()}))
    return out


class _Source(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class _Capped(io.RawIOBase):
    """A byte stream that refuses to yield more than ``limit`` bytes and names its file in every error
    (a truncated or corrupt gzip stream included), so a caller can read it chunk by chunk."""

    def __init__(self, inner: _Source, name: str, limit: int) -> None:
        self._inner, self._name, self._limit, self.count = inner, name, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        try:
            data = self._inner.read(len(buf))
        except EOFError:
            raise IngestError(f"{self._name}: the gzip stream ends early: the file is truncated") from None
        except (OSError, zlib.error) as exc:
            raise IngestError(f"{self._name}: not a readable gzip file ({exc})") from None
        self.count += len(data)
        if self.count > self._limit:
            raise IngestError(f"{self._name}: decompresses to over {self._limit:,} bytes - refused")
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


@contextmanager
def open_bytes(path: Path, limit: int = MAX_FILE_BYTES,
               inner: _Source | None = None) -> Iterator[Stream]:
    """A list file as a buffered byte stream, gunzipped if it ends in .gz (or ``inner``, a member
    already opened from an archive), refusing a file over ``limit`` bytes before or while reading.

    Parsers read it chunk by chunk or line by line, so their memory does not grow with the file.
    """
    if inner is None:
        size = path.stat().st_size
        if size > limit:
            raise IngestError(f"{path}: {size:,} bytes is over the {limit:,}-byte limit")
        inner = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # noqa: SIM115 - closed below
    with io.BufferedReader(_Capped(inner, path.name, limit), buffer_size=CHUNK) as fh:
        yield fh


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, gunzipped if it ends in .gz, refusing anything over ``limit`` bytes (small files only:
    parsers use :func:`open_bytes`)."""
    with open_bytes(path, limit) as fh:
        return fh.read()


def digest_file(path: Path) -> tuple[int, bytes]:
    """(bytes, SHA-256 digest) of a file's content as :func:`open_bytes` reads it, in chunks."""
    h = hashlib.sha256()
    size = 0
    with open_bytes(path) as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.digest()


def text_lines(stream: IO[bytes], name: str, fallback: str | None = None,
               max_line: int = MAX_LINE) -> Iterator[str]:
    """The lines of a byte stream as text (line endings kept, a UTF-8 BOM dropped), one at a time.

    A line that is not UTF-8 is decoded as ``fallback`` (e.g. ``latin-1``, for files that are
    Latin-1 in practice) or refused naming its line; a line over ``max_line`` bytes is refused.
    """
    for n, line in enumerate(iter(lambda: stream.readline(max_line + 1), b""), start=1):
        if len(line) > max_line:
            raise IngestError(f"{name}: line {n}: over {max_line:,} bytes without a line break - refused")
        raw = line[len(codecs.BOM_UTF8):] if n == 1 and line.startswith(codecs.BOM_UTF8) else line
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if fallback is None:
                raise IngestError(f"{name}: line {n}: not UTF-8 (byte {exc.start + 1})") from None
            yield raw.decode(fallback)


def check_width(row: dict[str | None, object], where: str, width: int) -> None:
    """Refuse a ``csv.DictReader`` row with more or fewer fields than its header (a cut-off line)."""
    if None in row or None in row.values():
        have = len([v for k, v in row.items() if k is not None and v is not None])
        extra = row.get(None)
        have += len(extra) if isinstance(extra, list) else 0
        raise IngestError(f"{where}: {have} fields, expected {width} (a truncated or malformed line)")


_ISIN = re.compile(r"\bISIN ([A-Z]{2}[A-Z0-9]{9}[0-9])\b")
_TICKER = re.compile(r"Equity Ticker ([A-Z0-9.\-]+)\s*([A-Z]{2})?\b")
_USCC = re.compile(r"Unified Social Credit Code \(USCC\) ([0-9A-Z]{18})")
_LEI = re.compile(r"\bLEI ?(?:Number)? ?([0-9A-Z]{18}[0-9]{2})\b")


def identifiers_in(remarks: str, source_id: str) -> tuple[Identifier, ...]:
    """ISINs, equity tickers, USCCs and LEIs printed in a remarks text. Each pattern is searched for only if
    its fixed words are in the text (a substring test is far cheaper than a regex scan; most remarks print none)."""
    src = (source_id,)
    found: list[Identifier] = []
    if "ISIN " in remarks:
        found += [Identifier("isin", m, src) for m in _ISIN.findall(remarks)]
    if "Equity Ticker " in remarks:
        found += [Identifier("ticker", sym, src, exchange=exch or None) for sym, exch in _TICKER.findall(remarks)]
    if "(USCC) " in remarks:
        found += [Identifier("uscc", m, src) for m in _USCC.findall(remarks)]
    if "LEI" in remarks:
        found += [Identifier("lei", m, src) for m in _LEI.findall(remarks)]
    return tuple(dict.fromkeys(found))


_DMY = r"(\d{1,2} [A-Z][a-z]{2} \d{4})"
_CMIC_DATE = re.compile(_DMY + r",? Listing Date \(CMIC\)|Listing Date \(CMIC\),? " + _DMY)


def cmic_listing_date(text: str) -> dt.date | None:
    """The "Listing Date (CMIC)" OFAC prints in remarks (``Listing Date (CMIC) 03 Jun 2021``) or the
    CSL in ``ids`` (``03 Jun 2021, Listing Date (CMIC)``); None if absent."""
    m = _CMIC_DATE.search(text) if "Listing Date (CMIC)" in text else None
    if not m:
        return None
    return dt.datetime.strptime(m.group(1) or m.group(2), "%d %b %Y").date()
