"""OFAC SDN list: blocking under IEEPA and the program executive orders (31 CFR ch. V).

Property and interests in property of a listed person in US jurisdiction are blocked and US
persons may not deal with them, from the designation date until removal.
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import EffectKind
from listwatch.regimes.base import Action, Rule, Window

LISTS = ("us-ofac-sdn",)

RULES = (
    Rule(
        authority="IEEPA / OFAC (31 CFR ch. V)",
        effect=EffectKind.ASSETS_BLOCKED,
        start=Window(days_after_listing=0),
        enacted=dt.date(1977, 12, 28),
        citation="IEEPA, 50 U.S.C. 1702, and the program's executive order; 31 CFR ch. V: property blocked "
                 "and dealings prohibited from designation",
    ),
)

ACTIONS = (
    Action(EffectKind.ASSETS_BLOCKED, "in_force", "blocked: do not deal; freeze and report to OFAC",
           "IEEPA, 50 U.S.C. 1702; 31 CFR ch. V: blocked property may not be dealt in; 31 CFR 501.603: report "
           "blocked property to OFAC within 10 business days"),
)
