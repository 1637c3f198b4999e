"""Primary or secondary: what kind of source a citation is.

A *primary* source is the legal text or the official record itself: a Federal Register document
(``85 FR 83416``, ``FR Doc 2024-30018``), an executive order, a statute or regulation (``Pub. L.``, ``CFR``), a release
or list PDF of DoD (on defense.gov, or a DoD release cited by title and date where its address
was not found), an OFAC FAQ, general license or list file, a BIS or trade.gov list or
page, a court docket entry or opinion, a filing with the SEC. Anything else (law-firm alerts, news,
blogs, OpenSanctions' transcriptions) is *secondary*. A ``verified`` fact needs at least one primary
source; a fact seen only in secondary sources is ``reported`` (``listwatch data check`` enforces it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from listwatch.model import Confidence, Event, Source

__all__ = ["cites_primary", "counts", "is_primary"]

_PRIMARY = re.compile(
    r"\b\d{2,3} FR \d+|\bExecutive Order\b|\bEO \d{5}\b|\bPub\. L\.|\bCFR\b|defense\.gov|treasury\.gov"
    r"|\bOFAC (?:FAQs? \d+|General License|consolidated|Specially Designated)|bis\.doc\.gov|trade\.gov"
    r"|govinfo\.gov|federalregister\.gov|\bFR Doc\b|\(D\.D\.C\.\)|\bECF \d+|sec\.gov/Archives|^DoD release\b",
)
_SECONDARY_FIRST = re.compile(r"as recorded in the OpenSanctions|OpenSanctions transcription")


def is_primary(source: Source) -> bool:
    """Whether a source is the official text or record (see module doc)."""
    if _SECONDARY_FIRST.search(source.citation):
        return False
    return bool(_PRIMARY.search(source.citation))


def cites_primary(ev: Event, sources: Mapping[str, Source]) -> bool:
    return any(is_primary(sources[s]) for s in ev.sources if s in sources)


def counts(events: Iterable[Event], sources: Mapping[str, Source]) -> dict[str, int]:
    """Events citing a primary source, citing only secondary ones, and marked ``reported``."""
    out = {"primary": 0, "secondary_only": 0, "reported": 0, "verified_without_primary": 0}
    for ev in events:
        primary = cites_primary(ev, sources)
        out["primary" if primary else "secondary_only"] += 1
        if ev.confidence is Confidence.REPORTED:
            out["reported"] += 1
        elif not primary:
            out["verified_without_primary"] += 1
    return out
