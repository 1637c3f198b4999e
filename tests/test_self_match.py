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
    by_count: dict[int, list[str]] = {}  # the same limit as one search per name: its party count + 10
    for name, refs in parties.items():
        by_count.setdefault(len(refs), []).append(name)
    for count, names in by_count.items():
        # search_many answers each name exactly as search does (test_match checks it), ranking the candidates
        # of many names together: about 1.5x less CPU over 56,000 names than one search call per name.
        for name, hits in zip(names, index.search_many(names, limit=count + 10, threshold=1.0), strict=True):
            refs = parties[name]
            if not refs <= {h.ref for h in hits if h.score == 1.0}:
                lost.append((name, sorted(refs - {h.ref for h in hits})[:3], [(h.name, h.score) for h in hits[:2]]))
    assert lost == []
