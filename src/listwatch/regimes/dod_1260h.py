"""DoD Section 1260H list (NDAA FY2021 s.1260H, Pub. L. 116-283).

A listing is a DoD determination with no investment, export or blocking effect of its own, so
no rule in the effect vocabulary applies. (FY2024 NDAA s.805 adds DoD procurement bans from
2026-06-30; those are outside the closed vocabulary and their dates are unverified.)
"""

from __future__ import annotations

from listwatch.regimes.base import Rule

LISTS = ("us-dod-1260h",)

RULES: tuple[Rule, ...] = ()
