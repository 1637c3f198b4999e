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

Sections are numpy arrays (``dtype``/``count``: mapped read-only, shared between the processes that
map the file), UTF-8 text (``dtype`` "text", decoded whole) or bytes (``dtype`` "bytes", copied). A key
table (token -> row) is three sections: the keys' UTF-8 bytes end to end, where each key starts, and an
open-addressing hash table (CRC-32 of the key, linear probing, at most half full) of row numbers, so a
query finds its few keys without decoding the others (a dict of the 190,000 one-deletion variants alone
took ~0.1 s to build, more than the rest of a search). Rows of documents are JSON lines addressed by an
offsets array, decoded only when a row is read.
:func:`save_index` / :func:`load_index` store a :class:`~listwatch.match.index.NameIndex` this way;
:func:`save_table` / :func:`load_table` a ``str -> [str]`` table (the resolver's names).
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import struct
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt
import orjson

from listwatch.match.index import NameDoc, NameIndex
from listwatch.match.score import Prepared

__all__ = ["FORMAT", "IndexFileError", "load_index", "load_table", "read_meta", "read_sections", "save_index",
           "save_table", "write_sections"]

FORMAT = 2
MAGIC = b"LWINDEX1"
ALIGN = 8
T = TypeVar("T")
V = TypeVar("V")
Section = npt.NDArray[Any] | str | bytes


class IndexFileError(ValueError):
    """An index file that must not be used (foreign, stale, truncated or corrupt); the message says which."""


def _pad(n: int) -> int:
    return -n % ALIGN


def _checksum(payload: bytes | memoryview) -> str:
    return f"crc32:{zlib.crc32(payload):08x}"


def write_sections(path: Path, kind: str, key: str, sections: dict[str, Section], meta: dict[str, Any]) -> Path:
    """Write ``sections`` atomically (a temporary file renamed over ``path``, so a reader never sees half)."""
    blobs: list[bytes] = []
    table: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, value in sections.items():
        if isinstance(value, str):
            data, dtype, count = value.encode("utf-8"), "text", 0
        elif isinstance(value, bytes):
            data, dtype, count = value, "bytes", 0
        else:
            arr = np.ascontiguousarray(value)
            data, dtype, count = arr.astype(arr.dtype.newbyteorder("<")).tobytes(), arr.dtype.str, len(arr)
        table[name] = {"offset": offset, "bytes": len(data), "dtype": dtype, "count": count}
        blobs += [data, b"\0" * _pad(len(data))]
        offset += len(data) + _pad(len(data))
    payload = b"".join(blobs)
    header = json.dumps({"format": FORMAT, "kind": kind, "key": key, "meta": meta, "payload_bytes": len(payload),
                         "checksum": _checksum(payload),
                         "sections": table}).encode("utf-8")
    head = MAGIC + struct.pack("<Q", len(header)) + header
    import tempfile  # noqa: PLC0415 - writers only (tempfile imports shutil, random: ~0.01 s of every start)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + b"\0" * _pad(len(head)))
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # other processes (server workers, executors) map it read-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_sections(path: Path, kind: str, key: str | None = None) -> tuple[dict[str, Any], dict[str, Section]]:
    """(meta, sections) of a file written by :func:`write_sections`, mapped read-only; see the module doc."""
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
    if _checksum(payload) != header["checksum"]:
        raise IndexFileError(f"{path}: checksum mismatch: the file is corrupt")
    out: dict[str, Section] = {}
    for name, s in header["sections"].items():
        if s["dtype"] == "text":
            out[name] = str(payload[s["offset"]:s["offset"] + s["bytes"]], "utf-8")
        elif s["dtype"] == "bytes":
            out[name] = bytes(payload[s["offset"]:s["offset"] + s["bytes"]])
        else:
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


# -- string tables and rows ------------------------------------------------------------------------

def _key_table(name: str, keys: Sequence[str]) -> dict[str, Section]:
    """The sections of a key table (see the module doc): ``name`` (the keys' bytes), ``name.at`` (where
    key ``i`` starts; it ends where ``i + 1`` starts) and ``name.slots`` (row + 1 per slot, 0 = empty)."""
    encoded = [k.encode("utf-8") for k in keys]
    at = np.zeros(len(encoded) + 1, dtype=np.int64)
    at[1:] = np.cumsum([len(b) for b in encoded])
    size = 8
    while size < 2 * len(encoded):
        size *= 2
    mask = size - 1
    slots = [0] * size
    for row, h in enumerate(map(zlib.crc32, encoded), start=1):
        s = h & mask
        while slots[s]:
            s = (s + 1) & mask
        slots[s] = row
    return {name: b"".join(encoded), f"{name}.at": at, f"{name}.slots": np.array(slots, dtype=np.int32)}


def _csr(lists: Sequence[Collection[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    data = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int32, count=int(offsets[-1]))
    return offsets, data


def _items(arr: Any) -> memoryview:
    """A mapped array as a memoryview in native byte order: its items are plain Python ints and floats, read
    without numpy's scalar objects (a lookup reads two or three; numpy's indexing costs several times more)."""
    a = np.asarray(arr)
    return a.astype(a.dtype.newbyteorder("="), copy=False).data


class _Ids(Mapping[str, int]):
    """A key table (:func:`_key_table`): key -> row number, found through the hash table; only the keys
    asked for (and those sharing their slots) are read."""

    def __init__(self, sections: Mapping[str, Section], name: str) -> None:
        keys = sections[name]
        if not isinstance(keys, bytes):
            raise IndexFileError(f"key table {name!r} is not stored as bytes")
        self._bytes = keys
        self._at = _items(sections[f"{name}.at"])
        self._slots = _items(sections[f"{name}.slots"])
        self._mask = len(self._slots) - 1

    def row(self, key: object) -> int | None:
        """The row of ``key``, or None."""
        try:
            b = key.encode("utf-8")  # type: ignore[attr-defined]
        except (AttributeError, UnicodeEncodeError):  # not text, or a lone surrogate: no stored key is either
            return None
        slots, at, mask, keys = self._slots, self._at, self._mask, self._bytes
        s = zlib.crc32(b) & mask
        while r := slots[s]:
            if keys[at[r - 1]:at[r]] == b:
                return r - 1
            s = (s + 1) & mask
        return None

    def key(self, row: int) -> str:
        return self._bytes[self._at[row]:self._at[row + 1]].decode("utf-8")

    def __getitem__(self, key: str) -> int:
        r = self.row(key)
        if r is None:
            raise KeyError(key)
        return r

    def __contains__(self, key: object) -> bool:
        return self.row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return map(self.key, range(len(self)))

    def __len__(self) -> int:
        return len(self._at) - 1


class _Keyed(Mapping[str, V]):
    """Key -> row number (:class:`_Ids`) -> a value read from mapped arrays by :meth:`_value`."""

    def __init__(self, ids: _Ids) -> None:
        self._ids = ids

    def _value(self, i: int) -> V:
        raise NotImplementedError

    def __getitem__(self, key: str) -> V:
        return self._value(self._ids[key])

    def get(self, key: str, default: Any = None) -> Any:
        i = self._ids.row(key)
        return default if i is None else self._value(i)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class _Arrays(_Keyed[npt.NDArray[np.int32]]):
    """Key -> a slice of one mapped int32 array (postings: name numbers)."""

    def __init__(self, ids: _Ids, offsets: npt.NDArray[np.int64], data: npt.NDArray[np.int32]) -> None:
        super().__init__(ids)
        self._off, self._data = _items(offsets), data

    def _value(self, i: int) -> npt.NDArray[np.int32]:
        return self._data[self._off[i]:self._off[i + 1]]


class _Values(_Keyed[float]):
    """Key -> one float of a mapped array (token rarity)."""

    def __init__(self, ids: _Ids, values: npt.NDArray[np.float64]) -> None:
        super().__init__(ids)
        self._values = _items(values)

    def _value(self, i: int) -> float:
        return float(self._values[i])


class _Strings(_Keyed[tuple[str, ...]]):
    """Key -> the strings (keys of another table, e.g. the vocabulary) at a slice of a mapped int32 array."""

    def __init__(self, ids: _Ids, offsets: npt.NDArray[np.int64], data: npt.NDArray[np.int32], vocab: _Ids) -> None:
        super().__init__(ids)
        self._off, self._data, self._vocab = _items(offsets), _items(data), vocab

    def _value(self, i: int) -> tuple[str, ...]:
        return tuple(map(self._vocab.key, self._data[self._off[i]:self._off[i + 1]]))


class _Rows(Sequence[T]):
    """Dataclass rows stored as JSON lines; row ``i`` is decoded when it is read."""

    def __init__(self, cls: type[T], data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> None:
        self._cls, self._data, self._off = cls, _items(data), _items(offsets)

    def _row(self, i: int) -> T:
        values = orjson.loads(self._data[self._off[i]:self._off[i + 1]])
        return self._cls(*[tuple(v) if type(v) is list else v for v in values])  # (JSON arrays are tuples)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        n = len(self._off) - 1
        if not -n <= i < n:
            raise IndexError(i)
        return self._row(i % n)

    def __len__(self) -> int:
        return len(self._off) - 1


def _rows(items: Sequence[Any]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Dataclass instances as JSON lines (a mapped byte array, shared between processes) and their offsets."""
    names = [f.name for f in fields(items[0])] if items else []
    lines = [orjson.dumps([getattr(x, f) for f in names]) for x in items]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in lines])
    return np.frombuffer(b"".join(lines), dtype=np.uint8), offsets


# -- the screening index ---------------------------------------------------------------------------

_STORED = {"docs", "prepared", "sizes", "postings", "joined", "repeats", "ident", "idf", "total", "unknown_weight",
           "common", "neighbours"}


def save_index(index: NameIndex, path: Path, key: str, meta: dict[str, Any] | None = None) -> Path:
    """Write ``index`` (built in memory) to ``path``; ``key`` names what it was built from."""
    extra = set(vars(index)) - _STORED - set(NameIndex.DERIVED)
    if extra:  # a new table in NameIndex must be stored here too, or a loaded index would lack it
        raise TypeError(f"NameIndex has attributes indexfile does not store: {', '.join(sorted(extra))}")
    vocab = list(index.postings)
    at = {t: i for i, t in enumerate(vocab)}
    post_off, post = _csr([index.postings[t] for t in vocab])
    joined = list(index.joined)
    joined_off, joined_docs = _csr([index.joined[t] for t in joined])
    repeats = list(index.repeats)
    repeats_off, repeats_docs = _csr([index.repeats[t] for t in repeats])
    neigh = list(index.neighbours)
    neigh_off, neigh_ids = _csr([sorted(map(at.__getitem__, index.neighbours[n])) for n in neigh])
    docs_text, docs_off = _rows(index.docs)
    prep_text, prep_off = _rows(index.prepared)
    sections: dict[str, Section] = {
        **_key_table("vocab", vocab), "postings.offsets": post_off, "postings.docs": post,
        "idf": np.array([index.idf[t] for t in vocab], dtype=np.float64),
        **_key_table("joined", joined), "joined.offsets": joined_off, "joined.docs": joined_docs,
        **_key_table("repeats", repeats), "repeats.offsets": repeats_off, "repeats.docs": repeats_docs,
        **_key_table("neighbours", neigh), "neighbours.offsets": neigh_off, "neighbours.tokens": neigh_ids,
        "docs": docs_text, "docs.offsets": docs_off, "prepared": prep_text, "prepared.offsets": prep_off,
        "sizes": np.asarray(index.sizes, dtype=np.int32), "total": np.asarray(index.total, dtype=np.float64),
        "ident": json.dumps({k: list(v) for k, v in index.ident.items()}),
    }
    scalars = {"unknown_weight": index.unknown_weight, "common": index.common, "names": len(index)}
    return write_sections(path, "screen-index", key, sections, {**(meta or {}), **scalars})


def load_index(path: Path, key: str | None = None) -> NameIndex:
    """The index stored at ``path``, mapped (milliseconds); :class:`IndexFileError` if it must not be used.

    ``key``: refuse a file built from anything else (see :mod:`listwatch.indexes`).
    """
    meta, s = read_sections(path, "screen-index", key)
    vocab = _Ids(s, "vocab")
    index = NameIndex.__new__(NameIndex)
    index.docs = _Rows(NameDoc, np.asarray(s["docs"]), np.asarray(s["docs.offsets"]))
    index.prepared = _Rows(Prepared, np.asarray(s["prepared"]), np.asarray(s["prepared.offsets"]))
    index.sizes = np.asarray(s["sizes"])
    index.total = np.asarray(s["total"])
    index.postings = _Arrays(vocab, np.asarray(s["postings.offsets"]), np.asarray(s["postings.docs"]))
    index.joined = _Arrays(_Ids(s, "joined"), np.asarray(s["joined.offsets"]), np.asarray(s["joined.docs"]))
    index.repeats = _Arrays(_Ids(s, "repeats"), np.asarray(s["repeats.offsets"]), np.asarray(s["repeats.docs"]))
    index.idf = _Values(vocab, np.asarray(s["idf"]))
    index.neighbours = _Strings(_Ids(s, "neighbours"), np.asarray(s["neighbours.offsets"]),
                                np.asarray(s["neighbours.tokens"]), vocab)
    index.ident = json.loads(str(s["ident"]))
    index.unknown_weight = float(meta["unknown_weight"])
    index.common = int(meta["common"])
    index.derive()
    return index


def save_table(table: Mapping[str, Collection[str]], path: Path, kind: str, key: str) -> Path:
    """Write a ``str -> strings`` table (e.g. core name -> entity ids)."""
    keys = list(table)
    values = sorted({v for vs in table.values() for v in vs})
    at = {v: i for i, v in enumerate(values)}
    offsets, ids = _csr([sorted(at[v] for v in table[k]) for k in keys])
    return write_sections(path, kind, key, {**_key_table("keys", keys), **_key_table("values", values),
                                            "offsets": offsets, "ids": ids}, {"keys": len(keys)})


def load_table(path: Path, kind: str, key: str | None = None) -> Mapping[str, tuple[str, ...]]:
    _meta, s = read_sections(path, kind, key)
    return _Strings(_Ids(s, "keys"), np.asarray(s["offsets"]), np.asarray(s["ids"]), _Ids(s, "values"))
