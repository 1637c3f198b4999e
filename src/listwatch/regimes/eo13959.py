"""EO 13959 as amended by EO 13974: the investment ban keyed on the DoD sec. 1237 list.

* EO 13959 (signed 2020-11-12, 85 FR 73185) s.1(a)(i): from 9:30 a.m. EST 2021-01-11, no
  purchase or sale of publicly traded securities of the Annex companies (the 31 listed by DoD
  in June and August 2020, i.e. listed before the order was signed).
* s.1(a)(ii): for a company the Secretary of Defense lists later, from 9:30 a.m. on the day 60
  days after the determination (Xiaomi: listed 2021-01-14, ban 2021-03-15). Subsidiaries
  OFAC lists under s.4(a)(iii) are in :mod:`listwatch.regimes.ns_ccmc`.
* s.1(b)-(c): transactions solely to divest allowed until 11:59 p.m. EST 2021-11-11 (Annex) or
  365 days after the determination.
* EO 13974 (signed 2021-01-13, 86 FR 4875) s.1: possession prohibited from 11:59 p.m. EST
  2021-11-11 (Annex) / 365 days after the determination (Xiaomi: 2022-01-14). By the
  reference's date convention an effect biting at any time of day D counts on D.
* EO 14032 (2021-06-03, 86 FR 30145) replaced ss.1-5 and revoked EO 13974: its module declares
  that repeal (``eo14032.REPEALS``), which ends every effect here that day.
Court injunctions suspend these effects (OFAC FAQs 880, 893); vacatur ends them (FAQ 896).
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import EffectKind
from listwatch.regimes.base import BUY_UNTIL, Action, Rule, Window

P, H = EffectKind.SECURITIES_PURCHASE_PROHIBITED, EffectKind.SECURITIES_HOLDING_PROHIBITED

LISTS = ("us-dod-1237",)

SIGNED = dt.date(2020, 11, 12)
AMENDED = dt.date(2021, 1, 13)

RULES = (
    Rule(
        authority="EO 13959",
        effect=EffectKind.SECURITIES_PURCHASE_PROHIBITED,
        start=Window(fixed=dt.date(2021, 1, 11)),
        divestment_until=Window(fixed=dt.date(2021, 11, 12)),
        listed_before=SIGNED,
        enacted=SIGNED,
        citation="EO 13959 s.1(a)(i), 85 FR 73185: purchase ban on Annex companies from 9:30 a.m. EST 2021-01-11",
    ),
    Rule(
        authority="EO 13959",
        effect=EffectKind.SECURITIES_PURCHASE_PROHIBITED,
        start=Window(days_after_listing=60),
        divestment_until=Window(days_after_listing=366),
        listed_from=SIGNED,
        enacted=SIGNED,
        citation="EO 13959 s.1(a)(ii), 85 FR 73185: purchase ban 60 days after listing",
    ),
    Rule(
        authority="EO 13974",
        effect=EffectKind.SECURITIES_HOLDING_PROHIBITED,
        start=Window(fixed=dt.date(2021, 11, 11)),
        listed_before=SIGNED,
        enacted=AMENDED,
        citation="EO 13974 s.1, 86 FR 4875: possession of Annex-company securities prohibited from "
                 "11:59 p.m. EST 2021-11-11",
    ),
    Rule(
        authority="EO 13974",
        effect=EffectKind.SECURITIES_HOLDING_PROHIBITED,
        start=Window(days_after_listing=365),
        listed_from=SIGNED,
        enacted=AMENDED,
        citation="EO 13974 s.1, 86 FR 4875: possession prohibited 365 days after listing (11:59 p.m. ET)",
    ),
)

# What a holder may do (shared by the NS-CCMC list, the same order): EO 13959 as signed banned purchases
# and sales but not holding, with a window for sales solely to divest; EO 13974 added the holding ban.
_S1 = "EO 13959 s.1(a), 85 FR 73185"
ACTIONS = (
    Action(P, "ahead", BUY_UNTIL, f"{_S1}: purchases prohibited from 9:30 a.m. EST on the ban's first day"),
    Action(P, "in_force", "may not buy", f"{_S1}: purchase prohibited", while_ahead=H),
    Action(P, "in_force", "may hold, may not buy (transactions solely to divest allowed before {until})",
           "EO 13959 s.1(a)-(c), 85 FR 73185: purchase prohibited, holding not; sales solely to divest "
           "allowed within the window"),
    Action(P, "window_closed", "may hold, may not buy or sell (divestment window closed on {until})",
           "EO 13959 s.1(a)-(c), 85 FR 73185: after the divestment window, sales are prohibited too"),
    Action(H, "ahead", "must divest by {start}", "EO 13974 s.1, 86 FR 4875: possession prohibited from that day"),
    Action(H, "in_force", "may not hold: divestment deadline was {start}",
           "EO 13974 s.1, 86 FR 4875: possession prohibited", replaces=(P,)),
)
