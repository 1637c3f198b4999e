"""EO 13959 s.4(a)(iii) (85 FR 73185) as amended by EO 13974 (86 FR 4875): OFAC's NS-CCMC list.

* OFAC FAQ 857 (2020-12-28): the prohibitions of EO 13959 s.1(a)(ii) apply to a subsidiary of a
  Communist Chinese military company once Treasury lists it, from 9:30 a.m. ET on the day 60 days
  after it is added (the four added 2021-01-08: from 2021-03-09, FAQ 879 and GL 1A/1B note);
  transactions solely to divest allowed for 365 days after listing (s.1(c) as amended).
* EO 13974 s.1: possession prohibited 365 days after listing (2022-01-08 for the four).
* EO 14032 replaced EO 13959 ss.1-5 and revoked EO 13974 on 2021-06-03 (``eo14032.REPEALS``):
  neither effect outlived that day; the holding ban never started.
"""

from __future__ import annotations

from listwatch.model import EffectKind
from listwatch.regimes.base import Rule, Window
from listwatch.regimes.eo13959 import ACTIONS as EO13959_ACTIONS
from listwatch.regimes.eo13959 import AMENDED, SIGNED

LISTS = ("us-ofac-ns-ccmc",)

RULES = (
    Rule(
        authority="EO 13959",
        effect=EffectKind.SECURITIES_PURCHASE_PROHIBITED,
        start=Window(days_after_listing=60),
        divestment_until=Window(days_after_listing=366),
        enacted=SIGNED,
        citation="EO 13959 ss.1(a)(ii) and 4(a)(iii), 85 FR 73185; OFAC FAQs 857 and 879: purchase ban from "
                 "9:30 a.m. ET 60 days after OFAC adds the subsidiary to the NS-CCMC list",
    ),
    Rule(
        authority="EO 13974",
        effect=EffectKind.SECURITIES_HOLDING_PROHIBITED,
        start=Window(days_after_listing=365),
        enacted=AMENDED,
        citation="EO 13974 s.1, 86 FR 4875: possession prohibited 365 days after listing (11:59 p.m. ET)",
    ),
)

# The same order as for DoD-listed parents (EO 13959 s.1, OFAC FAQ 857): the same advice and citations.
ACTIONS = EO13959_ACTIONS
