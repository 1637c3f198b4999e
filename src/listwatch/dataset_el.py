"""The bundled Entity List: every row of a CSL file (``data/entity-list.csv``), dated by rule.

Each row names its entity (a curated one, or its own), its FR citations and the start date the
CSL printed. The row is dated through the rule table (:mod:`listwatch.regimes.el_rules`) by its
earliest citation: the adding rule's effective date, or its publication date when the effective
date is not confirmed (``reported``). An entity gets one listing, from its earliest-dated row,
citing every row and rule behind it. A row with no citation and no date is dated by the file
(on the list by then, addition date unknown: ``reported``). Kept as CSV, not YAML: 2,000 rows
load in milliseconds, and the first open of every store seeds them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from listwatch.match.normalize import lookup_key
from listwatch.model import Confidence, Entity, Event, EventType, Name, Source
from listwatch.regimes.el_rules import FILE as RULES_FILE
from listwatch.regimes.el_rules import Dating, DatingError, load_rules

__all__ = ["FILE", "EntityListDataError", "load_entity_list"]

FILE = "entity-list.csv"
LIST_ID = "us-bis-entity-list"


def _header(lines: list[str], key: str, where: str) -> str:
    for line in lines:
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    raise EntityListDataError(f"{where}: no '# {key}:' header line")


class EntityListDataError(ValueError):
    """The bundled Entity List file is malformed; the message names the file and row."""


def load_entity_list(root: Path, entities: dict[str, Entity], event_key: Callable[..., str]) -> tuple[
        dict[str, Entity], list[Event], dict[str, Source]]:
    """(entities to add or replace, listing events, sources) from ``root/entity-list.csv``."""
    path = root / FILE
    text = path.read_text(encoding="utf-8").splitlines()
    comments = [x for x in text if x.startswith("#")]
    recorded = dt.datetime.fromisoformat(_header(comments, "recorded_at", path.name)).astimezone(dt.UTC)
    file_day = dt.date.fromisoformat(_header(comments, "file_date", path.name))
    file_source = _header(comments, "file_source", path.name)
    try:
        rules = load_rules(root / RULES_FILE)
    except (DatingError, OSError) as exc:
        raise EntityListDataError(f"{RULES_FILE}: {exc}") from exc
    rows = list(csv.DictReader(x for x in text if not x.startswith("#")))
    sources: dict[str, Source] = {}
    new: dict[str, Entity] = {}
    by_entity: dict[str, list[tuple[dt.date, int, dict[str, str], Dating | None]]] = defaultdict(list)
    for i, row in enumerate(rows):
        where = f"{path.name} row {i + 1} (csl:{row.get('csl_id')})"
        if not row.get("csl_id") or not row.get("entity") or not row.get("name"):
            raise EntityListDataError(f"{where}: csl_id, entity and name are required")
        sid = f"csl:{row['csl_id']}"
        sources.setdefault(sid, Source(sid, f"{file_source}, Entity List row _id {row['csl_id']}, FR "
                                            f"{row['federal_register_notice'] or '(none printed)'}"))
        try:
            dating = rules.date_entry(row["federal_register_notice"], row["start_date"], where)
        except DatingError as exc:
            raise EntityListDataError(str(exc)) from exc
        by_entity[row["entity"]].append((dating.day if dating else file_day, i, row, dating))
        names = [row["name"], *(a.strip() for a in row["alt_names"].split(";") if a.strip())]
        ent = new.get(row["entity"]) or entities.get(row["entity"]) or Entity(
            row["entity"], row["name"], kind="entity", country=row["country"] or None)
        have = {lookup_key(n.name) for n in ent.names}
        extra = tuple(Name(n, (sid,)) for n in dict.fromkeys(names) if lookup_key(n) not in have)
        if extra:
            ent = replace(ent, names=ent.names + extra)
        new[ent.id] = ent
    events = []
    for eid, found in by_entity.items():
        day, _, row, dating = min(found, key=lambda x: (x[0], x[1]))
        srcs = [f"csl:{r['csl_id']}" for _, _, r, _ in sorted(found, key=lambda x: x[1])]
        if dating is not None and dating.rule is not None:
            srcs[:0] = list(dating.rule.sources)
        conf = dating.confidence if dating is not None else Confidence.REPORTED
        note = dating.note if dating is not None else (
            f"no FR citation or start date printed: on the list in the file of {file_day.isoformat()}, "
            "addition date unknown")
        if row["license_policy"]:
            note += f". Licence policy: {row['license_policy']}"
        srcs = list(dict.fromkeys(srcs))
        events.append(Event(
            key=event_key(LIST_ID, eid, EventType.LISTED.value, day, row["name"], None, note, conf.value,
                          ",".join(srcs)),
            list_id=LIST_ID, type=EventType.LISTED, effective=day, recorded_at=recorded, sources=tuple(srcs),
            confidence=conf, entity_id=eid, note=note, listed_as=row["name"]))
    return new, events, sources
