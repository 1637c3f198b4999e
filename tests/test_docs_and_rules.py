"""Docs and rules stay honest: every command is documented, every rule cites its law."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import click

from listwatch.cli import app
from listwatch.model import EffectKind
from listwatch.regimes import MODULES, Action, action_gaps, eo14032, ofac_sdn

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, sub in group.commands.items():
        if isinstance(sub, click.Group):
            names += [f"{prefix}{name} {s}" for s in sub.commands]
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_cli_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [c for c in _commands(app) if f"listwatch {c}" not in text]
    assert not missing, f"undocumented commands: {missing}"


def test_every_rule_cites_an_instrument_and_every_regime_cites_the_law() -> None:
    for mod in MODULES:
        assert mod.__doc__ and re.search(r"\d+ (FR|CFR)|U\.S\.C\.|Pub\. L\.", mod.__doc__), mod.__name__
        for rule in mod.RULES:
            assert re.search(r"\d+ FR \d+|CFR|Pub\. L\.", rule.citation), rule
            assert rule.authority and rule.enacted


def test_effect_kinds_are_the_closed_vocabulary() -> None:
    assert {k.value for k in EffectKind} == {"securities_purchase_prohibited", "securities_holding_prohibited",
                                             "export_license_required", "assets_blocked",
                                             "dod_contracting_prohibited"}


def test_every_regime_declares_a_cited_action_for_each_effect_its_rules_produce() -> None:
    assert [g for mod in MODULES for g in action_gaps(mod)] == []


def test_a_regime_without_declared_actions_fails_the_rule_check() -> None:
    bare = ModuleType("listwatch.regimes.bare")
    bare.RULES = ofac_sdn.RULES + eo14032.RULES  # type: ignore[attr-defined]
    assert action_gaps(bare) == [
        "listwatch.regimes.bare: no action for assets_blocked in_force (IEEPA / OFAC (31 CFR ch. V))",
        "listwatch.regimes.bare: no action for securities_purchase_prohibited ahead (EO 14032)",
        "listwatch.regimes.bare: no action for securities_purchase_prohibited in_force (EO 14032)",
        "listwatch.regimes.bare: no action for securities_purchase_prohibited window_closed (EO 14032)"]
    bare.ACTIONS = (Action(EffectKind.ASSETS_BLOCKED, "in_force", "blocked", " "),)  # type: ignore[attr-defined]
    assert "listwatch.regimes.bare: action assets_blocked/in_force has no citation" in action_gaps(bare)
