"""One holding -> the listed party it is, through the screening engine, identifiers first.

1. An ISIN, then a ticker (normalised per exchange: ``0941@HK`` == ``941@HK``, ``002415@SZ`` ->
   China A-shares, MIC codes such as ``XHKG``; :mod:`listwatch.match.tickers`) is looked up.
2. Otherwise the name is screened like ``listwatch screen`` does (security labels such as
   "CLASS B", legal forms, typos, Chinese script), keeping hits from :data:`REVIEW_THRESHOLD` up.

The outcome is ``matched`` (one party), ``review`` (several parties, or a best hit between
:data:`REVIEW_THRESHOLD` and :data:`MATCH_THRESHOLD`) or ``no_hit``. Hits within :data:`TIE` of the
best one compete; among them a name equal to the query (case and spacing aside) wins, and among
parties tied at the best score, the one whose matched name prints the query's legal form ("CNOOC LTD":
"CNOOC Limited", not the parent's short name "CNOOC"). Candidates
are one *party* when they share an entity, an identifier or an OFAC record number (a CSL row
republishing OFAC record 306 is OFAC record 306): the party then counts as listed when any of its
records is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from listwatch.affiliates import OwnershipRule, rule_for
from listwatch.match.index import ident_key
from listwatch.match.normalize import lookup_key
from listwatch.match.score import legal_forms_agree
from listwatch.match.tickers import split_ticker
from listwatch.model import Entity, Status
from listwatch.screen import DEFAULT_THRESHOLD, ScreenHit, screen
from listwatch.status import status
from listwatch.store.db import Store

__all__ = ["MATCH_THRESHOLD", "REVIEW_THRESHOLD", "TIE", "Candidate", "Related", "RowMatch", "decide", "match_holding",
           "parties"]

MATCH_THRESHOLD = DEFAULT_THRESHOLD  # as `screen`: at or above, a hit names the party
# Below REVIEW_THRESHOLD nothing is near any listed name; between the two a person must look. Measured on
# the screening dev set against the real SDN + CSL lists: 0.65 keeps every true match that 0.60 keeps
# (1,523 of 1,540) while sending 57 of 400 hard negatives to review instead of 98; 0.70 would lose two.
REVIEW_THRESHOLD = 0.65
TIE = 0.05  # hits this close to the best one are as likely
MAX_CANDIDATES = 5
_RECORD = re.compile(r"^(?:ofac-sdn|ofac-cons|csl):(\d+)$")

Outcome = Literal["matched", "review", "no_hit"]


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float
    matched_name: str
    status: Status

    @property
    def restricted(self) -> bool | None:
        return self.status.restricted


@dataclass(frozen=True)
class Related:
    relation: Literal["parent", "subsidiary"]
    entity: Entity
    lists: tuple[str, ...]  # lists it is on, in force, on the date
    rules: tuple[OwnershipRule, ...]


@dataclass(frozen=True)
class RowMatch:
    outcome: Outcome
    by: str | None  # isin, ticker, name
    chosen: Candidate | None  # the party's record that speaks for it (matched only)
    candidates: list[Candidate]
    related: list[Related]

    @property
    def restricted(self) -> bool | None:
        """True/False for a matched party; None for review, and for a holding whose parent is blocked
        under a rule that reaches what it owns (the ownership share is not known)."""
        if self.outcome == "no_hit":
            return False
        if self.chosen is None:
            return None
        own = self.chosen.restricted
        reaches = any(r.relation == "parent" and x.reaches_owned for r in self.related for x in r.rules)
        return None if own is False and reaches else own


def _party_keys(c: Candidate) -> set[str]:
    keys = {f"id:{c.entity.id}"} | {ident_key(i.label) for i in c.entity.identifiers}
    for n in c.entity.names:
        keys |= {f"record:{m.group(1)}" for s in n.sources if (m := _RECORD.match(s))}
    return keys


def parties(cands: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped into parties (shared entity, identifier or OFAC record number), best first."""
    groups: list[tuple[set[str], list[Candidate]]] = []
    for c in cands:
        keys = _party_keys(c)
        joined = [g for g in groups if g[0] & keys]
        merged = (keys.union(*(g[0] for g in joined)), [x for g in joined for x in g[1]] + [c])
        groups = [g for g in groups if not any(g is j for j in joined)] + [merged]
    return sorted((g[1] for g in groups), key=lambda g: -max(c.score for c in g))


def _speaker(group: list[Candidate]) -> Candidate:
    """The record that speaks for a party: a listed one before an unknown one before a clear one."""
    rank = {True: 0, None: 1, False: 2}
    return min(group, key=lambda c: (rank[c.restricted], -c.score))


def _candidate(h: ScreenHit) -> Candidate:
    return Candidate(h.entity, h.score, h.matched_name, h.status)


def decide(query: str, cands: list[Candidate]) -> tuple[Outcome, Candidate | None, list[Candidate]]:
    """(outcome, the record speaking for the matched party, the candidates) from hits best first."""
    if not cands:
        return "no_hit", None, []
    best = cands[0].score
    if best < MATCH_THRESHOLD:
        return "review", None, cands[:MAX_CANDIDATES]
    close = [c for c in cands if c.score >= max(MATCH_THRESHOLD, best - TIE)]
    key = lookup_key(query)
    exact = [c for c in close if any(lookup_key(n.name) == key for n in c.entity.names)]
    if exact and len(parties(exact)) == 1:
        close = exact
    tied = [c for c in close if c.score >= best - 1e-9]
    if len(parties(tied)) > 1:  # "CNOOC LTD": "CNOOC Limited" and the parent's "CNOOC" both score 1.0
        agreeing = [c for c in tied if legal_forms_agree(query, c.matched_name)]
        if agreeing and len(parties(agreeing)) == 1:
            close = agreeing + [c for c in close if c.score < best - 1e-9]
    groups = parties(close)
    if len(groups) == 1:
        return "matched", _speaker(groups[0]), close
    return "review", None, close[:MAX_CANDIDATES]


def _by_identifier(store: Store, query: str, as_of: dt.date, known_at: dt.datetime | None) -> list[Candidate]:
    return [_candidate(h) for h in screen(query, as_of, 1.0, 20, store, known_at) if "identifier" in h.explanation]


def _bare_ticker(store: Store, symbol: str, as_of: dt.date, known_at: dt.datetime | None) -> list[Candidate]:
    """A ticker without an exchange: every entity with that ticker on any exchange."""
    by_id, _ = store.lookup(symbol, known_at)
    ents = store.entities(by_id, known_at)
    return [Candidate(e, 1.0, e.name, status(store, e, as_of, known_at)) for e in ents.values()
            if any(i.scheme == "ticker" and i.value.upper() == symbol.upper() for i in e.identifiers)]


def _related(store: Store, e: Entity, as_of: dt.date, known_at: dt.datetime | None) -> list[Related]:
    rel: list[tuple[Literal["parent", "subsidiary"], str]] = [("parent", e.parent)] if e.parent else []
    rel += [("subsidiary", c) for c in store.children(e.id)]
    ents = store.entities((i for _, i in rel), known_at)
    out = []
    for how, eid in rel:
        if eid not in ents:
            continue
        st = status(store, ents[eid], as_of, known_at)
        lists = tuple(dict.fromkeys(x.list_id for x in st.listings if x.in_force))
        if lists:
            out.append(Related(how, ents[eid], lists, tuple(rule_for(x) for x in lists)))
    return out


def match_holding(store: Store, name: str, isin: str, ticker: str, exchange: str, as_of: dt.date,
                  known_at: dt.datetime | None = None) -> RowMatch:
    """The party a holding is (identifiers first, then its name screened), with listed relatives."""
    tries: list[tuple[str, list[Candidate]]] = []
    if isin:
        tries.append(("isin", _by_identifier(store, isin, as_of, known_at)))
    if ticker:
        sym, exch = split_ticker(ticker)
        exch = exchange or exch
        found = _by_identifier(store, f"{sym}@{exch}", as_of, known_at) if exch else _bare_ticker(
            store, sym, as_of, known_at)
        tries.append(("ticker", found))
    for how, found in tries:
        if found:
            outcome, chosen, cands = decide("", found)
            return RowMatch(outcome, how, chosen, cands,
                            _related(store, chosen.entity, as_of, known_at) if chosen else [])
    if not name.strip():  # an identifier listwatch does not know, and no name to screen: not "clear"
        return RowMatch("review", None, None, [], [])
    hits = [_candidate(h) for h in screen(name, as_of, REVIEW_THRESHOLD, 10, store, known_at)]
    outcome, chosen, cands = decide(name, hits)
    return RowMatch(outcome, "name" if hits else None, chosen, cands,
                    _related(store, chosen.entity, as_of, known_at) if chosen else [])
