"""The screening index as a file: written once per data version, memory-mapped by every process.

File format (version :data:`FORMAT`), little-endian::

    magic      8 bytes   b"LWINDEX1"
    length     8 bytes   uint64, the JSON header's length in bytes
    header     JSON      {"format", "kind", "key", "meta", "payload_bytes", "checksum", "sections": {
                              name: {"offset", "bytes", "dtype", "count"}}}
    padding    to a multiple of 8
    payload    the sections, each 8-byte aligned; offsets are relative to the payload start

``key`` says what the file was built from (:mod:`listwatch.indexes` derives it from the database,
its data version, its schema revision and the matching code); ``checksum`` is the CRC-32 of the
payload (it detects damage, not tampering: a reader of the directory could write any file anyway; CRC-32
reads the 17 MB of an index with the three real lists in ~8 ms, BLAKE2b in ~30 ms, paid by every process
that maps it). :func:`read_sections` refuses (``IndexFileError``) a file with another magic or format
(foreign), another key (stale), a short payload (truncated) or a checksum mismatch (corrupt): it is
never used, the caller rebuilds it.

Sections are arrays (``dtype``/``count``: mapped read-only, shared between the processes that map the
file; memoryviews, or numpy arrays where a memoryview cannot read the items as they are), UTF-8 text
(``dtype`` "text", decoded whole) or bytes (``dtype`` "bytes", copied): the tables of
:mod:`listwatch.match.tables`. A writer streams the sections from where they lie (an index built
in memory holds the same arrays): nothing is joined or copied whole before it is written.
:func:`save_index` / :func:`load_index` store a :class:`~listwatch.match.index.NameIndex` this way;
:func:`save_table` / :func:`load_table` a ``str -> [str]`` table (the resolver's names).
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import sys
import zlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from listwatch.match.tables import Ids, IndexFileError, Section, Strings, csr, key_table, numbers

if TYPE_CHECKING:
    from listwatch.match.index import NameIndex

__all__ = ["FORMAT", "IndexFileError", "load_index", "load_table", "read_meta", "read_sections", "save_index",
           "save_table", "write_sections"]

FORMAT = 2
MAGIC = b"LWINDEX1"
ALIGN = 8


def _pad(n: int) -> int:
    return -n % ALIGN


def _checksum(crc32: int) -> str:
    return f"crc32:{crc32:08x}"


# dtypes whose items a memoryview reads as they are (on a little-endian machine): read without numpy
_VIEWS: dict[str, Literal["q", "i", "d", "B"]] = ({"<i8": "q", "<i4": "i", "<f8": "d", "|u1": "B"}
                                                  if sys.byteorder == "little" else {})


def _data(value: Section) -> tuple[bytes | memoryview, str, int]:
    """A section's bytes as written (little-endian; a view where the value already is), its dtype and count."""
    if isinstance(value, str):
        return value.encode("utf-8"), "text", 0
    if isinstance(value, bytes):
        return value, "bytes", 0
    import numpy as np  # noqa: PLC0415 - a writer has numpy loaded already (it built the arrays)

    arr = np.ascontiguousarray(value)
    arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return arr.view(np.uint8).data, arr.dtype.str, len(arr)


def write_sections(path: Path, kind: str, key: str, sections: Mapping[str, Section], meta: dict[str, Any]) -> Path:
    """Write ``sections`` atomically (a temporary file renamed over ``path``, so a reader never sees half)."""
    table: dict[str, dict[str, Any]] = {}
    offset, crc = 0, 0
    for name, value in sections.items():  # the checksum first: the header, written first, holds it
        data, dtype, count = _data(value)
        table[name] = {"offset": offset, "bytes": len(data), "dtype": dtype, "count": count}
        crc = zlib.crc32(b"\0" * _pad(len(data)), zlib.crc32(data, crc))
        offset += len(data) + _pad(len(data))
    header = json.dumps({"format": FORMAT, "kind": kind, "key": key, "meta": meta, "payload_bytes": offset,
                         "checksum": _checksum(crc),
                         "sections": table}).encode("utf-8")
    head = MAGIC + struct.pack("<Q", len(header)) + header
    import tempfile  # noqa: PLC0415 - writers only (tempfile imports shutil, random: ~0.01 s of every start)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + b"\0" * _pad(len(head)))
            for value in sections.values():
                data = _data(value)[0]
                fh.write(data)
                fh.write(b"\0" * _pad(len(data)))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # other processes (server workers, executors) map it read-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_sections(path: Path, kind: str, key: str | None = None, views: bool = False
                  ) -> tuple[dict[str, Any], dict[str, Section]]:
    """(meta, sections) of a file written by :func:`write_sections`, mapped read-only; see the module doc.
    ``views``: arrays as memoryviews where their items read as they are (little-endian), so that a reader
    need not import numpy (~0.07-0.1 s of a process that answers one query)."""
    with path.open("rb") as fh:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            raise IndexFileError(f"{path}: empty file, not a listwatch index") from exc
    if mm[:len(MAGIC)] != MAGIC or len(mm) < len(MAGIC) + 8:
        raise IndexFileError(f"{path}: not a listwatch index file (bad magic)")
    (length,) = struct.unpack_from("<Q", mm, len(MAGIC))
    start = len(MAGIC) + 8
    try:
        header = json.loads(mm[start:start + length].decode("utf-8"))
        if not isinstance(header, dict) or not {"payload_bytes", "checksum", "sections", "meta"} <= set(header):
            raise ValueError("fields missing")
    except (UnicodeDecodeError, ValueError) as exc:
        raise IndexFileError(f"{path}: unreadable header ({exc}): truncated or not a listwatch index") from exc
    if header.get("format") != FORMAT or header.get("kind") != kind:
        raise IndexFileError(f"{path}: a {header.get('kind')!r} index of format {header.get('format')}, "
                             f"not a {kind!r} index of format {FORMAT}")
    if key is not None and header.get("key") != key:
        raise IndexFileError(f"{path}: built from other data (key {str(header.get('key'))[:16]}..., "
                             f"expected {key[:16]}...): stale")
    base = start + length + _pad(start + length)
    payload = memoryview(mm)[base:]
    if len(payload) != header["payload_bytes"]:
        raise IndexFileError(f"{path}: payload of {len(payload)} bytes, header says {header['payload_bytes']}: "
                             "truncated or overwritten")
    if _checksum(zlib.crc32(payload)) != header["checksum"]:
        raise IndexFileError(f"{path}: checksum mismatch: the file is corrupt")
    out: dict[str, Section] = {}
    for name, s in header["sections"].items():
        if s["dtype"] == "text":
            out[name] = str(payload[s["offset"]:s["offset"] + s["bytes"]], "utf-8")
        elif s["dtype"] == "bytes":
            out[name] = bytes(payload[s["offset"]:s["offset"] + s["bytes"]])
        elif views and s["dtype"] in _VIEWS:
            out[name] = payload[s["offset"]:s["offset"] + s["bytes"]].cast(_VIEWS[s["dtype"]])
        else:
            import numpy as np  # noqa: PLC0415 - see views

            out[name] = np.frombuffer(mm, dtype=np.dtype(s["dtype"]), count=s["count"], offset=base + s["offset"])
    return header["meta"], out


def read_meta(path: Path) -> dict[str, Any]:
    """The ``meta`` of an index file's header (after :func:`read_sections` has accepted the file)."""
    with path.open("rb") as fh:
        head = fh.read(len(MAGIC) + 8)
        if head[:len(MAGIC)] != MAGIC or len(head) < len(MAGIC) + 8:
            raise IndexFileError(f"{path}: not a listwatch index file (bad magic)")
        header = json.loads(fh.read(struct.unpack_from("<Q", head, len(MAGIC))[0]))
    return dict(header["meta"])


# -- the screening index and string tables --------------------------------------------------------

def save_index(index: NameIndex, path: Path, key: str, meta: dict[str, Any] | None = None) -> Path:
    """Write ``index`` (built in memory, or mapped) to ``path``; ``key`` names what it was built from."""
    return write_sections(path, "screen-index", key, index.sections, {**(meta or {}), **index.scalars})


def load_index(path: Path, key: str | None = None) -> NameIndex:
    """The index stored at ``path``, mapped (milliseconds); :class:`IndexFileError` if it must not be used.

    ``key``: refuse a file built from anything else (see :mod:`listwatch.indexes`).
    """
    from listwatch.match.index import NameIndex  # noqa: PLC0415 - the matcher (rapidfuzz): screening only

    meta, s = read_sections(path, "screen-index", key, views=True)
    return NameIndex.from_sections(s, meta)


def save_table(table: Mapping[str, Collection[str]], path: Path, kind: str, key: str,
               meta: dict[str, Any] | None = None) -> Path:
    """Write a ``str -> strings`` table (e.g. core name -> entity ids)."""
    keys = list(table)
    values = sorted({v for vs in table.values() for v in vs})
    at = {v: i for i, v in enumerate(values)}
    offsets, ids = csr([sorted(at[v] for v in table[k]) for k in keys])
    return write_sections(path, kind, key, {**key_table("keys", keys), **key_table("values", values),
                                            "offsets": offsets, "ids": ids}, {**(meta or {}), "keys": len(keys)})


def load_table(path: Path, kind: str, key: str | None = None) -> Mapping[str, tuple[str, ...]]:
    """The table stored at ``path`` by :func:`save_table`, mapped (read without numpy where it can be)."""
    _meta, s = read_sections(path, kind, key, views=True)
    return Strings(Ids(s, "keys"), numbers(s, "offsets"), numbers(s, "ids"), Ids(s, "values"))
