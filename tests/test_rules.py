"""The rules as law, on synthetic listings (no bundled data), like OpenFisca's YAML scenario tests.

Each case reads: "a company listed on LIST on DAY has, on AS_OF, these effects in force" - the
rules of :mod:`listwatch.regimes` applied to one listing period, with the repeal EO 14032 declares.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from listwatch.model import Confidence, Event, EventType
from listwatch.regimes import REPEALS
from listwatch.status import EffectSpan, Period, effect_spans
from tests.conftest import D

T = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
P, H, X, B = ("securities_purchase_prohibited", "securities_holding_prohibited", "export_license_required",
              "assets_blocked")


def _period(list_id: str, listed: str, until: str | None = None) -> Period:
    ev = Event("k", list_id, EventType.LISTED, D(listed), T, ("s",), Confidence.VERIFIED, entity_id="e")
    end = Event("k2", list_id, EventType.DELISTED, D(until), T, ("s",), Confidence.VERIFIED, entity_id="e") \
        if until else None
    return Period(list_id, D(listed), ev, D(until) if until else None, end)


def _in_force(spans: list[EffectSpan], day: dt.date) -> dict[str, str]:
    return {s.rule.effect.value: s.rule.authority for s in spans if s.in_force_on(day)}


# list, listed on, as of, effects in force {kind: authority}
CASES = [
    # EO 13959 Annex (listed before 2020-11-12): ban from 2021-01-11; EO 13974 holding ban 2021-11-11 never comes
    ("us-dod-1237", "2020-06-24", "2021-01-10", {}),
    ("us-dod-1237", "2020-06-24", "2021-01-11", {P: "EO 13959"}),
    ("us-dod-1237", "2020-06-24", "2021-06-02", {P: "EO 13959"}),
    ("us-dod-1237", "2020-06-24", "2021-06-03", {}),  # repealed by EO 14032 that day
    # later 1237 listing: listing + 60 days
    ("us-dod-1237", "2021-01-14", "2021-03-14", {}),
    ("us-dod-1237", "2021-01-14", "2021-03-15", {P: "EO 13959"}),
    # OFAC NS-CCMC subsidiary: listing + 60 days (FAQ 857), repealed 2021-06-03
    ("us-ofac-ns-ccmc", "2021-01-08", "2021-03-08", {}),
    ("us-ofac-ns-ccmc", "2021-01-08", "2021-03-09", {P: "EO 13959"}),
    ("us-ofac-ns-ccmc", "2021-01-08", "2021-06-03", {}),
    # EO 14032: Annex from 2021-08-02, later listings + 60 days; holding never prohibited (FAQ 1046)
    ("us-ofac-ns-cmic", "2021-06-03", "2021-08-01", {}),
    ("us-ofac-ns-cmic", "2021-06-03", "2021-08-02", {P: "EO 14032"}),
    ("us-ofac-ns-cmic", "2021-06-03", "2023-01-01", {P: "EO 14032"}),
    ("us-ofac-ns-cmic", "2021-12-16", "2022-02-13", {}),
    ("us-ofac-ns-cmic", "2021-12-16", "2022-02-14", {P: "EO 14032"}),
    # Entity List and SDN bind from the listing day; 1260H has no effect of its own
    ("us-bis-entity-list", "2019-05-16", "2019-05-16", {X: "EAR (15 CFR 744.11)"}),
    ("us-ofac-sdn", "2024-01-01", "2024-01-01", {B: "IEEPA / OFAC (31 CFR ch. V)"}),
    ("us-dod-1260h", "2021-06-03", "2022-01-01", {}),
    # FY2024 NDAA s.805: DoD contracting prohibited from 2026-06-30 (or a later listing day)
    ("us-dod-1260h", "2021-06-03", "2026-06-29", {}),
    ("us-dod-1260h", "2021-06-03", "2026-06-30", {"dod_contracting_prohibited": "FY2024 NDAA s.805"}),
    ("us-dod-1260h", "2026-07-15", "2026-07-15", {"dod_contracting_prohibited": "FY2024 NDAA s.805"}),
]


@pytest.mark.parametrize(("list_id", "listed", "as_of", "effects"), CASES,
                         ids=[f"{c[0]}-{c[1]}-on-{c[2]}" for c in CASES])
def test_rule_case(list_id: str, listed: str, as_of: str, effects: dict[str, str]) -> None:
    assert _in_force(effect_spans(_period(list_id, listed), D(as_of)), D(as_of)) == effects


def test_a_delisting_ends_the_effects_on_its_day() -> None:
    spans = effect_spans(_period("us-ofac-ns-cmic", "2021-06-03", "2023-05-01"), D("2024-01-01"))
    assert _in_force(spans, D("2023-04-30")) == {P: "EO 14032"} and _in_force(spans, D("2023-05-01")) == {}


def test_the_repeal_is_named_before_a_same_day_removal_and_unknown_before_it_is_law() -> None:
    [ban, holding] = effect_spans(_period("us-dod-1237", "2020-06-24", "2021-06-03"), dt.date.max)
    assert ban.end == D("2021-06-03") and ban.ended_by and ban.ended_by.startswith("repealed by EO 14032")
    assert holding.end == D("2021-06-03") and not holding.bites  # 2021-11-11 never came
    before = effect_spans(_period("us-dod-1237", "2020-06-24"), D("2021-06-02"))
    assert all(s.end is None for s in before)  # on 2021-06-02 no one knew of EO 14032
    assert [r.by for r in REPEALS] == ["EO 14032"]


def test_ns_cmic_rules_reproduce_ofacs_printed_dates_for_all_68_rows(shared: Path) -> None:
    """OFAC prints, per NS-CMIC row, the listing date, the 'Effective Date (CMIC)' (purchase ban) and
    the 'Purchase/Sales For Divestment Date (CMIC)'; the EO 14032 rules must give the same days."""
    path = shared / "data/real/ofac-cons-csv/2025-12-19/cons_prim.csv"
    rows = [r for r in csv.reader(path.open(encoding="utf-8", newline="")) if len(r) > 11 and "CMIC" in r[3]]
    assert len(rows) == 68

    def printed(label: str, text: str) -> dt.date:
        m = re.search(label + r" \(CMIC\) (\d{2} \w{3} \d{4})", text)
        assert m, (label, text)
        return dt.datetime.strptime(m.group(1), "%d %b %Y").date()

    for r in rows:
        listed = printed("Listing Date", r[11])
        [ban] = effect_spans(_period("us-ofac-ns-cmic", listed.isoformat()), dt.date.max)
        assert ban.start == printed("Effective Date", r[11]), r[1]
        assert ban.rule.divestment_until is not None
        assert ban.rule.divestment_until.resolve(listed) == printed("Purchase/Sales For Divestment Date", r[11]), r[1]
