"""Every primary name and alias of the real list files finds its own party first at score 1.0.

One index over the records as the parsers read them (OFAC SDN 2021-07-07 with aliases, OFAC
consolidated 2025-12-19, the whole CSL 2022-05-16), no store. Each distinct printed name is screened
at threshold 1.0, the strictest pruning (a candidate whose upper bound is under 1.0 is never scored):
found there, it is found at any lower threshold too. When several parties print the same name
they tie at 1.0 and each must be among the tied hits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from listwatch.ingest import csl, ofac_csv
from listwatch.match.index import NameDoc, NameIndex


@pytest.fixture(scope="module")
def real_docs(shared: Path) -> list[NameDoc]:
    real = shared / "data/real"
    recs = ofac_csv.parse_dir(real / "ofac-sdn-csv/2021-07-07") + ofac_csv.parse_dir(real / "ofac-cons-csv/2025-12-19")
    recs += csl.parse(real / "csl/2022-05-16/consolidated.csv.gz")
    return [NameDoc(r.source_id, n, r.schema == "Person") for r in recs for n in (r.name, *r.aliases)]


def test_every_listed_name_and_alias_finds_itself_first_at_one(real_docs: list[NameDoc]) -> None:
    index = NameIndex(real_docs)
    parties: dict[str, set[str]] = {}
    for d in real_docs:
        parties.setdefault(d.name, set()).add(d.ref)
    assert len(parties) > 30_000
    lost = []
    for name, refs in parties.items():
        hits = index.search(name, limit=len(refs) + 10, threshold=1.0)
        if not refs <= {h.ref for h in hits if h.score == 1.0}:
            lost.append((name, sorted(refs - {h.ref for h in hits})[:3], [(h.name, h.score) for h in hits[:2]]))
    assert lost == []
