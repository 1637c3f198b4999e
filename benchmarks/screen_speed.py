"""Screening speed on the full real lists, against a rapidfuzz full-scan baseline in the same run.

    python benchmarks/screen_speed.py [--queries N] [--baseline-queries M] [--workers W]
    python benchmarks/screen_speed.py --whole-process [--src DIR ...] [--repeat R] [--ingest-only]

(The second form times the CLI as separate processes; see ``whole_process.py``.)

Loads OFAC SDN 2021-07-07 (with aliases), OFAC consolidated 2025-12-19 and the whole CSL
2022-05-16 with listwatch's own parsers plus the bundled dataset, builds the index (time and
memory), then screens N real-looking queries (the dev-set queries, and list names with one
random edit, reordered tokens or a security suffix): queries/s single-threaded with p50/p99
latency, batch names/s on W processes, and the rapidfuzz WRatio full scan (extractOne over
every name) on M of the same queries. Prints the ratios.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import multiprocessing as mp
import random
import resource
import statistics
import time
from pathlib import Path

import whole_process
from common import EVAL, ROOT, real_records, record_docs
from rapidfuzz import fuzz, process, utils

from listwatch.ingest import csl
from listwatch.match.index import Hit, NameDoc, NameIndex
from listwatch.screen import DEFAULT_THRESHOLD, bundled_docs

SUFFIXES = [" - CLASS B", " ADR", " SHARES", " ORD", " Co., Ltd.", " LIMITED"]


def all_docs() -> list[NameDoc]:
    from common import REAL  # noqa: PLC0415

    recs = [r for r in real_records() if not r.source_id.startswith("csl:")]
    recs += csl.parse(REAL / "csl/2022-05-16/consolidated.csv.gz")  # the whole CSL, its SDN rows included
    return record_docs(recs) + bundled_docs()


def make_queries(docs: list[NameDoc], n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    with (EVAL / "screening-dev.csv").open(encoding="utf-8") as fh:
        qs = [r["query"] for r in csv.DictReader(fh)]
    while len(qs) < n:
        name = rnd.choice(docs).name
        kind = rnd.randrange(3)
        if kind == 0 and len(name) > 6:
            i = rnd.randrange(len(name))
            name = name[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + name[i + 1:]
        elif kind == 1:
            toks = name.split()
            rnd.shuffle(toks)
            name = " ".join(toks)
        else:
            name += rnd.choice(SUFFIXES)
        qs.append(name)
    rnd.shuffle(qs)
    return qs[:n]


_INDEX: NameIndex | None = None  # the parent's, inherited by the forked workers


def _chunk(qs: list[str]) -> tuple[int, float]:
    """Screen ``qs`` in a worker: (how many, the worker's CPU seconds for them)."""
    assert _INDEX is not None
    cpu = time.process_time()
    _search_all(_INDEX, qs)
    return len(qs), time.process_time() - cpu


def _search_all(index: NameIndex, qs: list[str]) -> list[list[Hit]]:
    """A batch's answers, searched together (``search_many``; one by one in a tree that predates it)."""
    if hasattr(index, "search_many"):
        return index.search_many(qs, limit=5, threshold=DEFAULT_THRESHOLD)
    return [index.search(q, limit=5, threshold=DEFAULT_THRESHOLD) for q in qs]


def digest(index: NameIndex, queries: list[str], batch: bool = False) -> str:
    """A digest of every answer (hits, scores, explanations): a speed change must not change one."""
    h = hashlib.sha256()
    answers = _search_all(index, queries) if batch else [index.search(q, limit=5, threshold=DEFAULT_THRESHOLD)
                                                         for q in queries]
    for hits in answers:
        h.update(json.dumps([(x.ref, x.name, x.score, x.explanation.as_dict(), x.source_ids) for x in hits]).encode())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=20_000)
    ap.add_argument("--baseline-queries", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--whole-process", action="store_true", help="time the CLI as a user runs it")
    ap.add_argument("--src", type=Path, action="append", help="source tree(s) to time (default: this one)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per whole-process timing (median)")
    ap.add_argument("--ingest-only", action="store_true", help="with --whole-process: only the first open and the "
                    "ingests, then the same ingests into an empty store")
    args = ap.parse_args()
    if args.whole_process:
        whole_process.main(args.src or [ROOT / "src"], args.repeat, args.ingest_only)
        return

    docs = all_docs()
    print(f"names: {len(docs):,} (records and aliases of SDN + consolidated + CSL, plus the bundled data)")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    index = NameIndex(docs)
    build = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"index build: {build:.2f} s; process max RSS {rss1 / 1024:.0f} MiB "
          f"(+{(rss1 - rss0) / 1024:.0f} MiB while building)")

    queries = make_queries(docs, args.queries)
    for q in queries[:50]:  # warm caches (pinyin tables, rigour patterns)
        index.search(q)
    lat = []
    t0, cpu0 = time.perf_counter(), time.process_time()
    for q in queries:
        t = time.perf_counter()
        index.search(q, limit=5, threshold=DEFAULT_THRESHOLD)
        lat.append(time.perf_counter() - t)
    single, cpu = len(queries) / (time.perf_counter() - t0), time.process_time() - cpu0
    q50, q99 = statistics.quantiles(lat, n=100)[49] * 1000, statistics.quantiles(lat, n=100)[98] * 1000
    print(f"single-threaded: {single:,.0f} queries/s; latency p50 {q50:.2f} ms, p99 {q99:.2f} ms, "
          f"max {max(lat) * 1000:.1f} ms ({len(queries):,} queries); CPU {cpu * 1000 / len(queries):.3f} ms/query")

    global _INDEX  # noqa: PLW0603 - the workers are forked from here and use this one, warm
    _INDEX = index
    chunks = [queries[i:i + 100] for i in range(0, len(queries), 100)]
    gc.freeze()  # as screen-file does: the inherited heap stays out of the workers' collections
    with mp.get_context("fork").Pool(args.workers) as pool:
        pool.map(_chunk, [[]] * args.workers)  # the workers are up
        t = time.perf_counter()
        parts = pool.map(_chunk, chunks, chunksize=1)
        wall = time.perf_counter() - t
    done, cpu = sum(n for n, _ in parts), sum(c for _, c in parts)
    batch = done / wall
    print(f"batch on {args.workers} processes: {batch:,.0f} names/s ({wall:.2f} s wall; workers' CPU "
          f"{cpu * 1000 / done:.3f} ms/query, {done / cpu * args.workers:,.0f} names/s if each had a core)")
    print(f"answers digest: {digest(index, queries)} one by one, {digest(index, queries, batch=True)} in batches "
          f"({len(queries):,} queries: the two must be equal)")

    choices = [d.name for d in docs]
    sample = queries[: args.baseline_queries]
    t = time.perf_counter()
    for q in sample:
        process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process)
    base = len(sample) / (time.perf_counter() - t)
    print(f"baseline rapidfuzz WRatio full scan: {base:,.1f} queries/s ({len(sample)} queries)")
    print(f"ratio single-threaded / baseline: {single / base:,.0f}x; batch / baseline: {batch / base:,.0f}x")


if __name__ == "__main__":
    main()
