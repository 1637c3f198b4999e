"""Pairwise name matching on nomenklatura's name_bench pairs: AUC and best-threshold F1.

    python benchmarks/name_bench.py [CSV]

Scores every pair of ../shared/data/eval/external/nomenklatura-name-bench.csv with listwatch's
``compare`` (the row's schema says person or not), rapidfuzz WRatio and nomenklatura logic-v2 (if
installed), in the same run, and prints per scorer, overall and per schema group (persons,
organisations: Company / Organization / LegalEntity, other): the area under the ROC curve and the
best F1 over every threshold (chosen on the set itself, as upstream reports it), with the ratio to
the best anchor.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import EVAL
from rapidfuzz import fuzz, utils

from listwatch.match import compare

BENCH = EVAL / "external" / "nomenklatura-name-bench.csv"
GROUPS = {"Person": "persons", "Company": "organisations", "Organization": "organisations",
          "LegalEntity": "organisations"}

Pair = tuple[str, str, str, bool]  # schema, name1, name2, is_match


def load(path: Path = BENCH) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["schema"], r["name1"], r["name2"], r["is_match"].strip().lower() == "true")
                for r in csv.DictReader(fh)]


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random match outscores a random non-match (ties count half)."""
    pos = sorted(s for s, y in zip(scores, labels, strict=True) if y)
    neg = sorted(s for s, y in zip(scores, labels, strict=True) if not y)
    if not pos or not neg:
        return float("nan")
    import bisect  # noqa: PLC0415

    wins = sum(bisect.bisect_left(neg, p) + 0.5 * (bisect.bisect_right(neg, p) - bisect.bisect_left(neg, p))
               for p in pos)
    return wins / (len(pos) * len(neg))


def best_f1(scores: list[float], labels: list[bool]) -> tuple[float, float]:
    """(best F1, its threshold) over every distinct score as the threshold (score >= t is a match)."""
    best = (0.0, 1.0)
    npos = sum(labels)
    for t in sorted(set(scores)):
        tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= t and y)
        fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= t and not y)
        f1 = 2 * tp / (2 * tp + fp + (npos - tp)) if tp else 0.0
        best = max(best, (f1, t))
    return best


def scorers() -> dict[str, Callable[[Pair], float]]:
    out: dict[str, Callable[[Pair], float]] = {
        "listwatch": lambda p: compare(p[1], p[2], person=p[0] == "Person").score,
        "rapidfuzz WRatio": lambda p: fuzz.WRatio(p[1], p[2], processor=utils.default_process) / 100,
    }
    try:
        from followthemoney import model  # noqa: PLC0415
        from nomenklatura.matching import get_algorithm  # noqa: PLC0415
        from nomenklatura.matching.types import ScoringConfig  # noqa: PLC0415
    except ImportError:
        return out
    algo, config = get_algorithm("logic-v2"), ScoringConfig.defaults()
    count = iter(range(10**9))

    def logic_v2(p: Pair) -> float:
        n = next(count)
        a, b = model.make_entity(p[0]), model.make_entity(p[0])
        a.id, b.id = f"a{n}", f"b{n}"
        a.add("name", p[1])
        b.add("name", p[2])
        return float(algo.compare(a, b, config).score)

    out["nomenklatura logic-v2"] = logic_v2
    return out


def main(path: Path = BENCH) -> None:
    pairs = load(path)
    print(f"\n== name_bench: {len(pairs)} labelled pairs ({path.name}); best threshold chosen on the set")
    results: dict[str, list[float]] = {}
    for name, fn in scorers().items():
        t = time.perf_counter()
        results[name] = [fn(p) for p in pairs]
        print(f"   {name}: {len(pairs) / (time.perf_counter() - t):,.0f} pairs/s")
    groups = {"overall": [True] * len(pairs)}
    for g in ("persons", "organisations"):
        groups[g] = [GROUPS.get(p[0]) == g for p in pairs]
    print(f"{'scorer':24} {'group':14} {'n':>4} {'AUC':>6} {'best F1':>8} {'at':>5} {'F1/best anchor':>15}")
    for g, mask in groups.items():
        labels = [p[3] for p, m in zip(pairs, mask, strict=True) if m]
        rows = {}
        for name, scores in results.items():
            s = [x for x, m in zip(scores, mask, strict=True) if m]
            rows[name] = (auc(s, labels), *best_f1(s, labels))
        anchor = max((v[1] for k, v in rows.items() if k != "listwatch"), default=float("nan"))
        for name, (a, f1, t) in rows.items():
            print(f"{name:24} {g:14} {len(labels):>4} {a:>6.3f} {f1:>8.3f} {t:>5.2f} {f1 / anchor:>15.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH)
