"""Name normalisation and matching: normalise -> index (candidates) -> score (with explanation).

:func:`compare` scores one name against another without an index, for an analyst checking a customer name against
one list entry, or for pairwise evaluation sets. It lives in :mod:`listwatch.match.comparison` and is imported on
first use (PEP 562): every process that looks up a name imports this package, and most never compare.
"""

from __future__ import annotations

from listwatch.lazy import exports

__all__ = ["CompareError", "Comparison", "compare"]


__getattr__ = exports(__name__, dict.fromkeys(__all__, "listwatch.match.comparison"))
