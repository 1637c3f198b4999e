"""Peak memory of parsing list files as streams, against reading them whole, each in its own process.

    python benchmarks/ingest_memory.py [--mb 500] [--keep-records] [--ingest]

Inputs: the largest real list file in ../shared/data/real (by decompressed size), and a synthetic CSL
CSV of about ``--mb`` MB generated into a temporary directory at run time (never kept): the real
file's rows repeated with fresh ``_id`` s, each row's remarks padded to ~4 KB so the run ends in
minutes (fewer, wider records; the parser's cost per byte is what is measured).

Each measurement runs in a child process, which reports its peak RSS (``VmHWM``) and its growth over
the RSS it had once listwatch was imported (the peak is reset there: /proc/self/clear_refs):
- ``interpreter``: Python with listwatch imported, nothing read (the floor);
- ``whole`` (the baseline: what the previous parsers did first): the file read whole and decoded;
- ``stream``: the streaming parser, each record dropped once read (the parser's own memory);
- ``records`` (``--keep-records``): ``read_source``, the records kept in a list, as the applier needs
  them: memory proportional to the records (what they print), not to the file's bytes;
- ``ingest`` (``--ingest``, the real file only): a whole ``listwatch ingest`` into a fresh SQLite store.
Prints peak RSS, its growth over the imports, and that growth as a ratio to the baseline's.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REAL, need_real

CANDIDATES = {"csl": ["csl/*/*.csv.gz"], "ofac-csv": ["ofac-sdn-csv/*/sdn.csv*", "ofac-cons-csv/*/cons_prim.csv"],
              "ofac-xml": ["ofac-cons-xml/*/*.ZIP"], "bis-dpl": ["bis-dpl/*/dpl.txt"]}

CHILD = {
    "interpreter": "import listwatch.ingest",
    "whole": "from listwatch.ingest.records import read_bytes; read_bytes(p).decode('utf-8', 'replace')",
    "stream": "from listwatch.ingest import csl, ofac_csv, ofac_xml, bis_dpl\n"
              "it = {'csl': lambda: csl.iter_records(p), 'bis-dpl': lambda: bis_dpl.iter_records(p),\n"
              "      'ofac-xml': lambda: ofac_xml.iter_records(p)[1],\n"
              "      'ofac-csv': lambda: ofac_csv.iter_main(p, 'ofac-sdn')}[fmt]()\n"
              "n = sum(1 for _ in it)",
    "records": "from listwatch.ingest import read_source; n = sum(len(b.records) for b in read_source(fmt, [p]))",
    "ingest": "from listwatch.ingest import ingest; from listwatch.store.db import open_store\n"
              "ingest(open_store(os.environ['URL']), fmt, [p], allow_shrink=True)",
}


def decompressed_size(path: Path) -> int:
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as fh:
            return sum(len(c) for c in iter(lambda: fh.read(1 << 20), b""))
    return path.stat().st_size


def largest_real() -> tuple[str, Path]:
    found = [(decompressed_size(p), fmt, p) for fmt, globs in CANDIDATES.items() for g in globs for p in REAL.glob(g)]
    _, fmt, path = max(found)
    return fmt, path


def synthetic_csl(real: Path, out: Path, mb: int) -> int:
    """A CSL CSV of about ``mb`` MB from the real file's rows (fresh ``_id`` s, remarks padded); its row count."""
    with gzip.open(real, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = [r for r in reader if r.get("_id") != "_id"]
    pad = " ".join(["padding"] * 500)
    n = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields, extrasaction="ignore")
        w.writeheader()
        while fh.tell() < mb * 1_000_000:
            for r in rows:
                n += 1
                w.writerow({**r, "_id": f"synthetic-{n}", "remarks": f"{r.get('remarks') or ''} {pad}"})
                if n % 1000 == 0 and fh.tell() >= mb * 1_000_000:
                    break
    return n


PRELUDE = """import json, os, resource
from pathlib import Path
import listwatch.ingest, listwatch.store.db  # imports peak higher than small parses: start counting after them


def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":"))  # KiB


try:  # Linux: reset the peak (VmHWM) to the current RSS, so the peak measured is this mode's
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    floor = status("VmRSS")
except OSError:
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
REPORT = """
try:
    peak = status("VmHWM")
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"floor": floor, "peak": peak}))
"""


def measure(mode: str, fmt: str, path: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(RSS after imports, peak RSS, both in MB; seconds) of one child process running ``mode`` on ``path``.

    The peak is the child's own (``VmHWM``, reset after imports; ``ru_maxrss`` where that is not allowed)."""
    code = f"{PRELUDE}p = Path({str(path)!r}); fmt = {fmt!r}\n{CHILD[mode]}\n{REPORT}"
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    if proc.wait() != 0:
        sys.exit(f"{mode} on {path.name} failed (exit {proc.returncode})")
    doc = json.loads(out.strip().splitlines()[-1])
    return doc["floor"] / 1024, doc["peak"] / 1024, time.monotonic() - start


def report(label: str, fmt: str, path: Path, size: int, modes: list[str], env: dict[str, str]) -> None:
    print(f"\n{label}: {path.name} ({fmt}), {size / 1e6:,.1f} MB decompressed")
    results = {m: measure(m, fmt, path, env) for m in modes}
    base = results["whole"][1] - results["whole"][0]
    print(f"{'mode':<12} {'peak RSS MB':>12} {'growth MB':>10} {'vs whole':>9} {'seconds':>8}")
    for mode, (floor, peak, secs) in results.items():
        print(f"{mode:<12} {peak:>12,.1f} {peak - floor:>10,.1f} {(peak - floor) / base:>8.3f}x {secs:>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=500, help="size of the synthetic CSL file (MB)")
    ap.add_argument("--keep-records", action="store_true", help="also measure read_source (records kept)")
    ap.add_argument("--ingest", action="store_true", help="also measure a whole ingest of the real file")
    args = ap.parse_args()
    need_real()
    fmt, real = largest_real()
    modes = ["interpreter", "whole", "stream", *(["records"] if args.keep_records else [])]
    with tempfile.TemporaryDirectory(prefix="listwatch-memory-") as tmp:
        env = {**os.environ, "LISTWATCH_SNAPSHOTS": "0", "LISTWATCH_HOME": tmp,
               "URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        report("largest real file", fmt, real, decompressed_size(real),
               modes + (["ingest"] if args.ingest else []), env)
        if fmt != "csl":
            fmt, real = "csl", max(REAL.glob("csl/*/*.csv.gz"), key=decompressed_size)
        synth = Path(tmp) / "synthetic.csv"
        rows = synthetic_csl(real, synth, args.mb)
        print(f"\n(synthetic: {rows:,} rows of the real CSL, remarks padded)", end="")
        report("synthetic file", "csl", synth, synth.stat().st_size, modes, env)


if __name__ == "__main__":
    main()
