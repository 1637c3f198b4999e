"""Entity List rules as a table: Federal Register citation -> publication date, effective date, source.

An Entity List entry binds from its rule's *effective* date (15 CFR 744.11; reference/README.md),
which is often earlier than the Federal Register publication (84 FR 22961: effective 2019-05-16,
published 2019-05-21). The trade.gov CSL prints only FR citations and a ``start_date`` that is
usually the publication date, so a row is dated through this table: its earliest FR citation
(the rule that added it) falls within one rule's pages, and that rule gives the date.

The table lives in ``data/entity-list-rules.yaml``. A rule whose effective date was read in the
rule text is ``verified``. One whose effective date was not confirmed dates its entries by its
publication date (``reported``): for Entity List rules the publication date is never before the
effective date, so such an entry can start at most a few days late - the note says so.

Impossible printed dates (year 0017, 0097: typos in the CSL) never date an entry: the FR citation
does, and the note names the printed value; a row with an impossible date and no known rule is
refused (:class:`DatingError`); a row with no citation and no date at all cannot be dated here.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from listwatch.model import Confidence

__all__ = ["Dating", "DatingError", "ELRule", "RuleTable", "bundled_rules", "cites", "load_rules"]

FILE = "entity-list-rules.yaml"
FIRST_RULE = dt.date(1997, 2, 3)  # 62 FR 4910, the first Entity List rule
_CITE = re.compile(r"(\d{2,3})\s*F\.?\s*R\.?\s*(\d{1,6})")


class DatingError(ValueError):
    """An Entity List entry cannot be dated; the message names the row."""


@dataclass(frozen=True, slots=True)
class ELRule:
    volume: int
    first_page: int
    last_page: int
    published: dt.date
    effective: dt.date | None  # None: not confirmed in the rule text
    sources: tuple[str, ...]
    title: str | None = None
    note: str | None = None

    @property
    def cite(self) -> str:
        return f"{self.volume} FR {self.first_page}"

    @property
    def confidence(self) -> Confidence:
        return Confidence.VERIFIED if self.effective is not None else Confidence.REPORTED

    @property
    def starts(self) -> dt.date:
        """The day its entries bind: the effective date, or the publication date if unconfirmed."""
        return self.effective or self.published


@dataclass(frozen=True, slots=True)
class Dating:
    day: dt.date
    rule: ELRule | None
    confidence: Confidence
    note: str


def cites(text: str) -> list[tuple[int, int]]:
    """The (volume, page) of every FR citation in a text, earliest first."""
    return sorted({(int(v), int(p)) for v, p in _CITE.findall(text or "")})


def _plausible(printed: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat((printed or "").strip()[:10])
    except ValueError:
        return None
    return day if day >= FIRST_RULE else None


@dataclass(frozen=True)
class RuleTable:
    rules: tuple[ELRule, ...]

    def find(self, volume: int, page: int) -> ELRule | None:
        hits = [r for r in self.rules if r.volume == volume and r.first_page <= page <= r.last_page]
        return max(hits, key=lambda r: r.first_page) if hits else None

    def date_entry(self, fr_notice: str, printed_start: str | None, where: str) -> Dating | None:
        """When a listed entry binds, from its FR citations (earliest = the adding rule).

        ``None``: the row has neither an FR citation nor a printed date (the caller knows only
        that the entry is on the list of its file).
        """
        found = cites(fr_notice)
        printed = (printed_start or "").strip()
        bad = f"; printed start_date {printed!r} is impossible and was not used" if printed and \
            _plausible(printed) is None else ""
        rule = self.find(*found[0]) if found else None
        if rule is not None:
            if rule.effective is not None:
                note = f"effective date of {rule.cite} (published {rule.published.isoformat()})"
            else:
                note = (f"{rule.cite}: effective date not confirmed, dated by its publication "
                        f"{rule.published.isoformat()} (an Entity List rule takes effect on or before it)")
            return Dating(rule.starts, rule, rule.confidence, note + bad)
        day = _plausible(printed)
        if day is None and not found and not printed:
            return None
        if day is None:
            what = f"citation {found[0][0]} FR {found[0][1]} is in no known rule" if found else "no FR citation"
            raise DatingError(f"{where}: {what} and start_date {printed!r} is not a plausible date")
        cite = f"{found[0][0]} FR {found[0][1]}" if found else "no FR citation"
        return Dating(day, None, Confidence.REPORTED,
                      f"{cite}: no rule in the table; dated by the printed start_date (publication), "
                      f"effective date not confirmed")


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DatingError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def load_rules(path: Path) -> RuleTable:
    """Parse the rule table; errors name the file and the rule."""
    # libyaml's parser with the same safe constructor when PyYAML has it: the same data, a tenth of the time
    # (read on every Entity List ingest)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 - a safe loader
    out = []
    for i, r in enumerate(data.get("rules") or []):
        where = f"{path.name} rule #{i + 1} ({r.get('fr')})"
        m = _CITE.fullmatch(str(r.get("fr", "")).strip())
        if not m:
            raise DatingError(f"{where}: 'fr' must be like '84 FR 22961'")
        first = int(m.group(2))
        last = int(r.get("last_page", first))
        published = _date(r.get("published"), where)
        effective = _date(r["effective"], where) if r.get("effective") else None
        src = r.get("source") or []
        if not src:
            raise DatingError(f"{where}: no source")
        out.append(ELRule(int(m.group(1)), first, last, published, effective, tuple(src), r.get("title"),
                          r.get("note")))
    return RuleTable(tuple(out))


@functools.cache
def bundled_rules() -> RuleTable:
    """The rule table shipped in ``listwatch/data`` (read once per process)."""
    return load_rules(Path(str(importlib.resources.files("listwatch") / "data" / FILE)))
