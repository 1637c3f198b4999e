"""Compact read-only tables over flat arrays: how the screening index holds its tables, in memory (built by
:mod:`listwatch.match.indexbuild`) and mapped from a file (:mod:`listwatch.match.indexfile`) alike.

A *key table* (token -> row) is three sections: the keys' UTF-8 bytes end to end, where each key starts,
and an open-addressing hash table (CRC-32 of the key, linear probing, at most half full) of row numbers, so a
query finds its few keys without decoding the others (a dict of the 190,000 one-deletion variants alone took
~0.1 s to build, more than the rest of a search). Lists of numbers per row are CSR: an offsets array and
the numbers end to end. Rows of documents are JSON lines addressed by an offsets array, decoded only when a
row is read. The views (:class:`Ids`, :class:`Arrays`, :class:`Values`, :class:`Strings`, :class:`Rows`)
read these arrays without copying them, through memoryviews (numpy arrays or the memoryviews a file is read
as), so that neither a ``status`` by name (the resolver's name table) nor a single ``screen`` imports numpy
(~0.1 s of either).
"""

from __future__ import annotations

import itertools
import zlib
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

import orjson

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Arrays", "Ids", "IndexFileError", "Rows", "RowsWriter", "Section", "Strings", "Values", "csr",
           "items", "key_table", "numbers"]

T = TypeVar("T")
V = TypeVar("V")
Section: TypeAlias = "npt.NDArray[Any] | memoryview[Any] | str | bytes"  # (numpy only where it is used)


class IndexFileError(ValueError):
    """An index file that must not be used (foreign, stale, truncated or corrupt); the message says which."""


def key_table(name: str, keys: Iterable[str]) -> dict[str, Section]:
    """The sections of a key table (see the module doc): ``name`` (the keys' bytes), ``name.at`` (where
    key ``i`` starts; it ends where ``i + 1`` starts) and ``name.slots`` (row + 1 per slot, 0 = empty).
    The keys are encoded one at a time into one buffer (no list of every key's bytes)."""
    import numpy as np  # noqa: PLC0415 - writers only (see the module doc)

    blob = bytearray()
    at = array("q", [0])
    hashes = array("L")
    for k in keys:
        b = k.encode("utf-8")
        blob += b
        at.append(len(blob))
        hashes.append(zlib.crc32(b))
    size = 8
    while size < 2 * len(hashes):
        size *= 2
    mask = size - 1
    slots = array("i", bytes(4 * size))
    for row, h in enumerate(hashes, start=1):
        s = h & mask
        while slots[s]:
            s = (s + 1) & mask
        slots[s] = row
    return {name: bytes(blob), f"{name}.at": np.frombuffer(at, dtype=np.int64),
            f"{name}.slots": np.frombuffer(slots, dtype=np.int32)}


def csr(lists: Sequence[Collection[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """``lists`` end to end (int32) and where each starts (int64, one more than there are lists)."""
    import numpy as np  # noqa: PLC0415 - writers only

    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    data = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int32, count=int(offsets[-1]))
    return offsets, data


def items(arr: Any) -> memoryview:
    """A mapped array as a memoryview in native byte order: its items are plain Python ints and floats, read
    without numpy's scalar objects (a lookup reads two or three; numpy's indexing costs several times more).
    A memoryview is one already (:func:`~listwatch.match.indexfile.read_sections` without numpy)."""
    if isinstance(arr, memoryview):
        return arr
    import numpy as np  # noqa: PLC0415 - imported by whoever made the array

    a = np.asarray(arr)
    return a.astype(a.dtype.newbyteorder("="), copy=False).data


def numbers(sections: Mapping[str, Section], name: str) -> npt.NDArray[Any] | memoryview:
    """Section ``name``, an array of numbers (not text or bytes)."""
    value = sections[name]
    if isinstance(value, (str, bytes)):
        raise IndexFileError(f"section {name!r} is not stored as numbers")
    return value


class Ids(Mapping[str, int]):
    """A key table (:func:`key_table`): key -> row number, found through the hash table; only the keys
    asked for (and those sharing their slots) are read."""

    def __init__(self, sections: Mapping[str, Section], name: str) -> None:
        keys = sections[name]
        if not isinstance(keys, bytes):
            raise IndexFileError(f"key table {name!r} is not stored as bytes")
        self._bytes = keys
        self._at = items(sections[f"{name}.at"])
        self._slots = items(sections[f"{name}.slots"])
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
    """Key -> row number (:class:`Ids`) -> a value read from mapped arrays by :meth:`_value`."""

    def __init__(self, ids: Ids) -> None:
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


class Arrays(_Keyed[memoryview]):
    """Key -> a slice of one mapped int32 array (postings: name numbers), as a memoryview of native ints."""

    def __init__(self, ids: Ids, offsets: npt.NDArray[np.int64] | memoryview,
                 data: npt.NDArray[np.int32] | memoryview) -> None:
        super().__init__(ids)
        self._off, self._data = items(offsets), items(data)

    def _value(self, i: int) -> memoryview:
        return self._data[self._off[i]:self._off[i + 1]]


class Values(_Keyed[float]):
    """Key -> one float of a mapped array (token rarity)."""

    def __init__(self, ids: Ids, values: npt.NDArray[np.float64] | memoryview) -> None:
        super().__init__(ids)
        self._values = items(values)

    def _value(self, i: int) -> float:
        return float(self._values[i])


class Strings(_Keyed[tuple[str, ...]]):
    """Key -> the strings (keys of another table, e.g. the vocabulary) at a slice of a mapped int32 array."""

    def __init__(self, ids: Ids, offsets: npt.NDArray[np.int64] | memoryview, data: npt.NDArray[np.int32] | memoryview,
                 vocab: Ids) -> None:
        super().__init__(ids)
        self._off, self._data, self._vocab = items(offsets), items(data), vocab

    def _value(self, i: int) -> tuple[str, ...]:
        return tuple(map(self._vocab.key, self._data[self._off[i]:self._off[i + 1]]))


class Rows(Sequence[T]):
    """Dataclass rows stored as JSON lines; row ``i`` is decoded when it is read."""

    def __init__(self, cls: type[T], data: npt.NDArray[np.uint8] | memoryview,
                 offsets: npt.NDArray[np.int64] | memoryview) -> None:
        self._cls, self._data, self._off = cls, items(data), items(offsets)

    def raw(self, i: int) -> memoryview:
        """Row ``i`` as stored (its JSON line)."""
        return self._data[self._off[i]:self._off[i + 1]]

    def load(self, line: bytes | memoryview) -> T:
        """A row from its JSON line (:meth:`raw`)."""
        return self._cls(*[tuple(v) if type(v) is list else v for v in orjson.loads(line)])  # (JSON arrays: tuples)

    def _row(self, i: int) -> T:
        return self.load(self.raw(i))

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


class RowsWriter:
    """Rows for :class:`Rows`, added one at a time into one buffer: a dataclass's fields in order as a JSON
    list (a tuple is a list), or a row already encoded so."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._off = array("q", [0])

    def add(self, values: Sequence[Any]) -> bytes:
        """Add the row of these field values; its JSON line."""
        line = orjson.dumps(values)
        self.add_raw(line)
        return line

    def add_raw(self, line: bytes | memoryview) -> None:
        self._data += line
        self._off.append(len(self._data))

    def sections(self) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """(the lines end to end, where each starts): the buffers themselves, not copies."""
        import numpy as np  # noqa: PLC0415 - writers only

        return np.frombuffer(self._data, dtype=np.uint8), np.frombuffer(self._off, dtype=np.int64)
