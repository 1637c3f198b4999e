"""Name normalisation and matching: normalise -> index (candidates) -> score (with explanation).

:func:`compare` scores one name against another without an index, for an analyst checking a customer name against
one list entry, or for pairwise evaluation sets. It lives in :mod:`listwatch.match.comparison` and is imported on
first use (PEP 562): every process that looks up a name imports this package, and most never compare.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["CompareError", "Comparison", "compare"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("listwatch.match.comparison"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'listwatch.match' has no attribute {name!r}")
