"""Building the screening index's tables, compactly: straight into the flat arrays that
:class:`~listwatch.match.index.NameIndex` reads (:mod:`listwatch.match.tables`) and that
:mod:`listwatch.match.indexfile` writes as they are.

One pass over the names keeps, per name, its two JSON rows (the document and the prepared name) and
numbers: its token ids, and (token, name), (joined pair, name) and (one-deletion variant, token) pairs in
``array`` buffers; no Python object per name or per posting survives the pass. The postings, joined pairs
and neighbours are then grouped with numpy sorts that give the same order the tables have always had
(postings by name size, then name; the others by number). Building the index of the three real lists held
~150 MiB of per-name objects, dicts of lists and sets before; see ``benchmarks/screen_speed.py``.

Incremental: a name's prepared form (:func:`~listwatch.match.score.prepare`) depends only on the name as
printed and whether it is a person's, so a build may take it from a previous index built by the same code
(``reuse``: (name, person) -> its stored row); only new or changed names are prepared again. The result is
the same, byte for byte (tests/test_indexes.py).
"""

from __future__ import annotations

import itertools
import json
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import orjson

from listwatch.match.normalize import name_variants
from listwatch.match.score import Prepared, is_generic, prepare
from listwatch.match.tables import RowsWriter, Section, csr, key_table
from listwatch.match.tickers import ticker_key

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["COMMON", "GENERIC_DAMPING", "Reuse", "build_sections", "deletes", "ident_key"]

COMMON = 0.02  # a token on more than this share of names is "common" (see NameIndex.candidates)
GENERIC_DAMPING = 0.5  # generic words (generic_words.txt) count half their rarity
_PREPARED = [f.name for f in fields(Prepared)]
_TOKENS, _SURFACE = _PREPARED.index("tokens"), _PREPARED.index("surface")
Reuse = Callable[[str, bool], bytes | memoryview | None]


def ident_key(key: str) -> str:
    """'isin:kyg9830t1067' -> 'isin:KYG9830T1067': scheme lower case, value upper case, no spaces.

    Tickers become ``symbol@market`` (:func:`~listwatch.match.tickers.ticker_key`): '0941@XHKG' -> '941@HK'.
    """
    scheme, _, value = key.partition(":")
    scheme = scheme.lower()
    if scheme == "ticker":
        sym, _, exch = value.partition("@")
        return f"ticker:{ticker_key(sym, exch)}"
    return f"{scheme}:{value.upper().replace(' ', '')}"


def deletes(token: str) -> set[str]:
    """The one-deletion variants of ``token``."""
    return {token[:i] + token[i + 1:] for i in range(len(token))}


def _intern(table: dict[str, int], key: str) -> int:
    """``key``'s number in ``table``, numbered in order of first sight."""
    got = table.get(key)
    if got is None:
        got = table[key] = len(table)
    return got


def _grouped(keys: array[int], values: array[int], count: int, order: npt.NDArray[np.intp] | None = None,
             distinct: bool = False) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Pairs (key, value) as CSR over keys ``0..count-1`` (offsets, values): values in ``order`` (default:
    by value), each once per key when ``distinct``."""
    import numpy as np  # noqa: PLC0415 - builders only: a search (deletes, ident_key) needs no numpy

    k = np.frombuffer(keys, dtype=np.int32)
    v = np.frombuffer(values, dtype=np.int32)
    if order is None:
        order = np.lexsort((v, k))
    k, v = k[order], v[order]
    if distinct and len(k):
        first = np.ones(len(k), dtype=bool)
        first[1:] = (k[1:] != k[:-1]) | (v[1:] != v[:-1])
        k, v = k[first], v[first]
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(k, minlength=count), out=offsets[1:])
    return offsets, np.ascontiguousarray(v, dtype=np.int32)


class _Builder:
    """The one pass over the names (see the module doc)."""

    def __init__(self, reuse: Reuse | None) -> None:
        self.reuse = reuse
        self.docs, self.prepared = RowsWriter(), RowsWriter()
        self.doc_fields: list[str] = []
        self.vocab: dict[str, int] = {}  # token -> id, in order of first sight (the postings' order of old)
        self.post_tok, self.post_doc = array("i"), array("i")
        self.name_tokens, self.sizes = array("i"), array("i")  # every name's token ids end to end; how many
        self.joined: dict[str, int] = {}
        self.join_key, self.join_doc = array("i"), array("i")
        self.repeats: dict[str, list[int]] = defaultdict(list)
        self.ident: dict[str, list[int]] = defaultdict(list)
        self.neighbours: dict[str, int] = {}  # written form or one of its one-deletion variants -> id
        self.neigh_key, self.neigh_tok = array("i"), array("i")
        self.written: set[tuple[str, str]] = set()

    def _prepared(self, variant: str, person: bool) -> tuple[tuple[str, ...], tuple[str, ...], bytes | memoryview]:
        """(tokens, surface, the stored row) of a name: reused when the previous index had it, else prepared."""
        row = self.reuse(variant, person) if self.reuse is not None else None
        if row is not None:
            values = orjson.loads(row)
            return tuple(values[_TOKENS]), tuple(values[_SURFACE]), row
        p = prepare(variant, person=person)
        if not p.tokens:
            return (), (), b""
        return p.tokens, p.surface, orjson.dumps([getattr(p, f) for f in _PREPARED])

    def add(self, doc: Any, variant: str) -> None:
        tokens, surface, row = self._prepared(variant, doc.person)
        if not tokens:
            return
        i = len(self.sizes)
        if not self.doc_fields:
            self.doc_fields = [f.name for f in fields(doc)]
        self.docs.add([variant if f == "name" else getattr(doc, f) for f in self.doc_fields])
        self.prepared.add_raw(row)
        self.sizes.append(len(tokens))
        ids = [_intern(self.vocab, t) for t in tokens]
        self.name_tokens.extend(ids)
        if len(set(ids)) == len(ids):  # (most names: no token twice)
            self.post_tok.extend(ids)
            self.post_doc.extend([i] * len(ids))
        else:
            for t, n in Counter(tokens).items():
                self.post_tok.append(self.vocab[t])
                self.post_doc.append(i)
                for k in range(2, n + 1):  # "ABDULLAH, Abdullah Ahmed": the k-th copy of a token
                    self.repeats[f"{t} {k}"].append(i)
        self.join_key.extend([_intern(self.joined, a + b) for a, b in itertools.pairwise(tokens)])
        self.join_doc.extend([i] * (len(tokens) - 1))
        if variant == doc.name:
            for key in doc.identifiers:
                self.ident[ident_key(key)].append(i)
        for s, key, tok in zip(surface, tokens, ids, strict=True):  # each written token once, however many names
            if len(s) >= 5 and not s.isdigit() and (s, key) not in self.written:
                self.written.add((s, key))
                near = [_intern(self.neighbours, d) for d in (s, *deletes(s))]
                self.neigh_key.extend(near)
                self.neigh_tok.extend([tok] * len(near))

    def _table(self, name: str, keys: dict[str, int], pairs: tuple[array[int], array[int]], last: str,
               order: npt.NDArray[np.intp] | None = None) -> dict[str, Section]:
        """A key table with its CSR lists (sections ``name``, ``name.offsets``, ``name.<last>``)."""
        offsets, values = _grouped(*pairs, len(keys), order, distinct=order is None)
        return {**key_table(name, keys), f"{name}.offsets": offsets, f"{name}.{last}": values}

    def sections(self) -> tuple[dict[str, Section], dict[str, Any]]:
        """The tables, built one at a time, each pass's buffers let go of as soon as its table is made."""
        import numpy as np  # noqa: PLC0415 - see _grouped

        self.written = set()
        n_names = len(self.sizes)
        n = max(n_names, 1)
        neighbours = self._table("neighbours", self.neighbours, (self.neigh_key, self.neigh_tok), "tokens")
        self.neighbours, self.neigh_key, self.neigh_tok = {}, array("i"), array("i")
        joined = self._table("joined", self.joined, (self.join_key, self.join_doc), "docs")
        self.joined, self.join_key, self.join_doc = {}, array("i"), array("i")
        repeats_off, repeats_docs = csr(list(self.repeats.values()))
        repeats = {**key_table("repeats", self.repeats), "repeats.offsets": repeats_off, "repeats.docs": repeats_docs}
        sizes = np.frombuffer(self.sizes, dtype=np.int32)
        post_doc = np.frombuffer(self.post_doc, dtype=np.int32)
        by_size = np.lexsort((post_doc, sizes[post_doc], np.frombuffer(self.post_tok, dtype=np.int32)))
        del post_doc
        postings = self._table("vocab", self.vocab, (self.post_tok, self.post_doc), "docs", by_size)
        del by_size
        self.post_tok, self.post_doc = array("i"), array("i")
        counts = np.diff(postings["vocab.offsets"]).tolist()
        idf = [math.log((n + 1) / (c + 0.5)) * (GENERIC_DAMPING if is_generic(t) else 1.0)
               for t, c in zip(self.vocab, counts, strict=True)]
        self.vocab = {}
        total, at = [], 0
        for size in self.sizes:  # summed one by one, as a name's weight always was
            total.append(sum(idf[t] for t in self.name_tokens[at:at + size]))
            at += size
        self.name_tokens = array("i")
        docs_text, docs_off = self.docs.sections()
        prep_text, prep_off = self.prepared.sections()
        sections: dict[str, Section] = {
            "vocab": postings["vocab"], "vocab.at": postings["vocab.at"], "vocab.slots": postings["vocab.slots"],
            "postings.offsets": postings["vocab.offsets"],
            "postings.docs": postings["vocab.docs"], "idf": np.array(idf, dtype=np.float64),
            **joined, **repeats, **neighbours,
            "docs": docs_text, "docs.offsets": docs_off, "prepared": prep_text, "prepared.offsets": prep_off,
            "sizes": sizes, "total": np.array(total, dtype=np.float64),
            "ident": json.dumps(self.ident),
        }
        scalars = {"unknown_weight": math.log((n + 1) / 0.5), "common": max(50, int(n * COMMON)), "names": n_names}
        return sections, scalars


def build_sections(docs: Iterable[Any], reuse: Reuse | None = None) -> tuple[dict[str, Section], dict[str, Any]]:
    """The index tables of ``docs`` (:class:`~listwatch.match.index.NameDoc`: every printed variant of each
    name, :func:`~listwatch.match.normalize.name_variants`) as sections, and its scalars."""
    b = _Builder(reuse)
    for doc in docs:
        for variant in name_variants(doc.name):
            b.add(doc, variant)
    return b.sections()
