"""Whole-process timings: the ``listwatch`` command as a user runs it, beside a rapidfuzz script.

    python benchmarks/screen_speed.py --whole-process [--src DIR ...] [--repeat N] [--ingest-only]

For each source tree (``--src``, default this checkout's ``src``; give two to compare a baseline
commit and a change in the same run) a fresh ``LISTWATCH_HOME`` is created and the CLI is timed,
wall clock, as a separate process: ``--help``; the first open (create, migrate, seed); ingest of
OFAC SDN 2021-07-07, OFAC consolidated 2025-12-19 and CSL 2022-05-16 (each file in its own command, and in
total; with ``--ingest-only`` also the three in one command, where the tree's ``listwatch ingest`` takes several
formats, into a copy of the same store);
``status``, a single ``screen`` (first call after the ingest, then warm), and ``screen-file`` of
the 2,010-row dev set on 1 and 2 workers. The baseline is a ~20-line rapidfuzz script that reads
the same three files with the csv module and scans every name once per query (WRatio extractOne):
its whole-process time for one query, and its full-scan rate over the first 100 dev queries.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import EVAL, REAL, ROOT

RAPIDFUZZ_SCRIPT = textwrap.dedent('''\
    import csv, gzip, sys, time
    from rapidfuzz import fuzz, process, utils
    real, queries = sys.argv[1], sys.argv[2:]
    names = []
    for path in (f"{real}/ofac-sdn-csv/2021-07-07/sdn.csv", f"{real}/ofac-sdn-csv/2021-07-07/alt.csv",
                 f"{real}/ofac-cons-csv/2025-12-19/cons_prim.csv", f"{real}/ofac-cons-csv/2025-12-19/cons_alt.csv"):
        with open(path, encoding="latin-1", newline="") as fh:
            names += [row[1 if "prim" in path or "sdn.csv" in path else 3] for row in csv.reader(fh) if len(row) > 3]
    with gzip.open(f"{real}/csl/2022-05-16/consolidated.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names.append(row["name"])
            names += [a for a in row["alt_names"].split(";") if a.strip()]
    choices = [utils.default_process(n) for n in names]
    t = time.perf_counter()
    for q in queries:
        best = process.extractOne(utils.default_process(q), choices, scorer=fuzz.WRatio, processor=None)
    dt = time.perf_counter() - t
    print(f"{len(names)} names; {len(queries)} queries scanned in {dt:.3f} s: {len(queries) / dt:.2f} queries/s; best {best}")
''')


CPU: dict[str, float] = {}  # measure -> CPU seconds (user + system) of the timed process and its children


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    t, c = time.perf_counter(), _cpu()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t
    CPU["last"] = _cpu() - c
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return took, p.stdout + p.stderr


def _median(cmd: list[str], env: dict[str, str], cwd: Path, repeat: int) -> float:
    runs = [(_run(cmd, env, cwd)[0], CPU["last"]) for _ in range(repeat)]
    CPU["last"] = statistics.median(c for _, c in runs)
    return statistics.median(w for w, _ in runs)


class _Timings(dict[str, float]):
    """Wall seconds per measure; the CPU seconds of the run just recorded are kept beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[str, float] = {}

    def __setitem__(self, key: str, value: float) -> None:
        super().__setitem__(key, value)
        if "names/s" not in key:
            self.cpu[key] = CPU["last"]


def _dev_queries(n: int) -> list[str]:
    import csv  # noqa: PLC0415

    with (EVAL / "screening-dev.csv").open(encoding="utf-8") as fh:
        return [r["query"] for r in csv.DictReader(fh)][:n]


FILES = (("SDN 2021-07-07", "ofac-csv", REAL / "ofac-sdn-csv/2021-07-07", "2021-07-07"),
         ("consolidated 2025-12-19", "ofac-csv", REAL / "ofac-cons-csv/2025-12-19", "2025-12-19"),
         ("CSL 2022-05-16", "csl", REAL / "csl/2022-05-16/consolidated.csv.gz", "2022-05-16"))


def _ingest(lw: list[str], env: dict[str, str], work: Path, r: _Timings, tag: str = "") -> None:
    """Time the ingest of the three real files, each and in total, into the store ``env`` points at."""
    files = [(label, [fmt, str(path), "--as-of", day]) for label, fmt, path, day in FILES]
    if "--allow-shrink" in _run([*lw, "ingest", "--help"], env, work)[1]:
        # the bundled data already holds some SDN records; this benchmark times loading these files as given
        files = [(label, [*args, "--allow-shrink"]) for label, args in files]
    total = cpu = 0.0
    for label, args in files:
        took = _run([*lw, "ingest", *args], env, work)[0]
        r[f"ingest {label}{tag}"] = took
        total, cpu = total + took, cpu + CPU["last"]
    CPU["last"] = cpu
    r[f"ingest total{tag}"] = total


def _ingest_one_command(lw: list[str], env: dict[str, str], work: Path, r: _Timings, tag: str = "") -> None:
    """Time the same three files in one command (``listwatch ingest ofac-csv SDN --as-of D1 ofac-csv CONS --as-of D2
    csl CSL --as-of D3``: one process, one transaction); NaN for a tree whose ``ingest`` takes one format only."""
    key = f"ingest, one command{tag}"
    if "[FORMAT PATH...]" not in _run([*lw, "ingest", "--help"], env, work)[1]:
        CPU["last"] = float("nan")
        r[key] = float("nan")
        return
    args = [a for _label, fmt, path, day in FILES for a in (fmt, str(path), "--as-of", day)]
    r[key] = _run([*lw, "ingest", *args, "--allow-shrink"], env, work)[0]


def run_tree(src: Path, repeat: int, work: Path, ingest_only: bool = False) -> _Timings:
    """Every timing for one source tree, in seconds (screen-file rates in names/s).

    ``ingest_only``: the first open and the ingests, then the same ingests into an empty store (no bundled
    snapshots: every record is new, nothing is skipped as already held)."""
    home = Path(tempfile.mkdtemp(prefix="lw-home-", dir=work))
    env = {**os.environ, "LISTWATCH_HOME": str(home), "PYTHONPATH": str(src)}
    env.pop("LISTWATCH_DATABASE_URL", None)
    env.pop("LISTWATCH_SNAPSHOTS", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode: time that, not compiling
    lw = [sys.executable, "-m", "listwatch"]
    r = _Timings()
    r["--help"] = _median([*lw, "--help"], env, work, repeat)
    r["first open (create + seed)"] = _run([*lw, "lists"], env, work)[0]
    if ingest_only:  # a copy of the seeded store, for the one-command ingest
        shutil.copytree(home, home.with_name(home.name + "-one"))
    _ingest(lw, env, work, r)
    if ingest_only:
        _ingest_one_command(lw, {**env, "LISTWATCH_HOME": str(home.with_name(home.name + "-one"))}, work, r)
        empty = {**env, "LISTWATCH_HOME": tempfile.mkdtemp(prefix="lw-empty-", dir=work), "LISTWATCH_SNAPSHOTS": "0"}
        r["first open, no snapshots"] = _run([*lw, "lists"], empty, work)[0]
        one = {**empty, "LISTWATCH_HOME": empty["LISTWATCH_HOME"] + "-one"}
        shutil.copytree(empty["LISTWATCH_HOME"], one["LISTWATCH_HOME"])
        _ingest(lw, empty, work, r, " (empty store)")
        _ingest_one_command(lw, one, work, r, " (empty store)")
        return r
    r["screen Xiaomi (first after ingest)"] = _run([*lw, "screen", "Xiaomi"], env, work)[0]
    r["screen Xiaomi"] = _median([*lw, "screen", "Xiaomi"], env, work, repeat)
    r["status Xiaomi"] = _median([*lw, "status", "Xiaomi", "--as-of", "2021-01-14"], env, work, repeat)
    rows = sum(1 for _ in (EVAL / "screening-dev.csv").open(encoding="utf-8")) - 1
    for w in (1, 2):
        took = _median([*lw, "screen-file", str(EVAL / "screening-dev.csv"), "--column", "query", "-o",
                        str(home / "hits.csv"), "--workers", str(w)], env, work, repeat)
        r[f"screen-file {rows} rows, {w} worker(s)"] = took
        r[f"screen-file names/s, {w} worker(s)"] = rows / took
    return r


def main(srcs: list[Path], repeat: int, ingest_only: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        work = Path(tmp)
        script = work / "rapidfuzz_scan.py"
        script.write_text(RAPIDFUZZ_SCRIPT, encoding="utf-8")
        env = {**os.environ}
        one = _median([sys.executable, str(script), str(REAL), "Xiaomi"], env, work, repeat)
        one_cpu = CPU["last"]
        qs = _dev_queries(100)
        _took, text = _run([sys.executable, str(script), str(REAL), *qs], env, work)
        rate = float(text.split(" queries/s")[0].rsplit(" ", 1)[1])
        print(f"baseline rapidfuzz script: one query as a whole process {one:.3f} s ({one_cpu:.3f} s CPU); full scan {rate:.2f} queries/s "
              f"({text.split(';')[0]})")
        results = [(src, run_tree(src, repeat, work, ingest_only)) for src in srcs]
    print(f"{'measure':42}" + "".join(f"{str(s)[-28:]:>30}" for s, _ in results))
    for key in results[0][1]:
        print(f"{key:42}" + "".join(f"{r[key]:>30.3f}" for _, r in results))
    print("CPU seconds (user + system, the process and its children: steadier than wall time on a busy machine)")
    for key in results[0][1].cpu:
        print(f"{key:42}" + "".join(f"{r.cpu[key]:>30.3f}" for _, r in results))
    for src, r in results:
        print(f"-- {src}")
        if ingest_only:
            print(f"   ingest of the three files: {r['ingest total']:.1f} s, {r.cpu['ingest total']:.1f} s CPU; into an "
                  f"empty store {r['ingest total (empty store)']:.1f} s, {r.cpu['ingest total (empty store)']:.1f} s "
                  "CPU (target < 10 s)")
            print(f"   the same in one command: {r['ingest, one command']:.1f} s, {r.cpu['ingest, one command']:.1f} s "
                  f"CPU; into an empty store {r['ingest, one command (empty store)']:.1f} s, "
                  f"{r.cpu['ingest, one command (empty store)']:.1f} s CPU")
            continue
        print(f"   one screen / rapidfuzz one query: {r['screen Xiaomi'] / one:.2f}x the time, "
              f"{r.cpu['screen Xiaomi'] / one_cpu:.2f}x the CPU "
              f"(target <= 1); --help {r['--help']:.2f} s, status {r['status Xiaomi']:.2f} s (target <= 0.25)")
        for w in (1, 2):
            per = r[f"screen-file names/s, {w} worker(s)"]
            print(f"   screen-file on {w} worker(s): {per:,.1f} names/s = {per / rate:.1f}x the rapidfuzz full-scan "
                  f"rate (target >= 20x)")
        print(f"   ingest of the three files: {r['ingest total']:.1f} s (target < 10 s)")
    if len(results) == 2:
        (_a, ra), (_b, rb) = results
        print("ratios second / first tree (lower is faster): wall, CPU")
        for key in ra.cpu:
            print(f"   {key:42} {rb[key] / ra[key]:6.2f} {rb.cpu[key] / max(ra.cpu[key], 1e-9):6.2f}")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [ROOT / "src"], 1)
