"""Name normalisation and matching: normalise -> index (candidates) -> score (with explanation).

``compare(a, b)`` scores one name against another without an index, for an analyst checking a
customer name against one list entry, or for pairwise evaluation sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    score: float
    explanation: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": self.score, "explanation": self.explanation}


def compare(a: str, b: str) -> Comparison:
    """Score in [0, 1] that ``a`` and ``b`` name the same party, and why.

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
            pa = prepare(va, query=True, person="," in va)
            pb = prepare(vb, query=True, person="," in vb)
            got = score_pair(pa, pb, pair_weight)
            if best is None or got[0] > best[0]:
                best = got
    assert best is not None
    return Comparison(a, b, round(best[0], 4), best[1].as_dict())
