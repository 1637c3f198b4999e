"""DoD Section 1260H list (NDAA FY2021 s.1260H, Pub. L. 116-283) and FY2024 NDAA s.805 (Pub. L. 118-31).

A 1260H listing is a DoD determination with no investment, export or blocking effect of its own.
FY2024 NDAA s.805 (Pub. L. 118-31, 137 Stat. 136, signed 2023-12-22) attaches one:

* s.805(a)(1)(A), (a)(2)(A), (b): from 2026-06-30 the Secretary of Defense may not enter into,
  renew or extend a contract for goods, services or technology with an entity on the 1260H list
  (``dod_contracting_prohibited``; inclusive from 2026-06-30, or from a later listing day);
  s.805(a)(3)(B): existing contracts are not affected; s.805(c): waivers possible.
* Not modelled: s.805(a)(1)(B), from 2027-06-30, on contracts for goods or services *produced or
  developed by* a listed entity, and s.805(a)(2)(B), entities it controls (control is not data here).
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import EffectKind
from listwatch.regimes.base import Action, Rule, Window

LISTS = ("us-dod-1260h",)

SIGNED = dt.date(2023, 12, 22)
IN_FORCE = dt.date(2026, 6, 30)
_CITE = ("FY2024 NDAA s.805(a)(1)(A) and (b), Pub. L. 118-31, 137 Stat. 136: DoD may not enter into, renew or extend "
         "a contract with an entity on the 1260H list, from 2026-06-30 (existing contracts unaffected, s.805(a)(3)(B))")

RULES = (
    Rule(authority="FY2024 NDAA s.805", effect=EffectKind.DOD_CONTRACTING_PROHIBITED, start=Window(fixed=IN_FORCE),
         listed_before=IN_FORCE, enacted=SIGNED, citation=_CITE),
    Rule(authority="FY2024 NDAA s.805", effect=EffectKind.DOD_CONTRACTING_PROHIBITED,
         start=Window(days_after_listing=0), listed_from=IN_FORCE, enacted=SIGNED, citation=_CITE),
)

_C = EffectKind.DOD_CONTRACTING_PROHIBITED
ACTIONS = (
    Action(_C, "ahead", "DoD contracting prohibited from {start} (not an investment restriction)", _CITE),
    Action(_C, "in_force", "DoD may not enter into, renew or extend contracts with it (not an investment "
           "restriction)", _CITE),
)
