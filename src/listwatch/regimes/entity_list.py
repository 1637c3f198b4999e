"""Commerce BIS Entity List, 15 CFR 744.11 and Supplement No. 4 to part 744.

Listing imposes a licence requirement for exports, reexports and in-country transfers of items
subject to the EAR (scope and review policy per entry), from the rule's *effective* date (not the
Federal Register publication date; Huawei: effective 2019-05-16, published 2019-05-21) until the
entry is removed. It is not an investment ban.
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import EffectKind
from listwatch.regimes.base import Action, Rule, Window

LISTS = ("us-bis-entity-list",)

RULES = (
    Rule(
        authority="EAR (15 CFR 744.11)",
        effect=EffectKind.EXPORT_LICENSE_REQUIRED,
        start=Window(days_after_listing=0),
        enacted=dt.date(1997, 2, 3),
        citation="15 CFR 744.11 and Supp. No. 4 to part 744: licence required for items subject to the EAR "
                 "from the entry's effective date",
    ),
)

ACTIONS = (
    Action(EffectKind.EXPORT_LICENSE_REQUIRED, "in_force", "export licence required for items subject to the EAR",
           "15 CFR 744.11 and Supp. No. 4 to part 744: a licence requirement for exports, not an investment "
           "restriction"),
)
