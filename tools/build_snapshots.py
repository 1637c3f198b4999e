"""Build the bundled list snapshots in src/listwatch/snapshots/ from ../shared/data/real/.

Run once when a newer full copy of a list is available:

    python tools/build_snapshots.py [--shared ../shared]

For each source it copies the newest *full* copy (gzip, deterministic: no name or time in the header)
and writes ``manifest.json`` with its date and origin. For the SDN it also writes
``ofac-sdn/first-seen.csv.gz``: for every ent_num of the snapshot, the earliest dated copy of the
list that shows it in its current, unbroken run of presence - the 2021-07-07 full copy, then the
308 snapshots of the SDN history (a fetch every 6 h, committed when the file changed). That day is
an honest upper bound: the record was listed *on or before* it. It is not a listing date.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "listwatch" / "snapshots"
EASTERN = ZoneInfo("America/New_York")
ENT = re.compile(rb'^"?(\d+)"?,', re.MULTILINE)

# source -> (directory under data/real, the copy's date, files, origin note)
SNAPSHOTS = {
    "ofac-sdn": ("ofac-sdn-csv/2024-05-03", "2024-05-03", ["sdn.csv.gz"],
                 "OFAC SDN list, sdn.csv as fetched 2024-05-03 18:43 UTC (newest full copy; OFAC's alt/add/comments "
                 "files of that day were not kept, so this snapshot has no aliases or addresses)"),
    "ofac-cons": ("ofac-cons-csv/2025-12-19", "2025-12-19",
                  ["cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"],
                  "OFAC consolidated non-SDN list with its companion files, committed 2025-12-19"),
    "csl": ("csl/2022-05-16", "2022-05-16", ["consolidated.csv.gz"],
            "trade.gov Consolidated Screening List, full copy committed 2022-05-16 (the 2023 copy is partial)"),
}


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as fh:
        fh.write(data)
    return buf.getvalue()


def _read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def _ents(data: bytes) -> set[str]:
    return {m.decode() for m in ENT.findall(data)}


def first_seen(real: Path, current: set[str]) -> dict[str, dt.date]:
    """ent_num -> first day of its current unbroken run across the dated copies (see module doc)."""
    since: dict[str, dt.date] = dict.fromkeys(_ents(_read(real / "ofac-sdn-csv/2021-07-07/sdn.csv")),
                                              dt.date(2021, 7, 7))
    with tarfile.open(real / "ofac-sdn-history/sdn-history.tar.xz", "r|xz") as tf:
        for m in tf:
            stamp = re.search(r"(\d{4}-\d{2}-\d{2}T\d{6}Z)", m.name)
            fh = tf.extractfile(m)
            if not stamp or fh is None:
                continue
            fetched = dt.datetime.strptime(stamp.group(1), "%Y-%m-%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            day = fetched.astimezone(EASTERN).date()
            ents = _ents(fh.read())
            since = {e: since.get(e, day) for e in ents}
    return {e: since[e] for e in sorted(current, key=int) if e in since}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    real = args.shared / "data" / "real"
    manifest: dict[str, dict[str, object]] = {}
    for source, (sub, day, files, origin) in SNAPSHOTS.items():
        (OUT / source).mkdir(parents=True, exist_ok=True)
        out_files = []
        for name in files:
            data = _read(real / sub / name)
            target = name if name.endswith(".gz") else name + ".gz"
            (OUT / source / target).write_bytes(_gzip(data))
            out_files.append({"name": target, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        manifest[source] = {"as_of": day, "format": "csl" if source == "csl" else "ofac-csv",
                            "origin": f"{origin}; ../shared/data/real/{sub}", "files": out_files}
    current = _ents(_read(real / "ofac-sdn-csv/2024-05-03/sdn.csv.gz"))
    seen = first_seen(real, current)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ent_num", "on_or_before"])
    w.writerows([e, d.isoformat()] for e, d in seen.items())
    (OUT / "ofac-sdn" / "first-seen.csv.gz").write_bytes(_gzip(buf.getvalue().encode()))
    manifest["ofac-sdn"]["first_seen"] = {
        "file": "first-seen.csv.gz", "records": len(seen),
        "method": "earliest dated copy showing the record in its current unbroken run: the full copy of "
                  "2021-07-07, then the SDN history (308 snapshots 2021-08-18 .. 2024-05-03, US Eastern "
                  "fetch day); an upper bound on the listing date, not the listing date"}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {OUT}: " + ", ".join(f"{s} {m['as_of']}" for s, m in manifest.items())
          + f"; first-seen dates for {len(seen):,} SDN records")


if __name__ == "__main__":
    main()
