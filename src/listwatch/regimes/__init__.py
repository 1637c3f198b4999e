"""One module per legal authority; :func:`rules_for` maps a list to the rules keyed on it."""

from __future__ import annotations

from types import ModuleType

from listwatch.regimes import dod_1260h, entity_list, eo13959, eo14032, ofac_sdn
from listwatch.regimes.base import Rule, Window

__all__ = ["MODULES", "Rule", "Window", "rules_for"]

MODULES: tuple[ModuleType, ...] = (eo13959, eo14032, dod_1260h, entity_list, ofac_sdn)

_BY_LIST: dict[str, tuple[Rule, ...]] = {}
for _m in MODULES:
    for _list in _m.LISTS:
        _BY_LIST[_list] = _BY_LIST.get(_list, ()) + tuple(_m.RULES)


def rules_for(list_id: str) -> tuple[Rule, ...]:
    return _BY_LIST.get(list_id, ())
