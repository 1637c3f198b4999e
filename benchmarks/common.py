"""Shared loaders for the benchmarks: the real list files in ../shared/data/real as name documents."""

from __future__ import annotations

import os
import sys
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
