"""Legal cases as a table: (company, date) -> restricted?, effects in force, deadlines ahead.

Each row reads as a sentence, e.g. "On 2021-03-12 Xiaomi is enjoined: not restricted, no effect".
Dates follow reference/README.md: an event dated D counts on D; intervals are [start, end).
"""

from __future__ import annotations

import pytest

from listwatch.resolve import resolve
from listwatch.status import status, timeline
from listwatch.store.db import Store
from tests.conftest import D

P = "securities_purchase_prohibited"
H = "securities_holding_prohibited"
X = "export_license_required"
C = "dod_contracting_prohibited"

# company, as_of, restricted, lists in force, effects in force {kind: authority}, deadlines [(kind, change, date)]
CASES = [
    # Xiaomi: listed 2021-01-14, ban due 2021-03-15, enjoined 2021-03-12, vacated 2021-05-25.
    ("xiaomi", "2021-01-13", False, [], {}, []),
    ("xiaomi", "2021-01-14", True, ["us-dod-1237"], {}, [(P, "starts", "2021-03-15"), (H, "starts", "2022-01-14")]),
    ("xiaomi", "2021-03-11", True, ["us-dod-1237"], {}, [(P, "starts", "2021-03-15"), (H, "starts", "2022-01-14")]),
    ("xiaomi", "2021-03-12", False, [], {}, []),
    ("xiaomi", "2021-03-15", False, [], {}, []),
    ("xiaomi", "2021-03-20", False, [], {}, []),
    ("xiaomi", "2021-05-24", False, [], {}, []),
    ("xiaomi", "2021-05-25", False, [], {}, []),
    ("xiaomi", "2021-06-01", False, [], {}, []),
    # Huawei: Entity List from 2019-05-16 (effective date, not the 2019-05-21 publication).
    ("huawei", "2019-05-15", False, [], {}, []),
    ("huawei", "2019-05-16", True, ["us-bis-entity-list"], {X: "EAR (15 CFR 744.11)"}, []),
    ("huawei", "2019-05-21", True, ["us-bis-entity-list"], {X: "EAR (15 CFR 744.11)"}, []),
    # 1237 Annex company: EO 13959 purchase ban from 2021-01-11; EO 13974 (2021-01-13) adds the holding deadline.
    ("huawei", "2020-11-12", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)"},
     [(P, "starts", "2021-01-11")]),
    ("huawei", "2021-01-10", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)"},
     [(P, "starts", "2021-01-11")]),
    ("huawei", "2021-01-11", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)", P: "EO 13959"},
     []),
    ("huawei", "2021-01-13", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)", P: "EO 13959"},
     [(H, "starts", "2021-11-11")]),
    ("huawei", "2021-06-02", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)", P: "EO 13959"},
     [(H, "starts", "2021-11-11")]),
    # EO 14032 switch-over: the old ban ends 2021-06-03, the new one starts 2021-08-02; none in between.
    ("huawei", "2021-06-03", True, ["us-bis-entity-list", "us-dod-1260h", "us-ofac-ns-cmic"],
     {X: "EAR (15 CFR 744.11)"}, [(P, "starts", "2021-08-02")]),
    ("huawei", "2021-08-01", True, ["us-bis-entity-list", "us-dod-1260h", "us-ofac-ns-cmic"],
     {X: "EAR (15 CFR 744.11)"}, [(P, "starts", "2021-08-02")]),
    ("huawei", "2021-08-02", True, ["us-bis-entity-list", "us-dod-1260h", "us-ofac-ns-cmic"],
     {X: "EAR (15 CFR 744.11)", P: "EO 14032"}, []),
    ("huawei", "2021-11-11", True, ["us-bis-entity-list", "us-dod-1260h", "us-ofac-ns-cmic"],
     {X: "EAR (15 CFR 744.11)", P: "EO 14032"}, []),
    # SMIC: 1237 tranche of 2020-12-03 (not Annex): ban 60 days later; Entity List 2020-12-18.
    ("smic", "2020-12-03", True, ["us-dod-1237"], {}, [(P, "starts", "2021-02-01")]),
    ("smic", "2020-12-18", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)"},
     [(P, "starts", "2021-02-01")]),
    ("smic", "2021-02-01", True, ["us-bis-entity-list", "us-dod-1237"], {X: "EAR (15 CFR 744.11)", P: "EO 13959"},
     [(H, "starts", "2021-12-03")]),
    # DJI: Entity List 2020-12-18; NS-CMIC 2021-12-16 -> ban 2022-02-14; 1260H 2022-10-05 (no effect of its own).
    ("dji", "2020-12-17", False, [], {}, []),
    ("dji", "2021-12-16", True, ["us-bis-entity-list", "us-ofac-ns-cmic"], {X: "EAR (15 CFR 744.11)"},
     [(P, "starts", "2022-02-14")]),
    ("dji", "2022-02-13", True, ["us-bis-entity-list", "us-ofac-ns-cmic"], {X: "EAR (15 CFR 744.11)"},
     [(P, "starts", "2022-02-14")]),
    ("dji", "2022-02-14", True, ["us-bis-entity-list", "us-ofac-ns-cmic"], {X: "EAR (15 CFR 744.11)", P: "EO 14032"},
     []),
    ("dji", "2022-10-05", True, ["us-bis-entity-list", "us-dod-1260h", "us-ofac-ns-cmic"],
     {X: "EAR (15 CFR 744.11)", P: "EO 14032"}, []),
    # SenseTime: NS-CMIC 2021-12-10 -> OFAC "Effective Date (CMIC)" 2022-02-08.
    ("sensetime", "2022-02-07", True, ["us-ofac-ns-cmic"], {}, [(P, "starts", "2022-02-08")]),
    ("sensetime", "2022-02-08", True, ["us-ofac-ns-cmic"], {P: "EO 14032"}, []),
    # Luokung: misspelled listing 2021-01-14, delisted and re-listed 2021-03-09 (clock restarts), enjoined 2021-05-05.
    ("luokung", "2021-03-08", True, ["us-dod-1237"], {}, [(P, "starts", "2021-03-15"), (H, "starts", "2022-01-14")]),
    ("luokung", "2021-03-09", True, ["us-dod-1237"], {}, [(P, "starts", "2021-05-08"), (H, "starts", "2022-03-09")]),
    ("luokung", "2021-05-05", False, [], {}, []),
    ("luokung", "2021-05-08", False, [], {}, []),
    # COMAC: same tranche as Xiaomi, never enjoined: the ban bit on 2021-03-15 and ended with EO 14032.
    ("comac", "2021-03-14", True, ["us-dod-1237"], {}, [(P, "starts", "2021-03-15"), (H, "starts", "2022-01-14")]),
    ("comac", "2021-03-15", True, ["us-dod-1237"], {P: "EO 13959"}, [(H, "starts", "2022-01-14")]),
    ("comac", "2021-06-03", False, [], {}, []),
    # China Mobile Limited: OFAC NS-CCMC subsidiary listing 2021-01-08 -> EO 13959 ban 2021-03-09 (FAQs 857, 879);
    # EO 14032 ends it 2021-06-03 (the EO 13974 holding ban of 2022-01-08 never starts); NS-CMIC ban from 2021-08-02.
    ("china mobile limited", "2021-01-07", False, [], {}, []),
    ("china mobile limited", "2021-01-08", True, ["us-ofac-ns-ccmc"], {}, [(P, "starts", "2021-03-09")]),
    ("china mobile limited", "2021-03-08", True, ["us-ofac-ns-ccmc"], {}, [(P, "starts", "2021-03-09"),
                                                                          (H, "starts", "2022-01-08")]),
    ("china mobile limited", "2021-03-20", True, ["us-ofac-ns-ccmc"], {P: "EO 13959"}, [(H, "starts", "2022-01-08")]),
    ("cnooc-limited", "2021-06-02", True, ["us-ofac-ns-ccmc"], {P: "EO 13959"}, [(H, "starts", "2022-01-08")]),
    ("china unicom (hong kong) limited", "2021-06-03", True, ["us-dod-1260h", "us-ofac-ns-cmic"], {},
     [(P, "starts", "2021-08-02")]),
    # Hesai on 1260H: delisted and re-listed the same day (2024-10-23): continuously listed.
    ("hesai", "2024-10-23", True, ["us-dod-1260h"], {}, [(C, "starts", "2026-06-30")]),
    # FY2024 NDAA s.805: DoD may not contract with a 1260H entity from 2026-06-30.
    ("hesai", "2026-06-30", True, ["us-dod-1260h"], {C: "FY2024 NDAA s.805"}, []),
    # AMEC: 1260H 2024-01-31, removed 2024-12-18.
    ("amec", "2024-12-17", True, ["us-dod-1260h"], {}, [(C, "starts", "2026-06-30")]),
    ("amec", "2024-12-18", False, [], {}, []),
]


@pytest.mark.parametrize(("company", "day", "restricted", "lists", "effects", "deadlines"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_legal_case(store: Store, company: str, day: str, restricted: bool, lists: list[str],
                    effects: dict[str, str], deadlines: list[tuple[str, str, str]]) -> None:
    s = status(store, resolve(store, company), D(day))
    assert s.restricted is restricted
    assert sorted(x.list_id for x in s.listings if x.in_force) == lists
    assert {e.kind.value: e.authority for e in s.effects} == effects
    assert all(e.in_force for e in s.effects)
    assert [(d.effect.value, d.change, d.date.isoformat()) for d in s.deadlines] == deadlines


def test_xiaomi_purchase_ban_never_bites_because_enjoined_on_2021_03_12(store: Store) -> None:
    s = status(store, resolve(store, "Xiaomi"), D("2021-03-20"))
    [listing] = s.listings
    assert not listing.in_force
    assert listing.suspended_by and "1:21-cv-00280" in listing.suspended_by
    assert [e.kind.value for e in s.suspended_effects] == [P]
    assert s.effects == []


def test_every_effect_and_deadline_carries_a_citation(store: Store) -> None:
    s = status(store, resolve(store, "huawei"), D("2021-02-01"))
    assert s.effects and s.deadlines
    for e in s.effects:
        assert "FR" in e.citation or "CFR" in e.citation
    for d in s.deadlines:
        assert d.citation.startswith("EO 13974")


def test_eo14032_divestment_window_is_reported_with_the_purchase_ban(store: Store) -> None:
    s = status(store, resolve(store, "dji"), D("2022-03-01"))
    [ban] = [e for e in s.effects if e.kind.value == P]
    assert ban.note == "transactions solely to divest allowed before 2022-12-16"
    assert H not in {e.kind.value for e in s.effects}  # OFAC FAQ 1046: holding not prohibited


def test_ns_ccmc_purchase_ban_cites_ofac_and_ends_citing_eo14032(store: Store) -> None:
    s = status(store, resolve(store, "China Mobile Limited"), D("2021-03-20"))
    [ban] = s.effects
    assert (ban.kind.value, ban.authority, ban.list_id) == (P, "EO 13959", "us-ofac-ns-ccmc")
    assert "OFAC FAQs 857 and 879" in ban.citation
    spans = [x for x in timeline(store, resolve(store, "China Mobile Limited")).spans
             if x.period.list_id == "us-ofac-ns-ccmc"]
    assert {x.end for x in spans} == {D("2021-06-03")}
    assert all(x.ended_by and x.ended_by.startswith("repealed by EO 14032") and "86 FR 30145" in x.ended_by
               for x in spans)
