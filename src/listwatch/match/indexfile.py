"""The screening index as a file: written once per data version, memory-mapped by every process.

File format (version :data:`FORMAT`), little-endian::

    magic      8 bytes   b"LWINDEX1"
    length     8 bytes   uint64, the JSON header's length in bytes
    header     JSON      {"format", "kind", "key", "meta", "payload_bytes", "checksum", "sections": {
                              name: {"offset", "bytes", "dtype", "count"}}}
    padding    to a multiple of 8
    payload    the sections, each 8-byte aligned; offsets are relative to the payload start

``key`` says what the file was built from (:mod:`listwatch.indexes` derives it from the database,
its data version, its schema revision and the matching code); ``checksum`` is the BLAKE2b-256 of
the payload. :func:`read_sections` refuses (``IndexFileError``) a file with another magic or format
(foreign), another key (stale), a short payload (truncated) or a checksum mismatch (corrupt): it is
never used, the caller rebuilds it.

Sections are numpy arrays (``dtype``/``count``: mapped read-only, shared between the processes that
map the file) or UTF-8 text (``dtype`` "text"): string tables are newline-joined keys, rows of
documents are JSON lines addressed by an offsets array, decoded only when a row is read.
:func:`save_index` / :func:`load_index` store a :class:`~listwatch.match.index.NameIndex` this way;
:func:`save_table` / :func:`load_table` a ``str -> [str]`` table (the resolver's names).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mmap
import os
import struct
import tempfile
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

FORMAT = 1
MAGIC = b"LWINDEX1"
ALIGN = 8
T = TypeVar("T")
V = TypeVar("V")
Section = npt.NDArray[Any] | str


class IndexFileError(ValueError):
    """An index file that must not be used (foreign, stale, truncated or corrupt); the message says which."""


def _pad(n: int) -> int:
    return -n % ALIGN


def write_sections(path: Path, kind: str, key: str, sections: dict[str, Section], meta: dict[str, Any]) -> Path:
    """Write ``sections`` atomically (a temporary file renamed over ``path``, so a reader never sees half)."""
    blobs: list[bytes] = []
    table: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, value in sections.items():
        if isinstance(value, str):
            data, dtype, count = value.encode("utf-8"), "text", 0
        else:
            arr = np.ascontiguousarray(value)
            data, dtype, count = arr.astype(arr.dtype.newbyteorder("<")).tobytes(), arr.dtype.str, len(arr)
        table[name] = {"offset": offset, "bytes": len(data), "dtype": dtype, "count": count}
        blobs += [data, b"\0" * _pad(len(data))]
        offset += len(data) + _pad(len(data))
    payload = b"".join(blobs)
    header = json.dumps({"format": FORMAT, "kind": kind, "key": key, "meta": meta, "payload_bytes": len(payload),
                         "checksum": hashlib.blake2b(payload, digest_size=32).hexdigest(),
                         "sections": table}).encode("utf-8")
    head = MAGIC + struct.pack("<Q", len(header)) + header
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
    if hashlib.blake2b(payload, digest_size=32).hexdigest() != header["checksum"]:
        raise IndexFileError(f"{path}: checksum mismatch: the file is corrupt")
    out: dict[str, Section] = {}
    for name, s in header["sections"].items():
        if s["dtype"] == "text":
            out[name] = str(payload[s["offset"]:s["offset"] + s["bytes"]], "utf-8")
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

def _keys(keys: Sequence[str]) -> str:
    if any("\n" in k for k in keys):
        raise ValueError("index keys must not contain a newline")
    return "\n".join(keys)


def _csr(lists: Sequence[Collection[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    data = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int32, count=int(offsets[-1]))
    return offsets, data


class _Ids(Mapping[str, int]):
    """Newline-joined keys -> their row numbers (the dict is built on first lookup)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._ids: dict[str, int] | None = None

    @property
    def ids(self) -> dict[str, int]:
        if self._ids is None:
            keys = self._text.split("\n") if self._text else []
            self._ids = dict(zip(keys, range(len(keys)), strict=True))
        return self._ids

    def __getitem__(self, key: str) -> int:
        return self.ids[key]

    def __contains__(self, key: object) -> bool:
        return key in self.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


class _Keyed(Mapping[str, V]):
    """Key -> row number (:class:`_Ids`) -> a value read from mapped arrays by :meth:`_value`."""

    def __init__(self, ids: _Ids) -> None:
        self._ids = ids

    def _value(self, i: int) -> V:
        raise NotImplementedError

    def __getitem__(self, key: str) -> V:
        return self._value(self._ids[key])

    def get(self, key: str, default: Any = None) -> Any:
        i = self._ids.ids.get(key)
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
        self._off, self._data = offsets, data

    def _value(self, i: int) -> npt.NDArray[np.int32]:
        return self._data[self._off[i]:self._off[i + 1]]


class _Values(_Keyed[float]):
    """Key -> one float of a mapped array (token rarity)."""

    def __init__(self, ids: _Ids, values: npt.NDArray[np.float64]) -> None:
        super().__init__(ids)
        self._values = values

    def _value(self, i: int) -> float:
        return float(self._values[i])


class _Strings(_Keyed[tuple[str, ...]]):
    """Key -> the strings (of a vocabulary) at a slice of a mapped int32 array."""

    def __init__(self, ids: _Ids, offsets: npt.NDArray[np.int64], data: npt.NDArray[np.int32],
                 vocab: Sequence[str]) -> None:
        super().__init__(ids)
        self._off, self._data, self._vocab = offsets, data, vocab

    def _value(self, i: int) -> tuple[str, ...]:
        return tuple(self._vocab[j] for j in self._data[self._off[i]:self._off[i + 1]].tolist())


class _Rows(Sequence[T]):
    """Dataclass rows stored as JSON lines; row ``i`` is decoded when it is read."""

    def __init__(self, cls: type[T], data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> None:
        self._cls, self._data, self._off = cls, data, offsets

    def _row(self, i: int) -> T:
        values = orjson.loads(self._data[self._off[i]:self._off[i + 1]].tobytes())
        return self._cls(*(tuple(v) if isinstance(v, list) else v for v in values))

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._row(i % len(self))

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
        "vocab": _keys(vocab), "postings.offsets": post_off, "postings.docs": post,
        "idf": np.array([index.idf[t] for t in vocab], dtype=np.float64),
        "joined": _keys(joined), "joined.offsets": joined_off, "joined.docs": joined_docs,
        "repeats": _keys(repeats), "repeats.offsets": repeats_off, "repeats.docs": repeats_docs,
        "neighbours": _keys(neigh), "neighbours.offsets": neigh_off, "neighbours.tokens": neigh_ids,
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
    vocab_ids = _Ids(str(s["vocab"]))
    vocab = str(s["vocab"]).split("\n") if s["vocab"] else []
    index = NameIndex.__new__(NameIndex)
    index.docs = _Rows(NameDoc, np.asarray(s["docs"]), np.asarray(s["docs.offsets"]))
    index.prepared = _Rows(Prepared, np.asarray(s["prepared"]), np.asarray(s["prepared.offsets"]))
    index.sizes = np.asarray(s["sizes"])
    index.total = np.asarray(s["total"])
    index.postings = _Arrays(vocab_ids, np.asarray(s["postings.offsets"]), np.asarray(s["postings.docs"]))
    index.joined = _Arrays(_Ids(str(s["joined"])), np.asarray(s["joined.offsets"]), np.asarray(s["joined.docs"]))
    index.repeats = _Arrays(_Ids(str(s["repeats"])), np.asarray(s["repeats.offsets"]),
                            np.asarray(s["repeats.docs"]))
    index.idf = _Values(vocab_ids, np.asarray(s["idf"]))
    index.neighbours = _Strings(_Ids(str(s["neighbours"])), np.asarray(s["neighbours.offsets"]),
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
    return write_sections(path, kind, key, {"keys": _keys(keys), "values": _keys(values), "offsets": offsets,
                                            "ids": ids}, {"keys": len(keys)})


def load_table(path: Path, kind: str, key: str | None = None) -> Mapping[str, tuple[str, ...]]:
    _meta, s = read_sections(path, kind, key)
    values = str(s["values"]).split("\n") if s["values"] else []
    return _Strings(_Ids(str(s["keys"])), np.asarray(s["offsets"]), np.asarray(s["ids"]), values)
