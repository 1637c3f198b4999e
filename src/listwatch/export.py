"""Export listwatch's registry: every entity with its listing periods, as FollowTheMoney JSON Lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from listwatch.ingest.ftm import export_lines
from listwatch.report import entity_json
from listwatch.status import periods
from listwatch.store.db import Store

__all__ = ["ftm_lines"]


def ftm_lines(store: Store) -> Iterator[str]:
    """One line per entity and one per listing period (a ``Sanction``), entities in id order."""
    by_entity: dict[str, list[Any]] = defaultdict(list)
    for ev in store.events():
        if ev.entity_id:
            by_entity[ev.entity_id].append(ev)
    lists = {x.id: x for x in store.lists()}
    srcs = store.sources({s for evs in by_entity.values() for ev in evs for s in ev.sources})
    ents = store.entities(by_entity)
    docs = []
    for eid in sorted(by_entity):
        e = ents[eid]
        listings = [{"list": p.list_id, "authority": lists[p.list_id].authority if p.list_id in lists else p.list_id,
                     "since": p.since.isoformat(), "until": p.until.isoformat() if p.until else None,
                     "source": "; ".join(srcs[s].citation for s in p.listed.sources if s in srcs)}
                    for ps in periods(by_entity[eid]).values() for p in ps]
        docs.append({**entity_json(e), "kind": e.kind, "listings": listings})
    yield from export_lines(docs)
