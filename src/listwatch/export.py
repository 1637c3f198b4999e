"""Export listwatch's registry as FollowTheMoney JSON Lines, built with the ``followthemoney`` library:
each entity (names, country, identifiers - the USCC as ``uscCode`` -, topics of every list it was ever on,
and every other property its published records gave: birth dates, nationality, IMO numbers, source URLs...)
and one ``Sanction`` per listing period (program, authority, listing and end dates, the source citation as
``summary`` and its URLs as ``sourceUrl``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from followthemoney import model

from listwatch.ftm import entity_proxy
from listwatch.status import periods
from listwatch.store.db import Store
from listwatch.yente import topics_for

__all__ = ["ftm_lines", "ftm_proxies"]

_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")


def ftm_proxies(store: Store) -> Iterator[Any]:
    """One entity per listwatch entity and one ``Sanction`` per listing period, entities in id order."""
    by_entity: dict[str, list[Any]] = defaultdict(list)
    for ev in store.events():
        if ev.entity_id:
            by_entity[ev.entity_id].append(ev)
    lists = {x.id: x for x in store.lists()}
    srcs = store.sources({s for evs in by_entity.values() for ev in evs for s in ev.sources})
    ents = store.entities(by_entity)
    printed = store.record_properties()
    for eid in sorted(by_entity):
        e = ents[eid]
        spans = [p for ps in periods(by_entity[eid]).values() for p in ps]
        party = entity_proxy(e, topics_for(sorted({p.list_id for p in spans})), printed.get(eid), f"lw-{e.id}")
        party.add("sourceUrl", [u for p in spans for s in p.listed.sources if s in srcs
                                for u in _URL.findall(srcs[s].citation)], quiet=True)
        yield party
        for n, p in enumerate(spans):
            sanction = model.make_entity("Sanction")
            sanction.id = f"lw-{e.id}-sanction-{n}"
            citation = "; ".join(srcs[s].citation for s in p.listed.sources if s in srcs)
            sanction.add("entity", party.id)
            sanction.add("program", p.list_id)
            sanction.add("authority", lists[p.list_id].authority if p.list_id in lists else p.list_id)
            sanction.add("listingDate", p.since.isoformat())
            sanction.add("startDate", p.since.isoformat())
            if p.until:
                sanction.add("endDate", p.until.isoformat())
            sanction.add("summary", citation, quiet=True)
            sanction.add("sourceUrl", _URL.findall(citation), quiet=True)
            yield sanction


def ftm_lines(store: Store) -> Iterator[str]:
    import json  # noqa: PLC0415

    for proxy in ftm_proxies(store):
        yield json.dumps({**proxy.to_dict(), "datasets": ["listwatch"]}, ensure_ascii=False)
