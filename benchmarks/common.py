"""Shared loaders for the benchmarks: the real list files in ../shared/data/real as name documents."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from listwatch.ingest import csl, ofac_csv
from listwatch.ingest.records import SourceRecord
from listwatch.match.index import NameDoc

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("LISTWATCH_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
EVAL = REAL.parent / "eval"


def need_real() -> None:
    if not REAL.exists():
        sys.exit(f"the real list files are not at {REAL}: clone ../shared beside the repo")


def real_records() -> list[SourceRecord]:
    """OFAC SDN 2021-07-07 (with aliases), OFAC consolidated 2025-12-19, CSL 2022-05-16 minus its SDN rows."""
    need_real()
    recs = ofac_csv.parse_dir(REAL / "ofac-sdn-csv/2021-07-07")
    recs += ofac_csv.parse_dir(REAL / "ofac-cons-csv/2025-12-19")
    recs += [r for r in csl.parse(REAL / "csl/2022-05-16/consolidated.csv.gz") if "us-ofac-sdn" not in r.list_ids]
    return recs


def record_docs(recs: list[SourceRecord]) -> list[NameDoc]:
    docs = []
    for r in recs:
        ids = tuple(f"{i.scheme}:{i.value}@{i.exchange}" if i.exchange else f"{i.scheme}:{i.value}"
                    for i in r.identifiers)
        for n in (r.name, *r.aliases):
            docs.append(NameDoc(r.source_id, n, r.schema == "Person", (r.source_id,), ids))
    return docs


def start_server(env: dict[str, str], log: Path, timeout: float = 300) -> tuple[subprocess.Popen[bytes], str]:
    """``listwatch serve`` on a free loopback port with ``env`` added (no read keys), once ``/readyz`` says
    ready: (process, base URL). Exits naming the log when it does not get ready in time."""
    import httpx  # noqa: PLC0415 - only the server benchmarks need it

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    full = {**os.environ, **env}
    full.pop("LISTWATCH_READ_KEYS", None)
    proc = subprocess.Popen([sys.executable, "-m", "listwatch", "serve", "--port", str(port)], env=full,
                            stdout=subprocess.DEVNULL, stderr=log.open("a"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    sys.exit(f"server did not get ready: see {log}")
