"""Portfolio check: holdings CSV -> matched entity, effects, deadlines, action; bad files rejected clearly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from listwatch.affiliates import rule_for
from listwatch.holding_match import Candidate, Related, RowMatch, decide, parties
from listwatch.model import Effect, EffectKind, Entity, Listing, Name, Status
from listwatch.portfolio import PortfolioError, advice, check_portfolio, checked_json, read_holdings
from listwatch.resolve import resolve
from listwatch.status import status
from listwatch.store.db import Store
from tests.conftest import Cli, D

HOLDINGS = """name,isin,ticker,quantity
Xiaomi Corp,,,1000
,KYG9830T1067,,50
"Huawei Technologies Co., Ltd.",,,1
SZ DJI Technology Co Ltd,,,3
,,1810@HK,7
Acme Widgets Ltd,,,9
Luokung Technology Corp.,,,2
"""


def _actions(store: Store, day: str, text: str = HOLDINGS) -> list[str]:
    return [c.action for c in check_portfolio(store, read_holdings(text.encode()), D(day))]


def test_rows_match_by_name_isin_and_ticker(store: Store) -> None:
    checked = check_portfolio(store, read_holdings(HOLDINGS.encode()), D("2021-01-14"))
    assert [(c.holding.row, c.matched_by, c.entity.id if c.entity else None) for c in checked] == [
        (1, "name", "xiaomi"), (2, "isin", "xiaomi"), (3, "name", "huawei"), (4, "name", "dji"),
        (5, "ticker", "xiaomi"), (6, None, None), (7, "name", "luokung")]


def test_xiaomi_on_listing_day_may_buy_until_the_ban_and_must_divest_later(store: Store) -> None:
    assert _actions(store, "2021-01-14")[0] == (
        "may buy until 2021-03-14; purchase ban from 2021-03-15; must divest by 2022-01-14")


def test_xiaomi_enjoined_has_no_restriction_in_force(store: Store) -> None:
    assert _actions(store, "2021-03-20")[0] == (
        "listing enjoined by a court: no restriction in force while the injunction lasts")
    assert _actions(store, "2021-06-01")[0] == "no restriction found"


def test_huawei_actions_across_the_eo_14032_switch_over(store: Store) -> None:
    assert _actions(store, "2019-05-16")[2] == "export licence required for items subject to the EAR"
    assert _actions(store, "2021-02-01")[2] == (
        "may not buy; must divest by 2021-11-11; export licence required for items subject to the EAR")
    assert _actions(store, "2021-06-03")[2] == (
        "may buy until 2021-08-01; purchase ban from 2021-08-02; export licence required for items subject to the EAR")
    assert _actions(store, "2021-09-01")[2] == (
        "may hold, may not buy (transactions solely to divest allowed before 2022-06-03); "
        "export licence required for items subject to the EAR")


def test_row_near_no_listed_name_says_no_listing_found(store: Store) -> None:
    assert _actions(store, "2022-01-01")[5] == "no listing found"


def test_portfolio_cli_json_has_a_row_per_holding(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text(HOLDINGS, encoding="utf-8")
    data = cli.json("portfolio", str(f), "--as-of", "2022-03-01")
    assert [r["row"] for r in data["rows"]] == [1, 2, 3, 4, 5, 6, 7]
    dji = data["rows"][3]
    assert dji["restricted"] and {e["kind"] for e in dji["effects"]} == {
        "securities_purchase_prohibited", "export_license_required"}
    assert dji["quantity"] == 3.0


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"company,qty\nXiaomi,1\n", "missing columns - need 'name', 'isin' or 'ticker'"),
    (b"name,quantity\n", "no holdings rows under the header"),
    (b"name,quantity\nXiaomi,ten\n", "row 1: quantity 'ten' is not a number"),
    (b"name,quantity\nXiaomi,1\n\xff\xfeHuawei,2\n", "line 3 is not UTF-8 text"),
    (b"name\nXiaomi,1,2\n", "row 1 has 3 fields, the header has 1"),
])
def test_malformed_portfolio_is_rejected_with_one_clear_line(cli: Cli, tmp_path: Path, content: bytes,
                                                             message: str) -> None:
    with pytest.raises(PortfolioError, match=message):
        read_holdings(content, "h.csv")
    f = tmp_path / "h.csv"
    f.write_bytes(content)
    r = cli("portfolio", str(f))
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_semicolon_separated_export_is_read(store: Store) -> None:
    rows = read_holdings(b"name;quantity\nXiaomi Corporation;5\n")
    assert rows[0].name == "Xiaomi Corporation" and rows[0].quantity == 5.0
    assert json.dumps([r.row for r in rows]) == "[1]"


def test_after_the_eo_14032_divestment_window_even_sales_are_prohibited(store: Store) -> None:
    """OFAC FAQ 1046: holding stays allowed, but after the window divestment sales are prohibited too."""
    assert _actions(store, "2022-06-02")[2].startswith(
        "may hold, may not buy (transactions solely to divest allowed before 2022-06-03)")
    assert _actions(store, "2022-06-03")[2].startswith(
        "may hold, may not buy or sell (divestment window closed on 2022-06-03)")


# A holdings file as a custodian prints it: security labels, share classes, exchange codes of every kind.
CUSTODIAN = """name,isin,ticker,exchange
XIAOMI CORP-CLASS B,,,
SEMICONDUCTOR MANUFACTURING INTL CORP,,,
SENSETIME GROUP INC-CL B,,,
CHINA TELECOM CORP LTD-H,,,
APPLE INC,,,
CHINA MOBILE LTD,,,
,,0941@HK,
,,941 HK Equity,
,,0941.HK,
,,00941,XHKG
,,002415@SZ,
,,2415,XSHE
,US00000000X0,,
"""


@pytest.mark.parametrize(("row", "day", "match", "restricted", "entity"), [
    (1, "2021-02-01", "matched", True, "xiaomi"),  # security label "CLASS B"
    (2, "2021-03-20", "matched", True, "smic"),  # abbreviation INTL; its listed subsidiaries score lower
    (3, "2022-06-01", "matched", True, "sensetime"),
    # two China Telecom entities score alike; the holding's legal form (Corp Ltd) is the listed company's
    (4, "2022-06-01", "matched", True, "china-telecom-corporation-limited"),
    (5, "2022-06-01", "no_hit", False, None),
    (6, "2021-01-07", "matched", False, "china-mobile-limited"),  # not listed itself (until 2021-01-08); its parent is
    *[(n, "2022-06-01", "matched", True, "china-mobile-limited") for n in (7, 8, 9, 10)],  # leading zeros, MIC
    *[(n, "2022-06-01", "matched", True, "hikvision") for n in (11, 12)],  # SZ / XSHE -> A-share 002415
    (13, "2022-06-01", "review", None, None),  # an unknown ISIN and no name: unknown, not clear
])
def test_custodian_style_holdings(store: Store, row: int, day: str, match: str, restricted: bool | None,
                                  entity: str | None) -> None:
    [c] = [c for c in check_portfolio(store, read_holdings(CUSTODIAN.encode()), D(day)) if c.holding.row == row]
    assert (c.match, c.restricted, c.entity.id if c.entity else None) == (match, restricted, entity)
    if match == "review":
        assert c.action.startswith("review")
    if match == "no_hit":
        assert c.action == "no listing found"


def test_review_row_lists_its_candidates_with_scores(store: Store) -> None:
    """A legal form (Corp) printed by neither tied candidate (Corporation Limited, Co., Ltd.) decides nothing."""
    holdings = read_holdings(b"name\nCHINA TELECOM CORP-H\n")
    [row] = [checked_json(store, c) for c in check_portfolio(store, holdings, D("2022-06-01"))]
    assert row["match"] == "review" and row["restricted"] is None and row["entity"] is None
    assert {c["id"] for c in row["candidates"]} == {"china-telecom-corporation-limited", "china-telecom-group-co-ltd"}
    assert all(0.8 <= c["score"] < 1.0 and "restricted" in c for c in row["candidates"])


def test_company_whose_parent_is_listed_says_so_with_the_ownership_rule(store: Store) -> None:
    """China Mobile Ltd on 2021-01-07: its parent is on the 1237 list; EO 13959 reaches it only once listed."""
    [row] = [checked_json(store, c) for c in check_portfolio(store, read_holdings(CUSTODIAN.encode()), D("2021-01-07"))
             if c.holding.row == 6]
    [parent] = [r for r in row["related"] if r["relation"] == "parent"]
    assert parent["entity"]["id"] == "china-mobile-group" and "us-dod-1237" in parent["lists"]
    assert "OFAC FAQ 857" in row["action"] and row["restricted"] is False


def test_ns_cmic_note_says_the_50_percent_rule_does_not_apply(store: Store) -> None:
    checked = check_portfolio(store, read_holdings(b"name\nSemiconductor Manufacturing South China Corp\n"),
                              D("2022-06-01"))
    [row] = [checked_json(store, c) for c in checked]
    [smic] = [r for r in row["related"] if r["entity"]["id"] == "smic"]
    [ns_cmic] = [x for x in smic["rules"] if x["list"] == "us-ofac-ns-cmic"]
    assert smic["relation"] == "parent" and ns_cmic["reaches_owned"] is False
    assert "50 percent rule does not apply" in ns_cmic["note"] and "FAQ 857" in ns_cmic["citation"]


def _cand(eid: str, record: str, restricted: bool, score: float = 1.0) -> Candidate:
    e = Entity(eid, "BANCO NACIONAL DE CUBA", names=(Name("BANCO NACIONAL DE CUBA", (record,)),))
    listings = [Listing("us-ofac-sdn", D("1990-01-01"), None, True, None, ())] if restricted else []
    return Candidate(e, score, e.name, Status("q", D("2022-06-01"), None, e, listings))


def test_the_same_blocked_bank_twice_is_one_party_matched_and_restricted() -> None:
    """A CSL row republishing OFAC record 306 is that record: one party, listed if either record says so."""
    both = [_cand("csl-306", "csl:306", False), _cand("ofac-sdn-306", "ofac-sdn:306", True)]
    assert len(parties(both)) == 1
    outcome, chosen, _ = decide("BANCO NACIONAL DE CUBA", both)
    assert outcome == "matched" and chosen is not None and chosen.entity.id == "ofac-sdn-306"
    assert len(parties([_cand("a", "csl:1", True), _cand("b", "csl:2", True)])) == 2


def test_a_tie_between_parties_goes_to_the_one_printing_the_holdings_legal_form() -> None:
    parent, listed = _cand("cnooc", "csl:30956", True), _cand("cnooc-limited", "csl:30926", True)
    parent = Candidate(parent.entity, 1.0, "CNOOC", parent.status)
    listed = Candidate(listed.entity, 1.0, "CNOOC LIMITED", listed.status)
    outcome, chosen, _ = decide("CNOOC LTD", [parent, listed])
    assert outcome == "matched" and chosen is not None and chosen.entity.id == "cnooc-limited"
    assert decide("CNOOC", [parent, listed])[0] == "review"


def test_a_blocked_parent_makes_an_unlisted_holding_unknown_not_clear() -> None:
    """OFAC's 50 Percent Rule (FAQ 398): listwatch does not know the ownership share."""
    sub, parent = _cand("sub", "csl:1", False), _cand("parent", "ofac-sdn:2", True)
    m = RowMatch("matched", "name", sub, [sub], [Related("parent", parent.entity, ("us-ofac-sdn",),
                                                         (rule_for("us-ofac-sdn"),))])
    assert m.restricted is None


def test_portfolio_known_at_replays_what_was_known_then(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("name\nXIAOMI CORP-CLASS B\n", encoding="utf-8")
    before = cli.json("portfolio", str(f), "--as-of", "2021-02-01", "--known-at", "2026-11-22")
    after = cli.json("portfolio", str(f), "--as-of", "2021-02-01", "--known-at", "2026-11-24")
    assert before["rows"][0]["restricted"] is not True and after["rows"][0]["restricted"] is True
    assert before["evidence"]["sources"] == [] and after["evidence"]["sources"][0]["source"] == "listwatch-dataset"
    assert after["evidence"]["data_version"] != before["evidence"]["data_version"]


# company, day, the action - every phrase backed by a regime's declared action and its citation
ADVICE_CASES = [
    ("xiaomi", "2021-01-14", "may buy until 2021-03-14; purchase ban from 2021-03-15; must divest by 2022-01-14"),
    ("huawei", "2019-05-16", "export licence required for items subject to the EAR"),
    ("huawei", "2021-02-01", "may not buy; must divest by 2021-11-11; export licence required for items subject to "
                             "the EAR"),
    ("china mobile limited", "2021-03-20", "may not buy; must divest by 2022-01-08"),
    ("huawei", "2022-06-03", "may hold, may not buy or sell (divestment window closed on 2022-06-03); export licence "
                             "required for items subject to the EAR"),
    ("hesai", "2024-10-23", "DoD contracting prohibited from 2026-06-30 (not an investment restriction)"),
    ("hesai", "2026-06-30", "DoD may not enter into, renew or extend contracts with it (not an investment "
                            "restriction)"),
]


@pytest.mark.parametrize(("company", "day", "expected"), ADVICE_CASES, ids=[f"{c[0]}-{c[1]}" for c in ADVICE_CASES])
def test_every_action_phrase_carries_a_citation(store: Store, company: str, day: str, expected: str) -> None:
    parts = advice(status(store, resolve(store, company), D(day)))
    assert "; ".join(a.text for a in parts) == expected
    assert all(a.citations and all(re.search(r"\d+ (FR|CFR)|U\.S\.C\.|Pub\. L\.", c) for c in a.citations)
               for a in parts), parts


def test_holding_ban_replaces_the_purchase_phrase_and_blocking_cites_ofac_reporting(store: Store) -> None:
    """Effects no bundled company reached (EO 13974 was repealed first; no SDN record without the snapshots)."""
    huawei = resolve(store, "huawei")
    day = D("2021-11-12")
    effects = [Effect(EffectKind.SECURITIES_PURCHASE_PROHIBITED, "EO 13959", "us-dod-1237", D("2021-01-11"), None,
                      True, "c", None, D("2021-11-12")),
               Effect(EffectKind.SECURITIES_HOLDING_PROHIBITED, "EO 13974", "us-dod-1237", D("2021-11-11"), None,
                      True, "c"),
               Effect(EffectKind.ASSETS_BLOCKED, "IEEPA", "us-ofac-sdn", D("2021-01-01"), None, True, "c")]
    parts = advice(Status("huawei", day, None, huawei, effects=effects))
    assert [a.text for a in parts] == ["blocked: do not deal; freeze and report to OFAC",
                                       "may not hold: divestment deadline was 2021-11-11"]
    assert "31 CFR 501.603" in parts[0].citations[0] and "EO 13974" in parts[1].citations[0]


def test_portfolio_json_returns_the_action_citations(store: Store) -> None:
    rows = [checked_json(store, c) for c in check_portfolio(store, read_holdings(HOLDINGS.encode()), D("2022-06-03"))]
    huawei, acme = rows[2], rows[5]
    assert any("OFAC FAQ 1046" in c for c in huawei["action_citations"])
    assert any("15 CFR 744.11" in c for c in huawei["action_citations"])
    assert acme["action"] == "no listing found" and acme["action_citations"] == []
