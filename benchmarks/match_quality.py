"""Screening quality on a labelled query set, against baselines measured in the same run.

    python benchmarks/match_quality.py [CSV] [--threshold T] [--limit N] [--no-baseline]

CSV columns: query,expected_name,expected_source_id,kind (empty expected = must not match);
default: ../shared/data/eval/screening-dev.csv. Every query is screened against the real files
(OFAC SDN with aliases, OFAC consolidated, CSL minus its SDN rows) plus the bundled dataset, ingested
into a temporary store first as `listwatch ingest` would (entity resolution included; --records skips
that and indexes the raw records). A
query counts as found when the top hit at or above the threshold is the expected party: it holds the
expected record (the same OFAC record number printed by another file counts: a CSL row republishing
OFAC record 30939 is that record) or a name equal to the expected name up to case, punctuation and
spacing (the same party printed again by another list file); a hard negative is right when nothing
reaches the threshold.
Prints precision / recall / F1 overall and per kind at the chosen threshold, the best F1 over a
threshold sweep, the top misses and false positives, then the same for the rapidfuzz WRatio
full-scan baseline (and nomenklatura's logic-v2 if it is installed).
Then the pairwise section (benchmarks/name_bench.py): AUC and best-threshold F1 of ``compare`` on
nomenklatura's name_bench pairs, overall and for persons / organisations, beside rapidfuzz WRatio
and nomenklatura logic-v2 scoring the same pairs.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import name_bench
from common import EVAL, real_records, record_docs
from rapidfuzz import fuzz, process, utils

from listwatch.match.index import NameDoc, NameIndex
from listwatch.match.normalize import lookup_key
from listwatch.screen import DEFAULT_THRESHOLD, bundled_docs, entity_docs

Top = tuple[str, str, float, tuple[str, ...]] | None  # (ref, name, score, source ids) of the best hit


@dataclass
class Row:
    query: str
    expected_name: str
    expected_id: str
    kind: str


def load_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Row(r["query"], r["expected_name"], r["expected_source_id"], r["kind"]) for r in csv.DictReader(fh)]


def store_docs() -> list[NameDoc]:
    """What `listwatch screen` sees after ingesting the files: one entity per party, all its record ids."""
    import tempfile  # noqa: PLC0415

    from listwatch.ingest.apply import apply_version  # noqa: PLC0415
    from listwatch.ingest.records import SourceRecord  # noqa: PLC0415
    from listwatch.store.db import open_store  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/quality.db", snapshots=False)  # the three files, not the snapshots
        by_source: dict[str, list[SourceRecord]] = {}
        for r in real_records():
            by_source.setdefault(r.source_id.split(":")[0], []).append(r)
        for source, recs in by_source.items():
            apply_version(store, source, recs, [], f"quality-{source}")
        docs = entity_docs(store.entities(store.entity_ids()).values())
        store.engine.dispose()
    return docs


@dataclass
class Parties:
    """What each hit's ref stands for: its primary name, every name and every source record it holds."""

    primary: dict[str, str]
    keys: dict[str, set[str]]  # lookup keys of all its names, and its record ids ("record:30939" for any
    # OFAC or CSL copy of OFAC record 30939: a CSL row republishing an OFAC record is that record)


_RECORD = re.compile(r"^(?:ofac-sdn|ofac-cons|csl):(\d+)$")


def _id_keys(source_id: str) -> set[str]:
    m = _RECORD.match(source_id)
    return {source_id, f"record:{m.group(1)}"} if m else {source_id}


def parties(docs: list[NameDoc]) -> Parties:
    out = Parties({}, defaultdict(set))
    for d in docs:
        out.primary.setdefault(d.ref, d.name)
        out.keys[d.ref] |= {lookup_key(d.name), *(k for s in (d.ref, *d.source_ids) for k in _id_keys(s))}
    return out


def evaluate(rows: list[Row], tops: list[Top], threshold: float, known: Parties) -> dict[str, object]:
    tp = fp = fn = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses, false_pos = [], []
    for row, top in zip(rows, tops, strict=True):
        hit = top if top and top[2] >= threshold else None
        k = per[row.kind]
        if not row.expected_id and not row.expected_name:
            if hit:
                fp += 1
                k[1] += 1
                false_pos.append((row, hit))
            continue
        ok = hit is not None and (row.expected_id in (hit[0], *hit[3])
                                  or bool(_id_keys(row.expected_id) & known.keys[hit[0]])
                                  or lookup_key(row.expected_name) in known.keys[hit[0]])
        if ok:
            tp += 1
            k[0] += 1
        else:
            fn += 1
            k[2] += 1
            misses.append((row, hit))
            if hit:
                fp += 1
                k[1] += 1
                false_pos.append((row, hit))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "per": per, "misses": misses, "false_pos": false_pos}


def report(name: str, rows: list[Row], tops: list[Top], threshold: float, primary: Parties,
           seconds: float, show: int) -> None:
    res = evaluate(rows, tops, threshold, primary)
    print(f"\n== {name}: threshold {threshold:.2f}, {len(rows)} queries in {seconds:.1f} s "
          f"({len(rows) / seconds:.1f} q/s)")
    print(f"precision {res['precision']:.4f}  recall {res['recall']:.4f}  F1 {res['f1']:.4f}")
    print(f"{'kind':14} {'n':>5} {'recall':>7} {'fp':>4}")
    for kind, (tp, fp, fn) in sorted(res["per"].items()):  # type: ignore[attr-defined]
        n = tp + fn if kind != "hard_negative" else fp + sum(1 for r in rows if r.kind == kind) - fp
        rec = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{kind:14} {n:>5} {rec:>7.4f} {fp:>4}")
    best = max((evaluate(rows, tops, t / 100, primary)["f1"], t / 100) for t in range(50, 100))
    print(f"best F1 over thresholds 0.50-0.99: {best[0]:.4f} at {best[1]:.2f}")
    for title, items in (("top misses", res["misses"]), ("top false positives", res["false_pos"])):
        print(f"-- {title} ({len(items)}):")  # type: ignore[arg-type]
        for row, hit in items[:show]:  # type: ignore[index]
            got = f"{hit[1]!r} [{hit[0]}] {hit[2]:.3f}" if hit else "no hit"
            print(f"   [{row.kind}] {row.query!r} -> {got}; expected {row.expected_name!r}")


def run(fn: Callable[[str], Top], rows: list[Row]) -> tuple[list[Top], float]:
    t = time.perf_counter()
    tops = [fn(r.query) for r in rows]
    return tops, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="?", type=Path, default=EVAL / "screening-dev.csv")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--limit", type=int, default=0, help="only the first N queries")
    ap.add_argument("--show", type=int, default=15)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-name-bench", action="store_true", help="skip the pairwise name_bench section")
    ap.add_argument("--records", action="store_true",
                    help="index the parsed records as they are, without ingesting them into a store first "
                         "(no entity resolution: the same party in two files stays two)")
    args = ap.parse_args()
    rows = load_rows(args.csv)
    if args.limit:
        rows = rows[: args.limit]
    if args.records:
        docs = record_docs(real_records()) + bundled_docs()
    else:
        docs = store_docs()
    primary = parties(docs)
    t = time.perf_counter()
    index = NameIndex(docs)
    print(f"index: {len(index):,} names in {time.perf_counter() - t:.2f} s")

    def ours(q: str) -> Top:
        hits = index.search(q, limit=1)
        return (hits[0].ref, hits[0].name, hits[0].score, hits[0].source_ids) if hits else None

    tops, secs = run(ours, rows)
    report("listwatch", rows, tops, args.threshold, primary, secs, args.show)
    if not args.no_name_bench:
        name_bench.main()
    if args.no_baseline:
        return
    choices = [d.name for d in docs]

    def wratio(q: str) -> Top:
        best = process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process)
        if best is None:
            return None
        d = docs[best[2]]
        return (d.ref, d.name, best[1] / 100, d.source_ids)

    tops, secs = run(wratio, rows)
    report("baseline: rapidfuzz WRatio full scan", rows, tops, args.threshold, primary, secs, args.show)
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
        from nomenklatura.matching.types import ScoringConfig
    except ImportError:
        print("\n== nomenklatura: not installed (pip install nomenklatura to add its logic-v2 baseline)")
        return
    algo, config = get_algorithm("logic-v2"), ScoringConfig.defaults()
    counter = itertools.count()

    def logic_v2(q: str) -> Top:
        """nomenklatura logic-v2 re-ranking rapidfuzz WRatio's top 10 (as OpenSanctions' yente does)."""
        query = model.make_entity("LegalEntity")
        query.id = f"q{next(counter)}"  # nomenklatura caches per entity id: every query needs its own
        query.add("name", q)
        best: Top = None
        for _, _, i in process.extract(q, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=10):
            d = docs[i]
            cand = model.make_entity("Person" if d.person else "Organization")
            cand.id = f"c{i}"
            cand.add("name", d.name)
            score = algo.compare(query, cand, config).score
            if best is None or score > best[2]:
                best = (d.ref, d.name, score, d.source_ids)
        return best

    tops, secs = run(logic_v2, rows)
    report("baseline: nomenklatura logic-v2 on rapidfuzz's top 10", rows, tops, args.threshold, primary, secs,
           args.show)


if __name__ == "__main__":
    main()
