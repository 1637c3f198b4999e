"""An entity's story and a list's membership over time: :func:`timeline` (every known event of an entity, its
listing periods and the effect spans they produced), :func:`members` (who is on a list on a day) and :func:`diff`
(how a list changed between two days). Built on :mod:`listwatch.status`'s periods and effect spans, and part of
its API (``from listwatch.status import timeline, members, diff``); kept apart so that a status, which needs none
of these types, does not create them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from listwatch.grammar import event_order
from listwatch.status import effect_spans, known_events, periods

if TYPE_CHECKING:
    from listwatch.model import Entity, Event
    from listwatch.status import EffectSpan, Period
    from listwatch.store.reader import Reader

__all__ = ["Diff", "Member", "Timeline", "diff", "members", "timeline"]


@dataclass(frozen=True)
class Timeline:
    """An entity's story: its events, its listing periods per list, and the effect spans they produced."""

    entity: Entity
    events: list[Event]
    periods: dict[str, list[Period]]
    spans: list[EffectSpan]


def timeline(store: Reader, entity: Entity, known_at: dt.datetime | None = None) -> Timeline:
    """Every known event of an entity, its listing periods and the effect spans they produced."""
    evs = known_events(store, entity.id, None, known_at)
    mine = [e for e in evs if e.entity_id is not None]
    ps = periods(mine)
    spans = [s for lst in ps.values() for p in lst for s in effect_spans(p, dt.date.max)]
    shown = [e for e in evs if e.entity_id is not None or any(e.list_id == k for k in ps)]
    return Timeline(entity, sorted(shown, key=event_order), ps, spans)


@dataclass(frozen=True)
class Member:
    """An entity on a list on a day: since when, listed as what, in force or suspended, until when."""

    entity: Entity
    since: dt.date
    listed_as: str | None
    in_force: bool
    until: dt.date | None = None


def members(store: Reader, list_id: str, as_of: dt.date, known_at: dt.datetime | None = None) -> list[Member]:
    """Entities on ``list_id`` on ``as_of`` (enjoined listings included, ``in_force`` False)."""
    by_entity: dict[str, list[Event]] = defaultdict(list)
    for ev in store.events(list_id=list_id, known_at=known_at):
        if ev.entity_id is not None and ev.effective <= as_of:
            by_entity[ev.entity_id].append(ev)
    ents = store.entities(by_entity, known_at)
    out = []
    for eid, evs in by_entity.items():
        if eid not in ents:  # every name of it withdrawn by then
            continue
        for p in periods(evs).get(list_id, []):
            if p.covers(as_of):
                out.append(Member(ents[eid], p.since, p.listed_as, p.suspended_on(as_of) is None, p.until))
    return sorted(out, key=lambda m: (m.entity.name.casefold(), m.entity.id))


@dataclass(frozen=True)
class Diff:
    """How a list changed between two days: members added, removed, and amended (before, after)."""

    list_id: str
    start: dt.date
    end: dt.date
    added: list[Member]
    removed: list[Member]
    amended: list[tuple[Member, Member]]


def diff(store: Reader, list_id: str, start: dt.date, end: dt.date, known_at: dt.datetime | None = None) -> Diff:
    """Membership change from the end of day ``start`` to the end of day ``end``.

    ``added``: on the list on ``end`` but not on ``start``; ``removed``: the reverse;
    ``amended``: on it both days under a different printed name, or re-listed in between.
    """
    if end < start:
        raise ValueError(f"diff: 'to' {end} is before 'from' {start}")
    before = {m.entity.id: m for m in members(store, list_id, start, known_at)}
    after = {m.entity.id: m for m in members(store, list_id, end, known_at)}
    added = [m for k, m in after.items() if k not in before]
    removed = []
    for k, m in before.items():
        if k not in after:
            gone = [p for p in periods(store.events(entity_id=k, list_id=list_id, known_at=known_at))
                    .get(list_id, []) if p.since == m.since]
            removed.append(Member(m.entity, m.since, m.listed_as, False, gone[0].until if gone else None))
    amended = [(before[k], m) for k, m in after.items()
               if k in before and (m.listed_as != before[k].listed_as or m.since != before[k].since)]
    return Diff(list_id, start, end, sorted(added, key=_by_name), sorted(removed, key=_by_name),
                sorted(amended, key=lambda pair: _by_name(pair[1])))


def _by_name(m: Member) -> str:
    return m.entity.name.casefold()
