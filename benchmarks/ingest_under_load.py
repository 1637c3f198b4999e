"""An ingest under screening load, and overload with shedding, on `listwatch serve` over loopback.

    python benchmarks/ingest_under_load.py [--rate 30] [--seconds 30] [--overload-clients 64]

Ingests CSL 2022-05-16 (the largest real file) into a fresh SQLite store (seeded as usual),
reporting the peak RSS of that ingest; starts `listwatch serve`; then
1. baseline: one client, sequential `GET /v1/screen` for a few seconds (p50/p99);
2. ingest under load: `--rate` requests/s for `--seconds` while `POST /v1/ingest` of OFAC's
   Enhanced XML lands (a new data version: the name index is rebuilt): requests lost (not 200),
   p50/p99, /readyz answers, the server's peak RSS;
3. overload: `--overload-clients` closed-loop clients for `--seconds`: p99 of the answered, and
   how many were shed (503).
Prints each p99 as a ratio to the baseline's. Loopback only; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from common import REAL, need_real, start_server

QUERIES = ["XIAOMI CORP-CLASS B", "Huawei Technologies", "Banco Nacional de Cuba", "Hikvision", "ROSNEFT",
           "China Mobile", "AEROCARIBBEAN AIRLINES", "Sberbank", "Acme Widgets Ltd", "Luokung Technology"]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drive(base: str, seconds: float, clients: int, rate: float | None) -> tuple[Counter[object], list[float]]:
    """``clients`` threads for ``seconds``; paced to ``rate`` requests/s in total, or closed-loop."""
    statuses: Counter[object] = Counter()
    lat: list[float] = []
    stop = time.monotonic() + seconds

    def one(k: int) -> None:
        gap = clients / rate if rate else 0.0
        nxt = time.monotonic()
        with httpx.Client(timeout=60) as c:
            i = k
            while time.monotonic() < stop:
                if gap:
                    nxt += gap
                    time.sleep(max(0.0, nxt - time.monotonic()))
                t0 = time.monotonic()
                try:
                    r = c.get(f"{base}/v1/screen", params={"q": QUERIES[i % len(QUERIES)], "limit": 5})
                    statuses[r.status_code] += 1
                    if r.status_code == 200:
                        lat.append(time.monotonic() - t0)
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                i += 1

    threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=30)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--overload-clients", type=int, default=64)
    args = ap.parse_args()
    need_real()
    tmp = Path(tempfile.mkdtemp(prefix="lw-load-"))
    url = f"sqlite:///{tmp / 'load.db'}"
    from listwatch.ingest import ingest  # noqa: PLC0415
    from listwatch.store.db import open_store  # noqa: PLC0415

    st = open_store(url)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.monotonic()
    ingest(st, "csl", [REAL / "csl/2022-05-16/consolidated.csv.gz"])
    print(f"ingest of csl/2022-05-16 (14,048 records): {time.monotonic() - t0:.1f} s; peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (was {before:.0f} MB)")
    admin = "bench-admin"
    server, base = start_server({"LISTWATCH_DATABASE_URL": url,
                                 "LISTWATCH_ADMIN_KEYS": "sha256:" + hashlib.sha256(admin.encode()).hexdigest()},
                                tmp / "server.log")
    try:
        _, base_lat = drive(base, 5, 1, None)
        b99 = pct(base_lat, 0.99)
        print(f"baseline, 1 client: {len(base_lat) / 5:.0f} req/s, p50 {pct(base_lat, 0.5):.1f} ms, p99 {b99:.1f} ms")
        ready: Counter[int] = Counter()
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                ready[httpx.get(f"{base}/readyz", timeout=60).status_code] += 1
                time.sleep(0.25)

        result: dict[str, object] = {}

        def post() -> None:
            time.sleep(3)
            xml = (REAL / "ofac-cons-xml/2025-01-10/CONS_ENHANCED.ZIP").read_bytes()
            t = time.monotonic()
            r = httpx.post(f"{base}/v1/ingest", params={"format": "ofac-xml", "filename": "CONS_ENHANCED.ZIP"},
                           content=xml, headers={"X-API-Key": admin}, timeout=600)
            result.update(status=r.status_code, seconds=time.monotonic() - t)

        helpers = [threading.Thread(target=probe), threading.Thread(target=post)]
        for h in helpers:
            h.start()
        statuses, lat = drive(base, args.seconds, 8, args.rate)
        helpers[1].join()
        done.set()
        helpers[0].join()
        lost = sum(n for k, n in statuses.items() if k != 200)
        print(f"ingest under load ({args.rate:g} req/s, {args.seconds:g} s): {sum(statuses.values())} requests, "
              f"{lost} lost {dict(statuses)}; p50 {pct(lat, 0.5):.1f} ms, p99 {pct(lat, 0.99):.1f} ms "
              f"({pct(lat, 0.99) / b99:.1f}x baseline); ingest {result}; /readyz {dict(ready)}; "
              f"server peak RSS {rss_peak_mb(server.pid):.0f} MB")
        statuses, lat = drive(base, args.seconds, args.overload_clients, None)
        answered = statuses.get(200, 0)
        print(f"overload, {args.overload_clients} closed-loop clients, {args.seconds:g} s: {answered / args.seconds:.0f} "
              f"answered/s, p99 {pct(lat, 0.99):.1f} ms ({pct(lat, 0.99) / b99:.1f}x baseline); shed (503) "
              f"{statuses.get(503, 0)} of {sum(statuses.values())}; other {dict(statuses)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
