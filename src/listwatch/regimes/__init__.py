"""One module per legal authority; :func:`rules_for` maps a list to the rules keyed on it.

A module declares ``LISTS`` (the lists its rules key on), ``RULES`` and optionally ``REPEALS``
(the rules of other authorities it ends: the law owns its end, see :class:`Repeal`).
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from listwatch.regimes import dod_1260h, entity_list, eo13959, eo14032, ns_ccmc, ofac_sdn
from listwatch.regimes.base import Repeal, Rule, Window

__all__ = ["MODULES", "REPEALS", "Repeal", "Rule", "Window", "repeal_of", "rules_for"]

MODULES: tuple[ModuleType, ...] = (eo13959, ns_ccmc, eo14032, dod_1260h, entity_list, ofac_sdn)

_BY_LIST: dict[str, tuple[Rule, ...]] = {}
for _m in MODULES:
    for _list in _m.LISTS:
        _BY_LIST[_list] = _BY_LIST.get(_list, ()) + tuple(_m.RULES)

REPEALS: tuple[Repeal, ...] = tuple(r for _m in MODULES for r in getattr(_m, "REPEALS", ()))


def rules_for(list_id: str) -> tuple[Rule, ...]:
    return _BY_LIST.get(list_id, ())


def repeal_of(rule: Rule, listed: dt.date, as_of: dt.date) -> Repeal | None:
    """The earliest repeal, law on ``as_of``, that ends ``rule`` for a listing made on ``listed``."""
    found = [r for r in REPEALS if r.ends(rule) and listed < r.effective <= as_of]
    return min(found, key=lambda r: r.effective) if found else None
