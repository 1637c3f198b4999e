"""Spark batch screening against ``screen-file`` on the same input, in the same run.

    python benchmarks/spark_screen.py [--rows N] [--home DIR] [--skip-ingest]

Builds a store with the real lists ingested (OFAC SDN 2021-07-07, consolidated 2025-12-19, CSL
2022-05-16) in DIR (default: a temporary directory), writes N realistic names (list names with
the noise custodians and typists add, plus company and person names on no list, about half and
half), then screens them with ``listwatch screen-file`` (all cores) and with ``spark-screen`` on
``local[1]`` and ``local[2]``. Prints rows/s for each, the ratios, and the peak memory of the
Spark executor side (the JVM and its Python workers, sampled from /proc).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import REAL, need_real

COMPANY = ["Blue", "Harbor", "Summit", "Golden", "River", "Pacific", "Northern", "Crescent", "Vertex", "Silver",
           "Maple", "Atlas", "Orion", "Cedar", "Falcon", "Granite", "Lotus", "Meridian", "Nova", "Pioneer"]
KIND = ["Trading", "Logistics", "Holdings", "Textiles", "Foods", "Software", "Shipping", "Mining", "Partners"]
FORM = ["Ltd", "LLC", "GmbH", "S.A.", "Co., Ltd.", "Inc", "PLC", "B.V."]
GIVEN = ["Maria", "James", "Wei", "Olga", "Ahmed", "Sofia", "Kenji", "Lucas", "Amara", "Ivan", "Chen", "Fatima"]
FAMILY = ["Lopez", "Smith", "Zhang", "Petrova", "Hassan", "Rossi", "Tanaka", "Silva", "Okafor", "Novak", "Li"]


def listed_names() -> list[str]:
    sys.path.insert(0, str(Path(__file__).parent))
    from common import real_records  # noqa: PLC0415

    return [n for r in real_records() for n in (r.name, *r.aliases)]


def noisy(rnd: random.Random, name: str) -> str:
    roll = rnd.random()
    if roll < 0.25:
        return name.upper()
    if roll < 0.45 and len(name) > 6:
        i = rnd.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1:]
    if roll < 0.6:
        return f"{name} - CLASS B"
    if roll < 0.75:
        return " ".join(reversed(name.split()))
    return name


def generate(n: int, path: Path) -> None:
    rnd = random.Random(17)
    names = listed_names()
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name"])
        for _ in range(n):
            roll = rnd.random()
            if roll < 0.5:
                w.writerow([noisy(rnd, rnd.choice(names))])
            elif roll < 0.75:
                w.writerow([f"{rnd.choice(COMPANY)} {rnd.choice(COMPANY)} {rnd.choice(KIND)} {rnd.choice(FORM)}"])
            else:
                w.writerow([f"{rnd.choice(GIVEN)} {rnd.choice(FAMILY)}"])


class PeakRss:
    """Samples the summed RSS of every process whose command line mentions one of ``needles``."""

    def __init__(self, needles: tuple[str, ...]) -> None:
        self.needles, self.peak, self._stop = needles, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            total = 0
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    if any(s in cmd for s in self.needles):
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--skip-ingest", action="store_true", help="the store in --home already has the lists")
    args = ap.parse_args()
    need_real()
    home = args.home or Path(tempfile.mkdtemp(prefix="lw-spark-bench-"))
    env = {**os.environ, "LISTWATCH_HOME": str(home), "LISTWATCH_DATABASE_URL": "", "SPARK_LOCAL_IP": "127.0.0.1",
           "LISTWATCH_SNAPSHOTS": "0"}  # the three real files below, not the bundled snapshots
    lw = [str(Path(sys.executable).with_name("listwatch"))]
    if not args.skip_ingest:
        for fmt, path in (("ofac-csv", REAL / "ofac-sdn-csv/2021-07-07"), ("ofac-csv", REAL / "ofac-cons-csv/2025-12-19"),
                          ("csl", REAL / "csl/2022-05-16/consolidated.csv.gz")):
            subprocess.run([*lw, "ingest", fmt, str(path)], env=env, check=True, stdout=subprocess.DEVNULL)
    src = home / "names.csv"
    generate(args.rows, src)
    index = home / "screen.index"
    subprocess.run([*lw, "spark-index", str(index)], env=env, check=True)
    print(f"{args.rows:,} rows; store and input in {home}; {os.cpu_count()} cores")

    took = run([*lw, "screen-file", str(src), "-o", str(home / "hits.csv"), "--as-of", "2024-01-01"], env)
    base = args.rows / took
    print(f"screen-file (all cores)   {took:8.1f} s  {base:9,.0f} rows/s  (baseline)")
    for master in ("local[1]", "local[2]"):
        with PeakRss(("org.apache.spark", "pyspark.daemon", "pyspark/daemon", "pyspark.worker")) as mem:
            took = run([*lw, "spark-screen", str(src), str(home / f"out-{master[6]}"), "--as-of", "2024-01-01",
                        "--master", master, "--index", str(index)], env)
        rate = args.rows / took
        print(f"spark-screen {master:<12} {took:8.1f} s  {rate:9,.0f} rows/s  {rate / base:5.2f}x screen-file  "
              f"peak executor-side memory {mem.peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
