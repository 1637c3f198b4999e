"""As-of / as-known-at evaluation: listings, effects and deadlines from the event log.

``as_of`` is a legal day: only events effective on or before it count, and only the rules
already law on that day (``Rule.enacted``). ``known_at`` is a record time: events recorded
after it, and retractions recorded after it, are ignored, so a past answer can be replayed.
Every interval is half-open ``[start, end)``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from listwatch.grammar import event_order
from listwatch.lazy import exports
from listwatch.model import (
    Deadline,
    Effect,
    Entity,
    Event,
    EventType,
    Listing,
    Status,
    Unknown,
)
from listwatch.regimes import Rule, repeal_of, rules_for

if TYPE_CHECKING:
    from listwatch.history import Diff, Member, Timeline, diff, members, timeline
    from listwatch.store.db import Store
    from listwatch.store.reader import Reader

__all__ = [
    "Diff",
    "EffectSpan",
    "Member",
    "Period",
    "Timeline",
    "changes",
    "diff",
    "effect_spans",
    "known_events",
    "members",
    "periods",
    "status",
    "statuses",
    "statuses_of",
    "timeline",
]

# An entity's timeline, a list's members on a day and its diff between two days are this module's API, kept in
# listwatch.history and imported on first use (PEP 562): a status needs none of their three dataclasses, whose
# generated methods are ~2% of its start-up.
__getattr__ = exports(__name__, dict.fromkeys(("Diff", "Member", "Timeline", "diff", "members", "timeline"),
                                             "listwatch.history"))


@dataclass
class Period:
    """One listing period of one entity on one list, with its injunctions."""

    list_id: str
    since: dt.date
    listed: Event
    until: dt.date | None = None
    ended_by: Event | None = None
    suspensions: list[tuple[dt.date, dt.date | None, Event]] = field(default_factory=list)
    amendments: list[Event] = field(default_factory=list)

    def covers(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)

    def suspended_on(self, day: dt.date) -> Event | None:
        for start, end, ev in self.suspensions:
            if start <= day and (end is None or day < end):
                return ev
        return None

    @property
    def listed_as(self) -> str | None:
        names = [e.listed_as for e in [self.listed, *self.amendments] if e.listed_as]
        return names[-1] if names else None


# A named tuple (immutable, compared by value): unlike a frozen dataclass, made without compiling generated methods
# (~3 M instructions each) in every process that imports it: status's start-up.
class EffectSpan(NamedTuple):
    """A rule applied to a period: the effect runs ``[start, end)`` unless suspended."""

    rule: Rule
    period: Period
    start: dt.date
    end: dt.date | None
    ended_by: str | None

    @property
    def bites(self) -> bool:
        """Whether the effect was in force on at least one day."""
        if self.end is not None and self.start >= self.end:
            return False
        day = self.start
        for s, e, _ in sorted(self.period.suspensions, key=lambda x: x[0]):
            if s <= day and (e is None or day < e):
                if e is None:
                    return False
                day = e
        return self.end is None or day < self.end

    def in_force_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end) and self.period.suspended_on(day) is None

    def as_effect(self, day: dt.date) -> Effect:
        note = until = None
        if self.rule.divestment_until is not None:
            until = self.rule.divestment_until.resolve(self.period.since)
            note = (f"transactions solely to divest allowed before {until.isoformat()}" if day < until else
                    f"divestment window closed on {until.isoformat()}: sales are prohibited too")
        return Effect(self.rule.effect, self.rule.authority, self.period.list_id, self.start, self.end,
                      self.in_force_on(day), self.rule.citation, note, until)


def periods(events: Iterable[Event]) -> dict[str, list[Period]]:
    """Listing periods per list, from one entity's events (same-day order: removal first)."""
    out: dict[str, list[Period]] = defaultdict(list)
    for ev in sorted(events, key=event_order):
        if ev.entity_id is None:
            continue
        cur = out[ev.list_id][-1] if out[ev.list_id] and out[ev.list_id][-1].until is None else None
        if ev.type is EventType.LISTED:
            if cur is None:
                out[ev.list_id].append(Period(ev.list_id, ev.effective, ev))
            else:
                cur.amendments.append(ev)  # re-listed while listed: a new printed form
        elif cur is None:
            continue
        elif ev.type in (EventType.DELISTED, EventType.VACATED):
            cur.until, cur.ended_by = ev.effective, ev
            _close_suspension(cur, ev.effective)
        elif ev.type is EventType.ENJOINED:
            if not cur.suspensions or cur.suspensions[-1][1] is not None:
                cur.suspensions.append((ev.effective, None, ev))
        elif ev.type is EventType.INJUNCTION_LIFTED:
            _close_suspension(cur, ev.effective)
        elif ev.type is EventType.AMENDED:
            cur.amendments.append(ev)
    return dict(out)


def _close_suspension(p: Period, day: dt.date) -> None:
    if p.suspensions and p.suspensions[-1][1] is None:
        start, _, ev = p.suspensions[-1]
        p.suspensions[-1] = (start, day, ev)


def effect_spans(period: Period, as_of: dt.date) -> list[EffectSpan]:
    """The effects the law (as of ``as_of``) attaches to a listing period.

    An effect ends when its listing ends or when a later order repeals its rule (the repeal is
    law of the repealing authority, see :mod:`listwatch.regimes`); on the same day the repeal is
    named, since it is the legal cause.
    """
    spans = []
    for rule in rules_for(period.list_id):
        if rule.enacted > as_of or not rule.applies_to(period.since):
            continue
        start = rule.start.resolve(period.since)
        ends: list[tuple[dt.date, int, str]] = []
        repeal = repeal_of(rule, period.since, as_of)
        if repeal is not None:
            ends.append((repeal.effective, 0, f"repealed by {repeal.by} {repeal.effective.isoformat()}: "
                                              f"{repeal.citation}"))
        if period.until is not None and period.ended_by is not None:
            ends.append((period.until, 1, f"{period.ended_by.type.value} {period.until.isoformat()}"))
        end, _, why = min(ends) if ends else (None, 0, None)
        spans.append(EffectSpan(rule, period, start, end, why))
    return spans


def known_events(store: Reader, entity_id: str, as_of: dt.date | None, known_at: dt.datetime | None) -> list[Event]:
    """The entity's events (its lists' list-wide events too) known at ``known_at``, effective by ``as_of`` (None:
    every day)."""
    evs = store.events(entity_id=entity_id, known_at=known_at, list_wide=True)
    return [e for e in evs if as_of is None or e.effective <= as_of]


def unknowns(evs: Iterable[Event], as_of: dt.date, known_at: dt.datetime | None,
             covered: Collection[str]) -> list[Unknown]:
    """What the records leave open on ``as_of`` (``covered``: the lists a known period covers then).

    * a listing dated only "on or before" a later day (its window covers ``as_of``) on a list not
      otherwise known to hold on ``as_of`` - the earliest such listing per list speaks;
    * a removal dated only "on or before" a later day, from a list whose period covers ``as_of``;
    * replaying ``known_at``: nothing recorded yet about the entity.
    """
    evs = [e for e in evs if e.entity_id is not None]
    if not evs and known_at is not None:
        return [Unknown(None, f"nothing recorded yet about it as known at {known_at.isoformat()}")]
    out: dict[str, Unknown] = {}
    for e in sorted(evs, key=lambda e: e.effective):
        if e.window_start is None or not (e.window_start <= as_of < e.effective) or e.list_id in out:
            continue
        if e.type is EventType.LISTED and e.list_id not in covered:
            since = "" if e.window_start == dt.date.min else f" (it was not listed before {e.window_start})"
            out[e.list_id] = Unknown(e.list_id, f"listed on {e.list_id} on or before {e.effective}{since}: "
                                                f"the source gives no listing date, so {as_of} is unknown")
        elif e.type is EventType.DELISTED and e.list_id in covered:
            out[e.list_id] = Unknown(e.list_id, f"removed from {e.list_id} on or after {e.window_start} and on "
                                                f"or before {e.effective}: {as_of} is unknown")
    return list(out.values())


def _source_text(store: Reader, ids: Iterable[str]) -> str:
    srcs = store.sources(ids)
    return "; ".join(srcs[i].citation for i in ids if i in srcs)


def status(store: Reader, entity: Entity | None, as_of: dt.date, known_at: dt.datetime | None = None,
           query: str | None = None) -> Status:
    """Listings, effects and upcoming deadlines of ``entity`` on ``as_of`` (see module doc)."""
    if entity is None:
        return Status(query or "", as_of, known_at, None)
    return _evaluate(store, entity, known_events(store, entity.id, None, known_at), as_of, known_at, query)


def statuses_of(store: Reader, entities: Collection[Entity], as_of: dt.date,
                known_at: dt.datetime | None = None) -> dict[str, Status]:
    """:func:`status` of each of ``entities`` (by id), from one read of their events (batch screening)."""
    if not entities:
        return {}
    mine: dict[str, list[Event]] = {e.id: [] for e in entities}  # each entity's events and the list-wide ones
    for x in store.events(entity_ids=set(mine), known_at=known_at, list_wide=True):  # in log order
        for evs in mine.values() if x.entity_id is None else [mine.get(x.entity_id, [])]:
            evs.append(x)
    return {e.id: _evaluate(store, e, mine[e.id], as_of, known_at, None) for e in entities}


def statuses(store: Reader, as_of: dt.date, known_at: dt.datetime | None = None) -> dict[str, Status]:
    """The status of every entity on ``as_of``, from one read of the event log (for batch screening).

    Equal to calling :func:`status` for each entity, without a query per entity.
    """
    evs = store.events(known_at=known_at)  # ordered (effective, id)
    position = {id(e): n for n, e in enumerate(evs)}
    wide = [e for e in evs if e.entity_id is None]
    own: dict[str, list[Event]] = {}
    for e in evs:
        if e.entity_id is not None:
            own.setdefault(e.entity_id, []).append(e)
    out = {}
    for entity_id, entity in store.all_entities(known_at).items():
        mine = sorted([*own.get(entity_id, []), *wide], key=lambda e: position[id(e)])
        out[entity_id] = _evaluate(store, entity, mine, as_of, known_at, None)
    return out


def _evaluate(store: Reader, entity: Entity, every: list[Event], as_of: dt.date, known_at: dt.datetime | None,
              query: str | None) -> Status:
    """The status of ``entity`` on ``as_of`` from all its known events and the list-wide ones, in log
    order (the later ones matter too: a listing dated "on or before" a later day leaves ``as_of`` open)."""
    evs = [e for e in every if e.effective <= as_of]
    listings: list[Listing] = []
    effects: list[Effect] = []
    suspended: list[Effect] = []
    deadlines: list[Deadline] = []
    for list_id, ps in sorted(periods(evs).items()):
        for p in ps:
            if not p.covers(as_of):
                continue
            susp = p.suspended_on(as_of)
            listings.append(Listing(
                list_id, p.since, p.until, susp is None,
                _source_text(store, susp.sources) if susp else None,
                p.listed.sources, p.listed_as, p.listed.confidence))
            for span in effect_spans(p, as_of):
                if span.start <= as_of and (span.end is None or as_of < span.end):
                    (effects if susp is None else suspended).append(span.as_effect(as_of))
                    if susp is None and span.end is not None:
                        deadlines.append(Deadline(span.rule.effect, "ends", span.end, span.rule.authority,
                                                  span.rule.citation, list_id))
                elif span.start > as_of and susp is None and (span.end is None or span.start < span.end):
                    deadlines.append(Deadline(span.rule.effect, "starts", span.start, span.rule.authority,
                                              span.rule.citation, list_id))
    deadlines.sort(key=lambda d: (d.date, d.effect))
    return Status(query or entity.name, as_of, known_at, entity, listings, effects, suspended, deadlines,
                  unknowns(every, as_of, known_at, {x.list_id for x in listings}))


def changes(store: Store, since: dt.datetime | None = None, list_id: str | None = None,
            limit: int = 1000) -> list[Event]:
    """Events recorded after ``since`` (all if None), in recording order, at most ``limit``;
    retracted events are left out (:meth:`~listwatch.store.db.Store.retractions_since` lists them)."""
    return store.events_page(since, list_id, 0, limit)[0]


def changes_page(store: Store, since: dt.datetime | None = None, list_id: str | None = None, cursor: int = 0,
                 limit: int = 1000) -> tuple[list[Event], int | None]:
    """One page of the change feed after ``cursor`` (0 = the start) and the cursor of the next page,
    None when this page is the last one."""
    events, last = store.events_page(since, list_id, cursor, limit)
    return events, (last if len(events) == limit else None)
