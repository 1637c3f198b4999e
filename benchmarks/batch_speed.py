"""Batch screening in-process and the index build, per source tree, compared in the same run.

    LISTWATCH_HOME=... python benchmarks/batch_speed.py [--src DIR ...] [--repeat N]

For each source tree (``--src``; give a baseline commit's and a change's) one fresh process opens the store
``LISTWATCH_HOME`` points at (ingest the real files first, e.g. as ``whole_process.py`` does), builds the
screening index from scratch into an empty index directory (``build_index``: the cost the first screen after an
ingest pays), then screens the 2,010-row dev set with :func:`listwatch.batch.screen_rows` - what
``screen-file`` runs - on 1 and 2 workers. Wall and CPU seconds (user + system of the process and its
workers: steadier on a busy machine), names/s, and a digest of the answers: every tree and worker count must
give the same answers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from common import EVAL, ROOT

CHILD = r'''
import datetime as dt, hashlib, json, os, resource, sys, tempfile, time
from pathlib import Path

def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

def main():
    os.environ["LISTWATCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="lw-batch-index-")
    from listwatch import indexes
    from listwatch.batch import read_rows, screen_rows
    from listwatch.store.db import open_store
    out = {}
    st = open_store()
    w, c = time.perf_counter(), cpu()
    indexes.build_index(st)
    out["index build"] = (time.perf_counter() - w, cpu() - c)
    rows = list(read_rows(Path(sys.argv[1]), "query"))
    for workers in [int(x) for x in sys.argv[3].split(",")]:
        for _ in range(int(sys.argv[2])):
            w, c = time.perf_counter(), cpu()
            got = list(screen_rows(iter(rows), dt.date(2026, 1, 1), workers=workers))
            out[f"{workers} worker(s)"] = (time.perf_counter() - w, cpu() - c)
            out[f"digest {workers}"] = hashlib.sha256(json.dumps(got, sort_keys=True).encode()).hexdigest()[:16]
    out["rows"] = len(rows)
    print(json.dumps(out))

if __name__ == "__main__":
    main()
'''


def run(src: Path, repeat: int, workers: str) -> dict[str, object]:
    p = subprocess.run([sys.executable, "-c", CHILD, str(EVAL / "screening-dev.csv"), str(repeat), workers],
                       env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{src}: failed\n{p.stderr[-2000:]}")
    result: dict[str, object] = json.loads(p.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, action="append", help="source tree(s) (default: this one)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per worker count (the last is kept)")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    srcs = args.src or [ROOT / "src"]
    results = [(s, run(s, args.repeat, args.workers)) for s in srcs]
    keys = ["index build", *(f"{w} worker(s)" for w in args.workers.split(","))]
    print(f"{'measure (wall s / CPU s / names/s)':36}" + "".join(f"{str(s)[-30:]:>32}" for s, _ in results))
    for key in keys:
        cells = []
        for _, r in results:
            wall, cpu = r[key]  # type: ignore[misc]
            rate = f" / {int(r['rows']) / wall:,.0f}" if "worker" in key else ""  # type: ignore[call-overload]
            cells.append(f"{wall:.2f} / {cpu:.2f}{rate}")
        print(f"{key:36}" + "".join(f"{c:>32}" for c in cells))
    digests = {str(v) for _, r in results for k, v in r.items() if k.startswith("digest")}
    print(f"answers identical across trees and worker counts: {len(digests) == 1} ({', '.join(sorted(digests))})")
    if len(results) == 2:
        (_a, ra), (_b, rb) = results
        print("ratios second / first tree (lower is faster): wall, CPU")
        for key in keys:
            (wa, ca), (wb, cb) = ra[key], rb[key]  # type: ignore[misc]
            print(f"   {key:34} {wb / wa:6.2f} {cb / ca:6.2f}")


if __name__ == "__main__":
    main()
