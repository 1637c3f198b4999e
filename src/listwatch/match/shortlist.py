"""The names worth scoring in full for many query forms at once, in a few array operations per batch.

A query form credits posting lists (arrays of name numbers) each with a weight (:class:`Credits`, made by
:meth:`listwatch.match.index.NameIndex.credits`): a name's *bound* is the sum of the credits of the lists
holding it, over the weight of both names. :func:`shortlists` sums, divides, drops the names whose bound
stays under the threshold and ranks the rest, for every form of a batch together: numpy's per-call costs
are paid once per batch instead of once per query (a query alone is a batch of one).

A batch ranks exactly as its forms would one at a time: each name's credits are summed one after the
other in the order credited (floating-point addition is not associative, and an ulp can reorder two
names of equal bound), and equal keys keep the order of the name numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["ENTRIES", "Credits", "shortlists"]

ENTRIES = 1 << 18  # (form, name) entries ranked at once: ~10 arrays of 8 bytes each, ~20 MB


class Credits(NamedTuple):
    """What one query form credits: ``parts[i]`` (name numbers) gets ``credit[i]``, of which ``equal[i]``
    comes from tokens equal on both sides (a tie-break); ``weight`` is the form's own weight. (A named tuple:
    a dataclass costs a single ``screen`` ~1 ms more to import.)"""

    parts: list[npt.NDArray[np.int32]]
    credit: list[float]
    equal: list[float]
    weight: float


def shortlists(forms: Sequence[Credits], total: npt.NDArray[np.float64], sizes: npt.NDArray[np.int32],
               threshold: float, take: int) -> list[list[int]]:
    """Per form, up to ``take`` name numbers, best first: by bound (capped at 1: the loose bounds of joined
    and similar tokens can pass it), then by the share of equal tokens, then shorter names (``sizes``: tokens
    per name), then lower numbers. ``total``: each name's weight. A name credited nothing, or whose bound is
    under ``threshold`` (when above 0), is left out.

    Forms are ranked ``ENTRIES`` credited names at a time (at least one form), so that a batch of queries made
    of common words does not need arrays of millions of entries."""
    out: list[list[int]] = []
    group: list[Credits] = []
    entries = 0
    for f in forms:
        n = sum(map(len, f.parts))
        if group and entries + n > ENTRIES:
            out += _ranked(group, total, sizes, threshold, take)
            group, entries = [], 0
        group.append(f)
        entries += n
    return out + _ranked(group, total, sizes, threshold, take) if group else out


def _ranked(forms: Sequence[Credits], total: npt.NDArray[np.float64], sizes: npt.NDArray[np.int32],
            threshold: float, take: int) -> list[list[int]]:
    """:func:`shortlists` of a group of forms, all at once. Only the (form, name) pairs whose bound passes
    are looked at after the bounds are summed (with a threshold, a few hundred of a batch's ~100,000)."""
    parts = list(chain.from_iterable(f.parts for f in forms))
    if not parts:
        return [[] for _ in forms]
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    names = np.concatenate(parts)
    owner = np.repeat(np.repeat(np.arange(len(forms), dtype=np.int64),
                                np.fromiter((len(f.parts) for f in forms), dtype=np.int64, count=len(forms))),
                      lengths)  # each entry's form
    key = owner * len(total) + names  # (form, name) as one number
    order = np.argsort(key, kind="stable")  # each pair's credits stay in the order credited
    key = key[order]
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    pair = np.cumsum(first.astype(np.intp)) - 1  # (a bool cumsum casting as it goes is ~10x slower)
    bound = np.bincount(pair, weights=np.repeat(_values(forms, "credit", len(parts)), lengths)[order])
    row = key[first] // len(total)  # (numpy's divmod is ~10x slower than // and -)
    name = key[first] - row * len(total)
    denominator = np.array([f.weight for f in forms], dtype=np.float64)[row] + total[name]
    bound = bound / denominator  # (bincount adds each pair's values in input order)
    keep = bound != 0
    if threshold > 0:
        keep &= bound >= threshold - 1e-9
    kept = np.flatnonzero(keep)
    mine = keep[pair]  # the entries of the pairs kept
    equal = np.bincount(pair[mine], weights=np.repeat(_values(forms, "equal", len(parts)), lengths)[order[mine]],
                        minlength=len(bound))[kept]
    row, name, bound, denominator = row[kept], name[kept], bound[kept], denominator[kept]
    ranked = np.lexsort((name, sizes[name], -equal / denominator, -np.minimum(bound, 1.0), row))
    out: list[list[int]] = [[] for _ in forms]
    for r, n in zip(row[ranked].tolist(), name[ranked].tolist(), strict=True):
        if len(out[r]) < take:
            out[r].append(n)
    return out


def _values(forms: Sequence[Credits], field: str, count: int) -> npt.NDArray[np.float64]:
    """The ``field`` values ("credit" or "equal") of every form's lists, end to end."""
    return np.fromiter(chain.from_iterable(getattr(f, field) for f in forms), dtype=np.float64, count=count)
