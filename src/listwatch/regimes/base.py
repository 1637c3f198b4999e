"""Legal rules as dated data.

A :class:`Rule` says: *for a listing on these lists, effect K starts on day S and ends on
day E*, where S and E are either fixed dates or offsets from the listing date, with the
citation that makes it law. Rules are plain data in each authority's module; the engine
in :mod:`listwatch.status` applies them to listing periods built from the event log.

Boundaries (all days are whole calendar days, US Eastern):

* ``start`` is inclusive: the effect is in force on that day (reference convention: an
  event dated D counts on D; a ban biting at 9:30 a.m. or 12:01 a.m. on D counts on D);
* ``end`` is exclusive: the first day the effect is no longer in force;
* ``cohort``: the rule applies only to listings whose start lies in ``[listed_from,
  listed_before)``, e.g. the EO 13959 Annex (listed before the order was signed).

A rule ends when its listing ends or when a later order repeals it: a :class:`Repeal` is
declared by the *repealing* authority's module (EO 14032 ends EO 13959/13974), dated and cited.

Beside its rules each module declares ``ACTIONS``: what a holder may or may not do about each
effect (:class:`Action`), with the citation; ``portfolio`` composes its advice from them only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from listwatch.model import EffectKind

__all__ = ["BUY_UNTIL", "WHEN", "Action", "Repeal", "Rule", "Window"]


@dataclass(frozen=True, slots=True)
class Window:
    """When, relative to a listing, something happens: a fixed date or ``listing + days``."""

    fixed: dt.date | None = None
    days_after_listing: int | None = None

    def __post_init__(self) -> None:
        if (self.fixed is None) == (self.days_after_listing is None):
            raise ValueError("a Window is either a fixed date or an offset, not both")

    def resolve(self, listed: dt.date) -> dt.date:
        if self.fixed is not None:
            return self.fixed
        assert self.days_after_listing is not None
        return listed + dt.timedelta(days=self.days_after_listing)


# Rule and Repeal are named tuples (immutable, compared by value): unlike frozen dataclasses, made without compiling
# generated methods (~3 M instructions each) in every process that imports them: status's start-up.
class Rule(NamedTuple):
    """One effect of one authority on listings of one cohort.

    ``enacted``: the day the rule became law; a status as of an earlier day does not know it.
    ``divestment_until``: for investment bans, the last moment transactions solely to divest
    are allowed (exclusive day: ``listing + 365`` at 12:01 a.m. means sales up to the day before).
    """

    authority: str
    effect: EffectKind
    start: Window
    citation: str
    enacted: dt.date
    listed_from: dt.date | None = None
    listed_before: dt.date | None = None
    divestment_until: Window | None = None
    note: str | None = None

    def applies_to(self, listed: dt.date) -> bool:
        if self.listed_from is not None and listed < self.listed_from:
            return False
        return not (self.listed_before is not None and listed >= self.listed_before)


class Repeal(NamedTuple):
    """A later order ends every rule of ``authorities`` on ``effective`` (that day is the first
    day without them), for listings made before that day. Declared by the repealing authority.
    """

    by: str
    authorities: tuple[str, ...]
    effective: dt.date
    citation: str

    def ends(self, rule: Rule) -> bool:
        return rule.authority in self.authorities


WHEN = ("ahead", "in_force", "window_closed")
BUY_UNTIL = "may buy until {last_day}; purchase ban from {start}"


@dataclass(frozen=True, slots=True)
class Action:
    """What a holder may or may not do about one effect, and the law that says so.

    ``when``: ``ahead`` (the effect starts on a later day), ``in_force`` (in force, any window for
    sales solely to divest still open or none) or ``window_closed`` (in force, that window closed).
    ``while_ahead``: the phrase holds only while that other effect is still to start, and wins over
    the plain phrase (EO 13959 "may not buy" while the EO 13974 divestment deadline lies ahead).
    ``replaces``: effects whose phrases this one makes moot (a holding ban says more than a purchase ban).
    ``text`` may use ``{start}`` (first day of the effect, inclusive), ``{last_day}`` (the day before)
    and ``{until}`` (the divestment window's end, exclusive).
    """

    effect: EffectKind
    when: str
    text: str
    citation: str
    while_ahead: EffectKind | None = None
    replaces: tuple[EffectKind, ...] = ()

    def __post_init__(self) -> None:
        if self.when not in WHEN:
            raise ValueError(f"Action.when {self.when!r} is not one of {', '.join(WHEN)}")

    def render(self, start: dt.date, until: dt.date | None) -> str:
        return self.text.format(start=start, last_day=start - dt.timedelta(days=1), until=until)
