"""Where an ingest's CPU goes, phase by phase: the three real files into an empty store, per source tree.

    python benchmarks/ingest_phases.py [--src DIR ...] [--repeat N]

For each source tree (``--src``, default this checkout's ``src``; give two to compare a baseline and a change in
the same run, alternating) a fresh ``LISTWATCH_HOME`` is created without the bundled snapshots
(``LISTWATCH_SNAPSHOTS=0``: every record is new, as in ``screen_speed.py --whole-process --ingest-only``'s
"empty store"), and OFAC SDN 2021-07-07, OFAC consolidated 2025-12-19 and CSL 2022-05-16 are ingested, each in
its own process, as ``listwatch ingest`` does; with ``--one-command``, also all three in one process (one
``listwatch ingest ofac-csv SDN --as-of D1 ofac-csv CONS --as-of D2 csl CSL --as-of D3``) into another empty store,
for a tree whose ingest takes several formats. That process times, in CPU seconds (user + system):

- ``imports``: listwatch's CLI and ingest modules, then followthemoney (imported by the cleaning of properties);
- ``parse``: reading the file into records (followthemoney's cleaning of their properties included);
- ``apply``, split into ``facts`` (what entity resolution reads), ``resolve``, ``diff``, ``snapshot`` (packing the
  version's records), ``rows->params`` (bind values converted for the driver), ``sql`` (the driver's
  ``executemany``) and the rest (building rows and events);
- ``commit``; and ``process`` is the whole process as the parent measured it (interpreter start and exit included).

The split wraps a few functions by name; a tree that lacks one reports 0 for it. Medians over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from common import REAL, ROOT

FILES = (("SDN 2021-07-07", "ofac-csv", REAL / "ofac-sdn-csv/2021-07-07", "2021-07-07"),
         ("consolidated 2025-12-19", "ofac-csv", REAL / "ofac-cons-csv/2025-12-19", "2025-12-19"),
         ("CSL 2022-05-16", "csl", REAL / "csl/2022-05-16/consolidated.csv.gz", "2022-05-16"))
ONE = "one command"  # the three files in one process
PHASES = ("imports", "parse", "facts", "resolve", "diff", "snapshot", "rows->params", "sql", "apply rest", "commit",
          "process")

CHILD = textwrap.dedent('''\
    import datetime as dt, functools, json, resource, sys
    from pathlib import Path
    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    T = {}
    t0 = cpu()
    import listwatch.cli
    from listwatch import ingest
    from listwatch.ingest.props import import_followthemoney
    import_followthemoney()
    T["imports"] = cpu() - t0
    def wrap(owner, name, label):
        f = getattr(owner, name, None)
        if f is None:
            return
        @functools.wraps(f)
        def timed(*a, **k):
            t = cpu()
            try:
                return f(*a, **k)
            finally:
                T[label] = T.get(label, 0.0) + cpu() - t
        setattr(owner, name, timed)
    from listwatch.ingest import apply
    from listwatch.store import writer
    from sqlalchemy.engine import Connection
    wrap(writer.Writer, "facts", "facts")
    wrap(apply, "_resolve_new", "resolve")
    wrap(apply, "diff", "diff")
    wrap(apply, "pack_records", "snapshot")
    wrap(writer, "bulk", "bulk")
    wrap(Connection, "exec_driver_sql", "sql")
    wrap(ingest, "apply_version", "apply")
    wrap(ingest, "read_source", "parse")
    groups = [(a[0], [Path(a[1])], dt.date.fromisoformat(a[2])) for a in zip(*[iter(sys.argv[1:])] * 3)]
    st = listwatch.cli.store()
    t = cpu()
    if len(groups) == 1:
        ingest.ingest(st, *groups[0], allow_shrink=True)
    else:  # the files in one call, as `listwatch ingest ofac-csv A --as-of D1 csl B --as-of D2` makes it
        ingest.ingest_groups(st, groups, allow_shrink=True)
    total = cpu() - t
    T["rows->params"] = T.pop("bulk", 0.0) - T.get("sql", 0.0)
    T["apply rest"] = T.get("apply", 0.0) - sum(T.get(k, 0.0) for k in ("facts", "resolve", "diff", "snapshot",
                                                                          "rows->params", "sql"))
    T["commit"] = total - T.get("parse", 0.0) - T.pop("apply", 0.0)
    print(json.dumps(T))
''')


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_tree(src: Path, work: Path, one_command: bool = False) -> dict[str, dict[str, float]]:
    """One empty store, the three files: {file label: {phase: CPU seconds}}; ``one_command``: also the three in
    one process, into a second empty store ({"one command": ...}; left out for a tree without ingest_groups)."""
    home = Path(tempfile.mkdtemp(prefix="lw-phases-", dir=work))
    env = {**os.environ, "LISTWATCH_HOME": str(home), "PYTHONPATH": str(src), "LISTWATCH_SNAPSHOTS": "0"}
    env.pop("LISTWATCH_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # time an installed package's bytecode, not compiling
    subprocess.run([sys.executable, "-m", "listwatch", "lists"], env=env, check=True, capture_output=True)
    script = work / "phases_child.py"
    script.write_text(CHILD, encoding="utf-8")
    runs = [(label, env, [fmt, str(path), day]) for label, fmt, path, day in FILES]
    if one_command and (src / "listwatch/ingest/__init__.py").read_text(encoding="utf-8").count("def ingest_groups"):
        other = {**env, "LISTWATCH_HOME": str(home) + "-one"}
        shutil.copytree(home, other["LISTWATCH_HOME"])
        runs.append((ONE, other, [a for _label, fmt, path, day in FILES for a in (fmt, str(path), day)]))
    out: dict[str, dict[str, float]] = {}
    for label, run_env, args in runs:
        c = _children_cpu()
        p = subprocess.run([sys.executable, str(script), *args], env=run_env, check=False, capture_output=True,
                           text=True)
        if p.returncode != 0:
            raise SystemExit(f"{src}: {label} failed:\n{p.stderr[-2000:]}")
        phases = {k: float(v) for k, v in __import__("json").loads(p.stdout.splitlines()[-1]).items()}
        phases["process"] = _children_cpu() - c
        out[label] = phases
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", action="append", type=Path, help="a source tree's src folder (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one-command", action="store_true", help="also the three files in one process (one "
                    "`listwatch ingest` of several formats), into another empty store")
    args = ap.parse_args()
    srcs: list[Path] = args.src or [ROOT / "src"]
    runs: dict[Path, list[dict[str, dict[str, float]]]] = {s: [] for s in srcs}
    with tempfile.TemporaryDirectory(prefix="lw-phases-") as tmp:
        for _ in range(args.repeat):
            for s in srcs:  # alternating, so a busy spell of the machine hits every tree alike
                runs[s].append(run_tree(s, Path(tmp), args.one_command))
    labels = [label for label, *_ in FILES]
    med = {s: {label: {ph: statistics.median(r[label].get(ph, 0.0) if label in r else float("nan") for r in rs)
                       for ph in PHASES} for label in [*labels, ONE]} for s, rs in runs.items()}
    print(f"CPU seconds (user + system), median of {args.repeat} run(s), empty store (LISTWATCH_SNAPSHOTS=0)")
    for s in srcs:
        print(f"-- {s}")
        print(f"{'phase':14}" + "".join(f"{label[:22]:>24}" for label in labels) + f"{'all three':>12}"
              + (f"{ONE:>14}" if args.one_command else ""))
        for ph in PHASES:
            vals = [med[s][label][ph] for label in labels]
            print(f"{ph:14}" + "".join(f"{v:>24.3f}" for v in vals) + f"{sum(vals):>12.3f}"
                  + (f"{med[s][ONE][ph]:>14.3f}" if args.one_command else ""))
    if len(srcs) == 2:
        a, b = srcs
        print("ratios second / first tree (lower is faster), per phase over the three files")
        for ph in PHASES:
            ta = sum(med[a][label][ph] for label, *_ in FILES)
            tb = sum(med[b][label][ph] for label, *_ in FILES)
            print(f"   {ph:14} {ta:8.3f} {tb:8.3f} {tb / ta if ta else float('nan'):6.2f}")


if __name__ == "__main__":
    main()
