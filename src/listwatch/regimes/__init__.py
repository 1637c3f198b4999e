"""One module per legal authority; :func:`rules_for` maps a list to the rules keyed on it.

A module declares ``LISTS`` (the lists its rules key on), ``RULES`` and optionally ``REPEALS``
(the rules of other authorities it ends: the law owns its end, see :class:`Repeal`) and ``ACTIONS``
(what a holder may or may not do about each effect, cited: :class:`Action`); :func:`action_gaps`
names every effect a module's rules produce without a declared action.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from listwatch.model import EffectKind
from listwatch.regimes import dod_1260h, entity_list, eo13959, eo14032, ns_ccmc, ofac_sdn
from listwatch.regimes.base import Action, Repeal, Rule, Window

__all__ = ["MODULES", "REPEALS", "Action", "Repeal", "Rule", "Window", "action_gaps", "actions_for", "repeal_of",
           "rules_for"]

MODULES: tuple[ModuleType, ...] = (eo13959, ns_ccmc, eo14032, dod_1260h, entity_list, ofac_sdn)

_BY_LIST: dict[str, tuple[Rule, ...]] = {}
_ACTIONS: dict[str, tuple[Action, ...]] = {}
for _m in MODULES:
    for _list in _m.LISTS:
        _BY_LIST[_list] = _BY_LIST.get(_list, ()) + tuple(_m.RULES)
        _ACTIONS[_list] = _ACTIONS.get(_list, ()) + tuple(getattr(_m, "ACTIONS", ()))

REPEALS: tuple[Repeal, ...] = tuple(r for _m in MODULES for r in getattr(_m, "REPEALS", ()))


def rules_for(list_id: str) -> tuple[Rule, ...]:
    return _BY_LIST.get(list_id, ())


def repeal_of(rule: Rule, listed: dt.date, as_of: dt.date) -> Repeal | None:
    """The earliest repeal, law on ``as_of``, that ends ``rule`` for a listing made on ``listed``."""
    found = [r for r in REPEALS if r.ends(rule) and listed < r.effective <= as_of]
    return min(found, key=lambda r: r.effective) if found else None


def actions_for(list_id: str, effect: EffectKind, when: str, ahead: frozenset[EffectKind]) -> Action | None:
    """The declared action for ``effect`` of a listing on ``list_id`` in phase ``when``; a phrase whose
    ``while_ahead`` effect is among ``ahead`` (effects still to start) wins over the plain one."""
    found = [a for a in _ACTIONS.get(list_id, ()) if a.effect == effect and a.when == when
             and (a.while_ahead is None or a.while_ahead in ahead)]
    return max(found, key=lambda a: a.while_ahead is not None) if found else None


def action_gaps(module: ModuleType) -> list[str]:
    """Each (effect, phase) that the module's rules can produce and its ``ACTIONS`` do not answer, or a
    declared action without a citation: a rule check, so a regime cannot add an effect without advice."""
    declared = {(a.effect, a.when) for a in getattr(module, "ACTIONS", ()) if a.citation.strip()}
    gaps = [f"{module.__name__}: action {a.effect.value}/{a.when} has no citation"
            for a in getattr(module, "ACTIONS", ()) if not a.citation.strip()]
    for rule in module.RULES:
        needed = ["in_force"]
        if rule.start.fixed is not None or (rule.start.days_after_listing or 0) > 0:
            needed.append("ahead")
        if rule.divestment_until is not None:
            needed.append("window_closed")
        gaps += [f"{module.__name__}: no action for {rule.effect.value} {when} ({rule.authority})"
                 for when in needed if (rule.effect, when) not in declared]
    return sorted(set(gaps))
