"""The event grammar: the states a listing goes through and the order of events on one day.

One entity on one list is ``off``, ``on`` or ``enjoined``. ``listed`` turns it on (a re-listing
while on is an error in curated data; the engine reads it as a new printed form), ``delisted`` and
``vacated`` turn it off, ``enjoined`` suspends it (effects held off) until ``injunction_lifted``,
``amended`` changes a listing in force. ``superseded`` is list-wide and informational only: a
regime's end is law, declared by the repealing authority (:class:`listwatch.regimes.Repeal`).

Same-day order (an event dated D counts on D): what listwatch learned later comes later - events of
one day are taken in the order they were recorded, so a listing and then a removal recorded by a later
ingest on the same day (list versions A -> B of one day) leave the company off the list from D, as the
removal counts on D. Events recorded at the same time (one curated file, one ingest) follow the type
order: a removal ends the old listing before a re-listing starts the new one, so a delisting and
re-listing on one day (Hesai, Luokung) leave the company continuously listed. Used by the engine
(:mod:`listwatch.status`) and by ``listwatch data check``.
"""

from __future__ import annotations

import datetime as dt

from listwatch.model import Event, EventType

__all__ = ["ORDER", "event_order", "step"]

ORDER = {EventType.DELISTED: 0, EventType.VACATED: 1, EventType.LISTED: 2, EventType.ENJOINED: 3,
         EventType.INJUNCTION_LIFTED: 4, EventType.AMENDED: 5, EventType.SUPERSEDED: 6}


def event_order(ev: Event) -> tuple[dt.date, dt.datetime, int]:
    """Sort key: by day, then record time, then removal before listing before injunction (see module doc)."""
    return (ev.effective, ev.recorded_at, ORDER[ev.type])


def step(state: str, typ: EventType) -> tuple[str, str | None]:
    """The state after an event of type ``typ`` in ``state``, and what is wrong with it (if anything)."""
    if typ is EventType.LISTED:
        return "on", None if state == "off" else "listed while already listed"
    if typ in (EventType.DELISTED, EventType.VACATED):
        return "off", "removal without a listing" if state == "off" else None
    if typ is EventType.ENJOINED:
        return "enjoined", None if state == "on" else "injunction without a listing in force"
    if typ is EventType.INJUNCTION_LIFTED:
        return "on", None if state == "enjoined" else "injunction lifted without an injunction"
    if typ is EventType.AMENDED:
        return state, "amendment without a listing" if state == "off" else None
    return state, None
