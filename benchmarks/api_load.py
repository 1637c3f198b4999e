"""Load on `listwatch serve` over loopback, with the full real lists ingested.

    python benchmarks/api_load.py [--seconds 60] [--concurrency 1 8 32 64] [--workers 2] [--db URL]

Ingests OFAC SDN 2021-07-07, OFAC consolidated 2025-12-19 and CSL 2022-05-16 into a fresh store
(SQLite unless --db names one), starts `listwatch serve` on a free loopback port, then drives
`GET /v1/screen` with real-looking names (the dev-set queries) using `wrk` (Debian's package) at
each concurrency for the given seconds, and prints requests/s, p50/p99 latency and error counts.
A final run at 4x the highest concurrency checks that overload degrades latency, not correctness.
Loopback only; every run is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import EVAL, REAL, need_real

LUA = """
local paths = {}
for line in io.lines("%(queries)s") do paths[#paths + 1] = "/v1/screen?limit=5&q=" .. line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"seconds\\": %%f, \\"p50_ms\\": %%f, \\"p99_ms\\": %%f, "
    .. "\\"non2xx\\": %%d, \\"socket_errors\\": %%d}\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    need_real()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="listwatch-load-"))
    env = {**os.environ, "LISTWATCH_DATABASE_URL": args.db or f"sqlite:///{tmp / 'load.db'}"}
    lw = [sys.executable, "-m", "listwatch"]
    t = time.perf_counter()
    for fmt, path in (("ofac-csv", REAL / "ofac-sdn-csv/2021-07-07"), ("ofac-csv", REAL / "ofac-cons-csv/2025-12-19"),
                      ("csl", REAL / "csl/2022-05-16/consolidated.csv.gz")):
        subprocess.run([*lw, "ingest", fmt, str(path)], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"ingested the full real lists in {time.perf_counter() - t:.1f} s")

    with (EVAL / "screening-dev.csv").open(encoding="utf-8") as fh:
        queries = [urllib.parse.quote(r["query"]) for r in csv.DictReader(fh)]
    qfile = tmp / "queries.txt"
    qfile.write_text("\n".join(queries) + "\n", encoding="utf-8")
    script = tmp / "screen.lua"
    script.write_text(LUA % {"queries": qfile}, encoding="utf-8")

    port = free_port()
    server = subprocess.Popen([*lw, "serve", "--port", str(port), "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/v1/screen?q=warm+up", timeout=30).read()  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for _ in range(args.workers * 4):  # every worker builds its index before measuring
            urllib.request.urlopen(f"{base}/v1/screen?q=Xiaomi", timeout=60).read()  # noqa: S310
        print(f"server: {args.workers} workers on {base}; {len(queries)} distinct queries; "
              f"{args.seconds} s per level")
        print(f"{'concurrency':>11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'socket err':>10}")
        for c in [*args.concurrency, 4 * max(args.concurrency)]:
            out = subprocess.run(["wrk", "-t", str(min(c, 2)), "-c", str(c), "-d", f"{args.seconds}s",
                                  "--timeout", "10s", "-s", str(script), base], capture_output=True, text=True,
                                 check=True, timeout=args.seconds + 60).stdout
            m = re.search(r"JSON (\{.*\})", out)
            if not m:
                print(out)
                continue
            r = json.loads(m.group(1))
            label = f"{c}" + (" (4x)" if c == 4 * max(args.concurrency) else "")
            print(f"{label:>11} {r['requests'] / r['seconds']:>9,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
                  f"{r['non2xx']:>8} {r['socket_errors']:>10}")
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
