"""The names worth scoring in full for many query forms at once.

A query form credits posting lists (name numbers) each with a weight (:class:`Credits`, made by
:meth:`listwatch.match.index.NameIndex.credits`): a name's *bound* is the sum of the credits of the lists
holding it, over the weight of both names. :func:`shortlists` sums, divides, drops the names whose bound
stays under the threshold and ranks the rest, in whichever way costs less:

* each form in plain Python (:func:`_one`): ~1 us per credited name, nothing per call. Cheapest for a group
  of up to :data:`PLAIN` credited names; and, in a process that has not imported numpy (0.07-0.1 s: a
  ``listwatch screen`` of one query, where it would be a fifth of the whole process), up to :data:`UNLOADED`;
* a few forms (one query's) together in as few numpy calls as can be (:func:`_few`): ~40 calls, ~85 us per
  group plus ~0.03 us per credited name, up to :data:`FEW` credited names;
* a batch of forms together (:func:`_together`): more calls (~250 us per group) that save work per credited
  name and per (form, name) pair, so that ~130,000 of them (100 queries) cost ~0.05 us each.

The crossovers are measured on the dev set's 2,010 queries one at a time and on the benchmark's batches cut
into groups of 2-128 forms (mapped index of the three real lists; CPU of each group's fastest of 5 runs, 2
cores under load, and callgrind's instruction counts): plain Python and :func:`_few` take the same time at
128-192 names (instructions: at ~100), :func:`_few` and :func:`_together` at 11,000-22,000 (instructions:
:func:`_together` 4% fewer at 5,500, 11% at 11,000; its check that no name weighs below 0 reads all of
``total``, which instructions do not show). A query credits up to ~12,000 names, 100 queries ~130,000.

Both rank exactly as the forms would be ranked one at a time: each name's credits are summed one after the
other in the order credited (floating-point addition is not associative, and an ulp can reorder two names
of equal bound), and equal keys keep the order of the name numbers.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Sequence
from itertools import chain
from operator import add
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["ENTRIES", "FEW", "NARROW", "PLAIN", "UNLOADED", "WIDE", "Credits", "load_numpy", "shortlists"]

ENTRIES = 1 << 18  # (form, name) entries ranked at once: ~10 arrays of 8 bytes each, ~20 MB
PLAIN = 128  # entries up to which plain Python ranks faster than numpy (see the module doc; measured)
UNLOADED = 1 << 15  # ... and up to which it costs less than importing numpy (~10-20 ms against 70-100)
FEW = 1 << 13  # entries up to which _few ranks faster than _together (measured)
NARROW, WIDE = 31, 63  # bits of an entry's number (_few, _together) up to which it is an int32, an int64


class Credits(NamedTuple):
    """What one query form credits: ``parts[i]`` (name numbers: int32 memoryviews) gets ``credit[i]``, of which
    ``equal[i]`` comes from tokens equal on both sides (a tie-break); ``weight`` is the form's own weight. (A
    named tuple: a dataclass costs a single ``screen`` ~1 ms more to import.)"""

    parts: list[memoryview]
    credit: list[float]
    equal: list[float]
    weight: float


def shortlists(forms: Sequence[Credits], total: memoryview, sizes: memoryview, threshold: float,
               take: int) -> list[list[int]]:
    """Per form, up to ``take`` name numbers, best first: by bound (capped at 1: the loose bounds of joined
    and similar tokens can pass it), then by the share of equal tokens, then shorter names (``sizes``: tokens
    per name, int32), then lower numbers. ``total``: each name's weight (float64). A name credited nothing, or
    whose bound is under ``threshold`` (when above 0), is left out.

    Forms are ranked ``ENTRIES`` credited names at a time (at least one form), so that a batch of queries made
    of common words does not need arrays of millions of entries."""
    out: list[list[int]] = []
    group: list[Credits] = []
    entries = 0
    for f in forms:
        n = sum(map(len, f.parts))
        if group and entries + n > ENTRIES:
            out += _ranked(group, entries, total, sizes, threshold, take)
            group, entries = [], 0
        group.append(f)
        entries += n
    return out + _ranked(group, entries, total, sizes, threshold, take) if group else out


def load_numpy() -> None:
    """Import numpy now: a long-running process (the server) then ranks every group the cheaper way from its
    first query (a process that has not imported numpy ranks mid-sized groups in plain Python, slower there)."""
    import numpy  # noqa: F401, PLC0415


def _ranked(forms: Sequence[Credits], entries: int, total: memoryview, sizes: memoryview, threshold: float,
            take: int) -> list[list[int]]:
    """:func:`shortlists` of a group of forms crediting ``entries`` names in all."""
    if entries <= PLAIN or (entries <= UNLOADED and "numpy" not in sys.modules):
        return [_one(f, total, sizes, threshold, take) for f in forms]
    if entries <= FEW:
        return _few(forms, total, sizes, threshold, take)
    return _together(forms, total, sizes, threshold, take)


def _one(form: Credits, total: memoryview, sizes: memoryview, threshold: float, take: int) -> list[int]:
    """One form ranked in plain Python (the same sums, in the same order, as :func:`_together`'s)."""
    bound: dict[int, float] = {}
    equal: dict[int, float] = {}
    for part, c, e in zip(form.parts, form.credit, form.equal, strict=True):
        for n in part:
            bound[n] = bound.get(n, 0.0) + c
        if e:  # (adding 0.0 leaves a sum of non-negative credits as it is)
            for n in part:
                equal[n] = equal.get(n, 0.0) + e
    rows = []
    for n, credited in bound.items():
        if credited == 0:
            continue
        denominator = form.weight + total[n]
        b = credited / denominator
        if threshold > 0 and not b >= threshold - 1e-9:
            continue
        rows.append((-min(b, 1.0), -equal.get(n, 0.0) / denominator, sizes[n], n))
    return [row[-1] for row in heapq.nsmallest(take, rows)]


def _together(forms: Sequence[Credits], total: memoryview, sizes: memoryview, threshold: float,
              take: int) -> list[list[int]]:
    """A group of forms ranked at once with numpy. Only the (form, name) pairs whose bound passes are looked at
    after the bounds are summed (with a threshold, a few hundred of a batch's ~130,000).

    Each entry (a name a list credits) is one number, (form, name, which of the form's lists), in
    :data:`NARROW` bits when it fits (a sort of 32-bit numbers is about twice as fast), else 64; sorted, each
    pair's entries come together and in the order credited, as a stable sort by pair would leave them, without
    sorting indices (a name a list holds twice makes two equal numbers, credited alike)."""
    import numpy as np  # noqa: PLC0415 - batches only (see the module doc)

    parts = list(chain.from_iterable(f.parts for f in forms))
    if not parts:
        return [[] for _ in forms]
    per_form = [len(f.parts) for f in forms]
    name_bits, list_bits = len(total).bit_length(), max(per_form).bit_length()
    pair_bits = len(forms).bit_length() + name_bits
    if pair_bits + list_bits > WIDE:  # (no index is that large)
        return [_one(f, total, sizes, threshold, take) for f in forms]
    kind = np.int32 if pair_bits + list_bits <= NARROW else np.int64
    shift = name_bits + list_bits
    lists = chain.from_iterable(range(i << shift, (i << shift) + n) for i, n in enumerate(per_form))  # (form, list)
    entry = np.repeat(np.fromiter(lists, dtype=kind, count=len(parts)),
                      np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)))
    names = np.frombuffer(b"".join(parts), dtype=np.int32)  # (a join: faster than concatenating many slices)
    entry |= np.left_shift(names, list_bits, dtype=kind)
    entry.sort()
    entry = entry.astype(np.intp, copy=False)  # (numpy indexes with intp fastest)
    key = entry >> list_bits  # (form, name)
    first = np.empty(len(key) + 1, dtype=bool)  # (and one past the last entry, where the next pair would start)
    first[0] = first[-1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:-1])
    pair = np.cumsum(first[:-1].astype(np.intp))  # each entry's pair, from 1 (a bool cumsum casting as it goes is
    # ~10x slower); each form's entries and pairs are a run, so what a form gives them is repeated, not looked up
    edges = np.searchsorted(entry, np.arange(len(forms) + 1, dtype=np.int64) << shift)  # each form's entries
    listed = np.repeat(np.cumsum(per_form) - per_form, np.diff(edges)) + (entry & ((1 << list_bits) - 1))  # which list
    credited = np.bincount(pair, weights=_values(forms, "credit", len(parts))[listed])[1:]  # (adds in input order)
    starts = np.flatnonzero(first)  # where each pair's entries start (and len(entry))
    form_weight = np.array([f.weight for f in forms], dtype=np.float64)
    own = np.repeat(form_weight, np.diff(np.searchsorted(starts, edges)))
    weights, counts = np.asarray(total, dtype=np.float64), np.asarray(sizes, dtype=np.int32)
    if threshold > 1e-9 and form_weight.min() > 0 and weights.min() >= 0:
        # A pair under the threshold over its form's weight alone is under it over both names' weight too
        # (weights are rarities, never below 0; a pair credited below 0 is under any threshold above 1e-9).
        pairs = np.flatnonzero(credited / own >= threshold - 1e-9)
        credited, own = credited[pairs], own[pairs]
    else:
        pairs = np.arange(len(credited))
    key = key[starts[pairs]]  # (only the pairs looked at further)
    row, name = key >> name_bits, key & ((1 << name_bits) - 1)
    denominator = own + weights[name]
    bound = credited / denominator
    keep = bound != 0
    if threshold > 0:
        keep &= bound >= threshold - 1e-9
    kept = pairs[keep]
    begin = starts[kept]  # the entries of the pairs kept, in order, to sum their equal tokens' credits
    count = starts[kept + 1] - begin
    at = np.repeat(begin - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    equal = np.bincount(np.repeat(np.arange(len(kept)), count), weights=_values(forms, "equal", len(parts))[listed[at]],
                        minlength=len(kept))
    row, name, bound, denominator = row[keep], name[keep], bound[keep], denominator[keep]
    ranked = np.lexsort((name, counts[name], -equal / denominator, -np.minimum(bound, 1.0), row))
    out: list[list[int]] = [[] for _ in forms]
    for r, n in zip(row[ranked].tolist(), name[ranked].tolist(), strict=True):
        if len(out[r]) < take:
            out[r].append(n)
    return out


def _few(forms: Sequence[Credits], total: memoryview, sizes: memoryview, threshold: float,
         take: int) -> list[list[int]]:
    """A few forms (one query's) ranked at once with numpy, in as few numpy calls as can be: the same sort of
    one number per entry as :func:`_together`'s, (form, name, which of the group's lists), but what that saves
    per entry or pair in a batch costs more calls than it saves here."""
    import numpy as np  # noqa: PLC0415 - see _together

    parts = [p for f in forms for p in f.parts]
    if not parts:
        return [[] for _ in forms]
    name_bits, list_bits = len(total).bit_length(), len(parts).bit_length()
    shift = name_bits + list_bits
    width = (len(forms) - 1).bit_length() + shift
    if width > WIDE:  # (no index is that large)
        return [_one(f, total, sizes, threshold, take) for f in forms]
    kind = np.int32 if width <= NARROW else np.int64
    owner = [i << shift for i, f in enumerate(forms) for _ in f.parts]  # (each list's form, in place)
    lists = np.fromiter(map(add, owner, range(len(parts))), dtype=kind, count=len(parts))  # (form, list)
    entry = np.left_shift(np.frombuffer(b"".join(parts), dtype=np.int32), list_bits, dtype=kind)
    entry |= lists.repeat(np.fromiter(map(len, parts), dtype=np.intp, count=len(parts)))
    entry.sort()
    listed = entry & ((1 << list_bits) - 1)
    key = entry >> list_bits  # (form, name)
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    pair = first.cumsum()  # each entry's pair, from 1
    credit = np.array([c for f in forms for c in f.credit], dtype=np.float64)
    credited = np.bincount(pair, weights=credit[listed])[1:]  # (adds each pair's credits in the order credited)
    key = key[first]
    name = key & ((1 << name_bits) - 1)
    denominator = np.asarray(total, dtype=np.float64)[name]
    if len(forms) == 1:
        denominator += forms[0].weight
    else:
        denominator += np.array([f.weight for f in forms], dtype=np.float64)[key >> name_bits]
    bound = credited / denominator
    keep = bound != 0
    if threshold > 0:
        keep &= bound >= threshold - 1e-9
    kept = keep.nonzero()[0]
    out: list[list[int]] = [[] for _ in forms]
    if not len(kept):
        return out
    equal = np.array([e for f in forms for e in f.equal], dtype=np.float64)
    share = np.bincount(pair, weights=equal[listed])[1:][kept] / denominator[kept]
    row, name = key[kept] >> name_bits, name[kept]
    ranked = np.lexsort((name, np.asarray(sizes, dtype=np.int32)[name], -share, -np.minimum(bound[kept], 1.0), row))
    for r, n in zip(row[ranked].tolist(), name[ranked].tolist(), strict=True):
        if len(out[r]) < take:
            out[r].append(n)
    return out


def _values(forms: Sequence[Credits], field: str, count: int) -> npt.NDArray[np.float64]:
    """The ``field`` values ("credit" or "equal") of every form's lists, end to end."""
    import numpy as np  # noqa: PLC0415 - see _together

    return np.fromiter(chain.from_iterable(getattr(f, field) for f in forms), dtype=np.float64, count=count)
