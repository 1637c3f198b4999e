"""Does a parent's or a subsidiary's listing reach a company? The ownership rules, per list, cited.

A holding whose parent (or subsidiary) is listed is not thereby listed itself; whether the listing
still reaches it depends on the regime:

* **NS-CMIC (EO 13959 as amended by EO 14032)** and the EO 13959 regime keyed on the DoD 1237
  list: OFAC's 50 percent rule does not apply; a subsidiary is covered only once it is itself
  listed (OFAC FAQ 857, released 2020-12-28, amended 2021-06-03).
* **SDN list**: OFAC's 50 Percent Rule - an entity owned 50 percent or more, directly or
  indirectly, individually or in the aggregate, by blocked persons is itself blocked (OFAC FAQs
  398 and 401, 2014-08-13). listwatch does not know ownership shares, so a holding whose parent is
  blocked is *unknown*, never "not restricted", until the ownership is established.
* Other lists (1260H, Entity List): the relation is reported without a legal inference.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OwnershipRule", "rule_for"]


@dataclass(frozen=True)
class OwnershipRule:
    list_id: str
    reaches_owned: bool | None  # does a listed owner's listing reach what it owns? None: not stated here
    note: str
    citation: str


_RULES = {r.list_id: r for r in (
    OwnershipRule("us-ofac-ns-cmic", False,
                  "OFAC's 50 percent rule does not apply to the NS-CMIC List: a parent or subsidiary "
                  "is covered only if it is listed itself",
                  "OFAC FAQ 857, released 2020-12-28, amended 2021-06-03"),
    OwnershipRule("us-dod-1237", False,
                  "EO 13959 reaches a subsidiary of a listed company only once it is listed itself",
                  "OFAC FAQ 857, released 2020-12-28"),
    OwnershipRule("us-ofac-sdn", True,
                  "OFAC 50 Percent Rule: an entity owned 50% or more, directly or indirectly, by blocked "
                  "persons is blocked itself; establish the ownership",
                  "OFAC FAQs 398 and 401; 50 Percent Rule guidance of 2014-08-13"),
)}


def rule_for(list_id: str) -> OwnershipRule:
    """The ownership rule of a list; a neutral one for lists without a cited rule."""
    return _RULES.get(list_id) or OwnershipRule(list_id, None, "no ownership rule recorded for this list: "
                                                "check whether the listing reaches this company", "")
