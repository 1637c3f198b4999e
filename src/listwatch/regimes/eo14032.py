"""EO 14032 (signed 2021-06-03, 86 FR 30145): Treasury's NS-CMIC list.

* s.1(a)(i) with the Annex: purchase or sale of publicly traded securities of the 59 Annex
  companies (listed on 2021-06-03) prohibited from 12:01 a.m. EDT 2021-08-02.
* s.1(a)(ii): for companies listed later, from 60 days after listing (OFAC's "Effective
  Date (CMIC)"; SenseTime: listed 2021-12-10, effective 2022-02-08).
* s.1(b)-(c): sales solely to divest allowed until 12:01 a.m. EDT 2022-06-03 (Annex) or for
  365 days after listing (OFAC's "Purchase/Sales For Divestment Date (CMIC)"); the window is
  reported as an exclusive day.
* Holding is NOT prohibited (OFAC FAQ 1046, 2022-06-01): no holding effect here.
* s.1 replaced ss.1-5 of EO 13959 and s.3 revoked EO 13974 on signing: every EO 13959/13974
  effect of a listing made before 2021-06-03 ends that day (``REPEALS``); the new bans start
  only on 2021-08-02, so from 2021-06-03 to 2021-08-01 none was in force.
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import EffectKind
from listwatch.regimes.base import BUY_UNTIL, Action, Repeal, Rule, Window

LISTS = ("us-ofac-ns-cmic",)

SIGNED = dt.date(2021, 6, 3)
ANNEX_CUTOFF = SIGNED + dt.timedelta(days=1)  # the Annex is the list as of the signing day

RULES = (
    Rule(
        authority="EO 14032",
        effect=EffectKind.SECURITIES_PURCHASE_PROHIBITED,
        start=Window(fixed=dt.date(2021, 8, 2)),
        divestment_until=Window(fixed=dt.date(2022, 6, 3)),
        listed_before=ANNEX_CUTOFF,
        enacted=SIGNED,
        citation="EO 14032 s.1(a)(i) and Annex, 86 FR 30145: purchase/sale ban from 12:01 a.m. EDT 2021-08-02; "
                 "holding not prohibited (OFAC FAQ 1046)",
    ),
    Rule(
        authority="EO 14032",
        effect=EffectKind.SECURITIES_PURCHASE_PROHIBITED,
        start=Window(days_after_listing=60),
        divestment_until=Window(days_after_listing=365),
        listed_from=ANNEX_CUTOFF,
        enacted=SIGNED,
        citation="EO 14032 s.1(a)(ii), 86 FR 30145: purchase/sale ban 60 days after listing; holding not "
                 "prohibited (OFAC FAQ 1046)",
    ),
)

REPEALS = (
    Repeal(
        by="EO 14032",
        authorities=("EO 13959", "EO 13974"),
        effective=SIGNED,
        citation="EO 14032 s.1 (replacing EO 13959 ss.1-5 and its Annex) and s.3 (revoking EO 13974), "
                 "86 FR 30145, signed 2021-06-03",
    ),
)

_P = EffectKind.SECURITIES_PURCHASE_PROHIBITED
ACTIONS = (
    Action(_P, "ahead", BUY_UNTIL,
           "EO 14032 s.1(a), 86 FR 30145: purchase or sale prohibited from the ban's first day"),
    Action(_P, "in_force", "may hold, may not buy (transactions solely to divest allowed before {until})",
           "EO 14032 s.1(a)-(c), 86 FR 30145: purchase prohibited, sales solely to divest allowed within the "
           "window; holding not prohibited (OFAC FAQ 1046)"),
    Action(_P, "window_closed", "may hold, may not buy or sell (divestment window closed on {until})",
           "EO 14032 s.1(a)-(c), 86 FR 30145; OFAC FAQ 1046: holding not prohibited, but after the divestment "
           "window sales to US persons are prohibited too"),
)
