"""What a byte-identical screening replay costs: `screen --known-at T` after names were learned since T,
against the baseline of screening now (the persisted index) in the same run.

    python benchmarks/replay_screen.py [--queries N]

Store: the bundled dataset and the bundled list snapshots (OFAC SDN and consolidated, CSL - the real
lists as shipped), a fresh SQLite file. T is taken, then one FtM record adds an alias, so the names in
force at T differ from the current ones and a replay needs an index over the names of T. Prints the
seconds of the first replay (it builds that index), of later replays (kept), of screening now, and the
ratios; and checks each replayed answer equals the one given at T.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

from listwatch.examples import __file__ as examples_init
from listwatch.ingest import ingest
from listwatch.screen import screen
from listwatch.store.db import open_store

DAY = dt.date(2022, 6, 1)


def _queries(n: int) -> list[str]:
    with (Path(examples_init).parent / "customers.csv").open(encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f)]
    return (names * (n // len(names) + 1))[:n]


def _answers(st: object, queries: list[str], known: dt.datetime | None) -> tuple[float, list[str]]:
    start = time.perf_counter()
    out = [json.dumps([h.as_json() for h in screen(q, DAY, store=st, known_at=known)])  # type: ignore[arg-type]
           for q in queries]
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=20)
    args = ap.parse_args()
    queries = _queries(args.queries)
    os.environ["LISTWATCH_SNAPSHOTS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LISTWATCH_INDEX_DIR"] = str(Path(tmp) / "index")
        started = time.perf_counter()
        st = open_store(f"sqlite:///{Path(tmp) / 'replay.db'}")
        print(f"store with the bundled snapshots: {time.perf_counter() - started:.1f} s")
        _answers(st, queries[:1], None)  # the current index, built and written once
        t = dt.datetime.now(dt.UTC)
        _, given = _answers(st, queries, t)
        feed = Path(tmp) / "alias.ftm.json"
        feed.write_text(json.dumps({"id": "bench-alias", "schema": "Company", "properties": {
            "name": ["XIAOMI BENCHMARK ALIAS"], "isinCode": ["KYG9830T1067"]}}) + "\n", encoding="utf-8")
        ingest(st, "ftm", [feed])
        _answers(st, queries[:1], None)  # the new current index, built once
        now, _ = _answers(st, queries, None)
        first, replayed = _answers(st, queries, t)
        again, _ = _answers(st, queries, t)
        same = sum(a == b for a, b in zip(given, replayed, strict=True))
        print(f"{len(queries)} queries: now (baseline) {now:.2f} s; replay first {first:.2f} s "
              f"({first / now:.1f}x, builds the index of T); replay again {again:.2f} s ({again / now:.1f}x)")
        print(f"replayed answers equal to the answers given at T: {same} of {len(queries)}")


if __name__ == "__main__":
    main()
