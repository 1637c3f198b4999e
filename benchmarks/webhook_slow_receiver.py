"""A slow webhook receiver against `listwatch serve` over loopback: does anything wait for it?

    python benchmarks/webhook_slow_receiver.py [--hold 20] [--probes 20]

Starts `listwatch serve` on a fresh SQLite store, then
0. `POST /v1/ingest` of the BIS Denied Persons List of 2021-07-07 (not measured: the first load);
1. baseline (no webhook): `POST /v1/ingest` of the DPL of 2023-11-30, then `--probes` sequential
   `GET /healthz` (while the server builds the new index, as in 2);
2. with a webhook whose receiver holds each delivery open for `--hold` seconds: `POST /v1/ingest`
   of the DPL of 2021-07-07 again (the changes back, so a delivery is queued), then, while the
   receiver holds that delivery, the same `GET /healthz` probes.
Prints each figure with its ratio to the baseline, how many probes were answered while the delivery
was held, and how long after the receiver answered the outbox marked the delivery delivered.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from common import REAL, need_real, start_server

from listwatch import webhooks
from listwatch.store import outbox
from listwatch.store.db import open_store

ADMIN = "bench-admin-key"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HeldReceiver:
    def __init__(self, hold: float) -> None:
        self.arrived, self.answered = threading.Event(), threading.Event()
        self.answered_at = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                outer.arrived.set()
                time.sleep(hold)  # a slow receiver, as the campaign found one
                self.send_response(200)
                self.end_headers()
                outer.answered_at = time.monotonic()
                outer.answered.set()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def probes(base: str, n: int) -> list[float]:
    out = []
    with httpx.Client(timeout=120) as c:
        for _ in range(n):
            t0 = time.monotonic()
            assert c.get(f"{base}/healthz").status_code == 200
            out.append(time.monotonic() - t0)
    return out


def ingest(base: str, day: str) -> float:
    t0 = time.monotonic()
    r = httpx.post(f"{base}/v1/ingest", params={"format": "bis-dpl", "filename": "dpl.txt", "allow_shrink": "true"},
                   content=(REAL / "bis-dpl" / day / "dpl.txt").read_bytes(), headers={"X-API-Key": ADMIN},
                   timeout=600)
    r.raise_for_status()
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hold", type=float, default=20.0)
    ap.add_argument("--probes", type=int, default=20)
    a = ap.parse_args()
    need_real()
    os.environ["LISTWATCH_WEBHOOKS_ALLOW_PRIVATE"] = "1"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        url = f"sqlite:///{tmp / 'listwatch.db'}"
        st = open_store(url)
        server, base = start_server({"LISTWATCH_DATABASE_URL": url, "LISTWATCH_INDEX_DIR": str(tmp / "index"),
                                     "LISTWATCH_ADMIN_KEYS": f"sha256:{hashlib.sha256(ADMIN.encode()).hexdigest()}",
                                     "LISTWATCH_WEBHOOKS_TIMEOUT": str(a.hold + 30)}, tmp / "server.log")
        try:
            ingest(base, "2021-07-07")
            base_ingest = ingest(base, "2023-11-30")
            base_probes = probes(base, a.probes)
            receiver = HeldReceiver(a.hold)
            hook = webhooks.add(st, receiver.url)
            held_ingest = ingest(base, "2021-07-07")
            if not receiver.arrived.wait(120):
                sys.exit("the server's webhook worker never delivered")
            held_probes = probes(base, a.probes)
            during = receiver.answered.is_set()
            receiver.answered.wait(a.hold + 60)
            while not outbox.entries(st.engine, "delivered"):
                time.sleep(0.1)
            settled = time.monotonic() - receiver.answered_at
            print(f"receiver holds each delivery {a.hold:.0f} s; webhook {hook.id}")
            print(f"/healthz p50: baseline {pct(base_probes, .5):.1f} ms, while held {pct(held_probes, .5):.1f} ms "
                  f"(ratio {pct(held_probes, .5) / pct(base_probes, .5):.2f}); max {max(base_probes) * 1000:.1f} "
                  f"vs {max(held_probes) * 1000:.1f} ms")
            print(f"POST /v1/ingest (DPL): baseline {base_ingest:.2f} s, with the slow subscriber {held_ingest:.2f} s "
                  f"(ratio {held_ingest / base_ingest:.2f})")
            print(f"{a.probes} probes answered {'after' if during else 'while'} the receiver held the delivery; "
                  f"outbox marked it delivered {settled * 1000:.0f} ms after the receiver answered")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
