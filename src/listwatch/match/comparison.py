"""``compare(a, b)``: one name scored against another without an index, for an analyst checking a customer name
against one list entry, or for pairwise evaluation sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CompareError", "Comparison", "compare"]


class CompareError(ValueError):
    """A side of a comparison has nothing to match on (empty, or only punctuation)."""


@dataclass(frozen=True)
class Comparison:
    """The score of name ``a`` against name ``b`` (0 to 1) and why (:func:`compare`)."""

    a: str
    b: str
    score: float
    explanation: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": self.score, "explanation": self.explanation}


def compare(a: str, b: str, *, person: bool | None = None) -> Comparison:
    """Score in [0, 1] that ``a`` and ``b`` name the same party, and why.

    ``person``: both name a person (True), neither does (False), or unknown (None: a name printed
    "FAMILY, Given" is taken for a person's).

    Two identical valid identifiers (ISIN, LEI, ...) score 1.0. Names are compared as in
    screening (:mod:`listwatch.match.score`) with static weights (generic words count less),
    each side also through its printed variants ("... Corp. (SMIC)" is also "SMIC").
    """
    # Imported here so that `import listwatch.match.normalize` (name lookups) stays light.
    from listwatch.match.index import identifier_keys  # noqa: PLC0415
    from listwatch.match.normalize import name_variants  # noqa: PLC0415
    from listwatch.match.score import Explanation, pair_weight, prepare, score_pair  # noqa: PLC0415

    ka, kb = identifier_keys(a), identifier_keys(b)
    if ka and ka == kb:
        return Comparison(a, b, 1.0, Explanation(identifier=ka[0]).as_dict())
    best: tuple[float, Explanation] | None = None
    for va in name_variants(a):
        for vb in name_variants(b):
            pa = prepare(va, query=True, person="," in va if person is None else person)
            pb = prepare(vb, query=True, person="," in vb if person is None else person)
            got = score_pair(pa, pb, pair_weight)
            if best is None or got[0] > best[0]:
                best = got
    if best is None:
        empty = [repr(x) for x in (a, b) if not name_variants(x)]
        raise CompareError(f"nothing to compare: {' and '.join(empty)} {'have' if len(empty) > 1 else 'has'} "
                           "no letters or digits to match on")
    return Comparison(a, b, round(best[0], 4), best[1].as_dict())
