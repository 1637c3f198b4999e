"""How alike two written tokens are, in [0, 1], continuously (no cliff at a cut-off).

* equal: 1;
* a typo: optimal-string-alignment similarity (rapidfuzz) when it is at least ``FUZZY_MIN`` on
  tokens of 4+ letters (one edit, a transposition counting as one, in a 5-letter token);
* a transliteration variant: tokens of 4+ letters with the same Metaphone key (rigour's, called in its
  compiled core: the public ``rigour.text`` imports normality and charset detection, ~0.1 s of a
  single screen's start; ``rigour.text.metaphone`` is only a cache over the same function) score at
  least ``PHONETIC`` ("husayn" / "hussein", "schulze" / "scholz", "muhammad" / "mohammed");
* anything else is weak evidence: below ``FUZZY_MIN`` the likeness falls quadratically from
  ``FUZZY_MIN`` to 0 at ``FLOOR``, so "tom" / "tim" counts a little, "acme" / "widget" nothing, and the pair score stays
  continuous (a threshold can be tuned and ROC curves mean something);
* an initial: for person names, one letter against a word it begins ("V." / "Vladimir") scores
  ``INITIAL``.

Digits must be equal ("2004-1" is not "2004-2").
"""

from __future__ import annotations

import functools
import re

from rapidfuzz.distance import OSA

try:
    from rigour._core import metaphone
except ImportError:  # a rigour release laid out otherwise (pyproject allows any 2.x): the public, slower import
    from rigour.text import metaphone

__all__ = ["FUZZY_MIN", "INITIAL", "PHONETIC", "is_strong", "likeness"]

FUZZY_MIN = 0.8
FUZZY_MIN_LEN = 4
PHONETIC = 0.85
INITIAL = 0.8
FLOOR = 0.5
_DIGIT = re.compile(r"[0-9]")


@functools.lru_cache(maxsize=65536)
def _phonetic(token: str) -> str:
    return metaphone(token) if len(token) >= FUZZY_MIN_LEN and token.isalpha() else ""


def likeness(a: str, b: str, *, person: bool = False) -> float:
    """Similarity of two folded tokens (see the module docstring)."""
    if a == b:
        return 1.0
    if not (a.isalpha() and b.isalpha()) and (_DIGIT.search(a) or _DIGIT.search(b)):
        return 0.0
    if person and (len(a) == 1) != (len(b) == 1):
        return INITIAL if a[0] == b[0] else 0.0
    sim = float(OSA.normalized_similarity(a, b))
    short = min(len(a), len(b)) < FUZZY_MIN_LEN
    if sim >= FUZZY_MIN - 1e-9 and not short:
        return sim
    if not short and (pa := _phonetic(a)) and len(pa) >= 3 and pa == _phonetic(b):
        return max(PHONETIC, min(sim, FUZZY_MIN))
    if sim <= FLOOR:
        return 0.0
    return FUZZY_MIN * (min(sim, FUZZY_MIN) - FLOOR) ** 2 / (FUZZY_MIN - FLOOR) ** 2


def is_strong(sim: float) -> bool:
    """A likeness that is evidence on its own (a typo, a variant, an initial), not a weak resemblance."""
    return sim >= FUZZY_MIN - 1e-9
