"""SDN history replay speed: `ingest ofac-history` (changed lines only, one transaction) against
the baseline of ingesting every snapshot as its own `sdn.csv` (whole parse and diff each time).

    python benchmarks/history_replay.py [--snapshots N]

Both runs start from an empty SQLite store and apply the first N snapshots of
../shared/data/real/ofac-sdn-history/sdn-history.tar.xz; prints seconds (wall and CPU) and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from listwatch.ingest import ingest
from listwatch.ingest.history import EASTERN, replay, snapshots
from listwatch.store.db import open_store

ARCHIVE = Path(__file__).resolve().parents[2] / "shared/data/real/ofac-sdn-history/sdn-history.tar.xz"


def _timed(label: str, fn: object) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    n = fn()  # type: ignore[operator]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {n} versions in {wall:.1f} s wall, {cpu:.1f} s CPU")
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshots", type=int, default=30)
    args = ap.parse_args()
    members = []
    for member, fetched, raw in snapshots(ARCHIVE):
        members.append((member, fetched, raw))
        if len(members) == args.snapshots:
            break
    last_day = members[-1][1].astimezone(EASTERN).date()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def baseline() -> int:
            st = open_store(f"sqlite:///{root / 'baseline.db'}")
            for k, (_, fetched, raw) in enumerate(members):
                f = root / f"{k}" / "sdn.csv"
                f.parent.mkdir()
                f.write_bytes(raw)
                ingest(st, "ofac-csv", [f], as_of=fetched.astimezone(EASTERN).date(), now=dt.datetime.now(dt.UTC))
            return len(members)

        def replayed() -> int:
            st = open_store(f"sqlite:///{root / 'replay.db'}")
            return len(replay(st, ARCHIVE, until=last_day))

        base = _timed("baseline: each snapshot ingested as its own sdn.csv", baseline)
        ours = _timed("ingest ofac-history (changed lines only, one transaction)", replayed)
        print(f"CPU ratio baseline / replay: {base / ours:.1f}x")


if __name__ == "__main__":
    main()
