"""Choosing LISTWATCH_MAX_QUEUE: p99 at 4x the knee, for several queue depths, against no shedding.

    python benchmarks/shed_sweep.py [--seconds 15] [--queues 2 4 8 16 64]

Store: the bundled data plus CSL 2022-05-16 (the largest real file), SQLite. `listwatch serve` on a
loopback port, `GET /v1/screen` with the queries of ingest_under_load.py:
1. the knee, with shedding off: closed-loop clients 1, 2, 4, 8; the knee is the fewest clients
   reaching 90% of the best throughput; its p99 is the baseline;
2. 4x the knee: requests paced at 4x the knee's throughput (twice as many clients as needed, so a
   slow answer does not slow the offered load), once with shedding off (the named baseline) and once
   per ``--queues`` depth: answered/s, p50/p99 of the answered, shed (503), p99 as a ratio to the
   knee's. Loopback only; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from common import REAL, need_real, start_server
from ingest_under_load import drive, pct

OFF = 1_000_000  # a queue depth never reached: no shedding


def serve(url: str, depth: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    return start_server({"LISTWATCH_DATABASE_URL": url, "LISTWATCH_MAX_QUEUE": str(depth)}, log)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--queues", type=int, nargs="+", default=[2, 4, 8, 16, 64])
    args = ap.parse_args()
    need_real()
    tmp = Path(tempfile.mkdtemp(prefix="lw-shed-"))
    url = f"sqlite:///{tmp / 'shed.db'}"
    from listwatch.ingest import ingest  # noqa: PLC0415
    from listwatch.store.db import open_store  # noqa: PLC0415

    ingest(open_store(url), "csl", [REAL / "csl/2022-05-16/consolidated.csv.gz"])
    log = tmp / "server.log"
    proc, base = serve(url, OFF, log)
    try:
        knee: list[tuple[int, float, float]] = []
        for clients in (1, 2, 4, 8):
            statuses, lat = drive(base, args.seconds, clients, None)
            knee.append((clients, statuses.get(200, 0) / args.seconds, pct(lat, 0.99)))
            print(f"knee search, {clients} clients: {knee[-1][1]:.1f} req/s, p50 {pct(lat, 0.5):.0f} ms, "
                  f"p99 {knee[-1][2]:.0f} ms")
        best = max(rate for _, rate, _ in knee)
        clients, rate, k99 = next(k for k in knee if k[1] >= 0.9 * best)
        print(f"knee: {clients} clients, {rate:.1f} req/s, p99 {k99:.0f} ms (the baseline)")
    finally:
        stop(proc)
    offered = 4 * rate
    threads = max(2, round(2 * 4 * clients))
    print(f"\n4x the knee: {offered:.1f} req/s offered by {threads} paced clients, {args.seconds:g} s per depth")
    print(f"{'max queue':>10} {'answered/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'p99/knee':>9} {'shed':>6} {'other':>6}")
    for depth in [OFF, *args.queues]:
        proc, base = serve(url, depth, log)
        try:
            statuses, lat = drive(base, args.seconds, threads, offered)
        finally:
            stop(proc)
        other = sum(n for k, n in statuses.items() if k not in (200, 503))
        print(f"{'off' if depth == OFF else depth:>10} {statuses.get(200, 0) / args.seconds:>11.1f} "
              f"{pct(lat, 0.5):>8.0f} {pct(lat, 0.99):>8.0f} {pct(lat, 0.99) / k99:>8.1f}x "
              f"{statuses.get(503, 0):>6} {other:>6}")


if __name__ == "__main__":
    main()
