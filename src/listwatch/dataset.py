"""Load and validate the curated dataset (``src/listwatch/data/*.yaml`` by default).

The dataset is the seed of the store: sources, list definitions, entities and the event
log. :func:`load` parses it into domain objects and raises :class:`DatasetError` on the
first structural problem (naming file and item); :func:`check` runs the semantic
checks behind ``listwatch data check`` and returns every problem found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from listwatch.datadigest import bundled_dir, content_hash
from listwatch.dataset_el import FILE as EL_FILE
from listwatch.dataset_el import EntityListDataError, load_entity_list
from listwatch.grammar import event_order, step
from listwatch.match.normalize import lookup_key
from listwatch.model import (
    Confidence,
    Entity,
    Event,
    EventType,
    Identifier,
    ListDef,
    Name,
    Source,
)
from listwatch.provenance import cites_primary
from listwatch.regimes.el_rules import FILE as RULES_FILE

__all__ = ["Dataset", "DatasetError", "bundled_dir", "check", "content_hash", "event_order", "load"]


class DatasetError(ValueError):
    """A dataset file is malformed; the message names the file and the item."""


@dataclass(frozen=True)
class Dataset:
    sources: dict[str, Source]
    lists: dict[str, ListDef]
    entities: dict[str, Entity]
    events: list[Event]
    digest: str


def _files(root: Path) -> list[Path]:
    return sorted(root.glob("*.yaml"))


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader (libyaml's when present) that rejects duplicate mapping keys instead of keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        k = loader.construct_object(key_node, deep=deep)
        if k in seen:
            raise DatasetError(f"duplicate key {k!r} at line {key_node.start_mark.line + 1}")
        seen.add(k)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - safe subclass
    except (yaml.YAMLError, DatasetError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path.name}: top level must be a mapping")
    return data


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise DatasetError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")


def _timestamp(value: Any, where: str) -> dt.datetime:
    if value is None:
        raise DatasetError(f"{where}: no recorded_at (when listwatch learned these facts, ISO time with offset)")
    try:
        ts = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise DatasetError(f"{where}: {value!r} is not an ISO timestamp") from exc
    if ts.tzinfo is None:
        raise DatasetError(f"{where}: recorded_at {value!r} needs a UTC offset")
    return ts.astimezone(dt.UTC)


def _sources(item: dict[str, Any], where: str) -> tuple[str, ...]:
    src = item.get("source", [])
    if isinstance(src, str):
        src = [src]
    if not isinstance(src, list) or not all(isinstance(s, str) for s in src):
        raise DatasetError(f"{where}: source must be a list of source ids")
    return tuple(src)


def _confidence(item: dict[str, Any], where: str) -> Confidence:
    try:
        return Confidence(item.get("confidence", "verified"))
    except ValueError as exc:
        raise DatasetError(f"{where}: confidence must be verified or reported, not {item.get('confidence')!r}") from exc


def event_key(*parts: object) -> str:
    """A content id: any change to an event's facts (date, sources, note, ...) is a new event."""
    raw = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _entity(e: dict[str, Any], where: str) -> Entity:
    if not isinstance(e.get("id"), str) or not isinstance(e.get("name"), str):
        raise DatasetError(f"{where}: an entity needs string 'id' and 'name'")
    w = f"{where} ({e['id']})"
    names = tuple(
        Name(n["name"], _sources(n, f"{w} name {n.get('name')!r}"), _confidence(n, w), n.get("script"), n.get("note"))
        for n in e.get("names", [])
    )
    ids = tuple(
        Identifier(i["scheme"], str(i["value"]), _sources(i, f"{w} identifier {i.get('value')!r}"),
                   _confidence(i, w), i.get("exchange"))
        for i in e.get("identifiers", [])
    )
    parent = e.get("parent") or {}
    return Entity(
        id=e["id"], name=e["name"], kind=e.get("kind", "company"), country=e.get("country"),
        names=names, identifiers=ids, parent=parent.get("entity"),
        parent_sources=_sources(parent, f"{w} parent") if parent else (), note=e.get("note"),
    )


def load(root: Path | None = None) -> Dataset:
    """Parse every file of a dataset directory into domain objects."""
    root = root or bundled_dir()
    if not (root / "sources.yaml").exists():
        raise DatasetError(f"{root}: no sources.yaml - not a listwatch dataset directory")
    sources: dict[str, Source] = {}
    lists: dict[str, ListDef] = {}
    entities: dict[str, Entity] = {}
    events: list[Event] = []
    for path in _files(root):
        data = _read(path)
        for sid, rec in (data.get("sources") or {}).items():
            if not isinstance(rec, dict) or not rec.get("citation"):
                raise DatasetError(f"{path.name}: source {sid!r} has no citation")
            sources[sid] = Source(sid, rec["citation"])
        for i, rec in enumerate(data.get("lists") or []):
            w = f"{path.name} list #{i + 1} ({rec.get('id')})"
            lists[rec["id"]] = ListDef(rec["id"], rec["name"], rec["authority"], rec["maintainer"],
                                       _date(rec["established"], w), _sources(rec, w), rec.get("note"))
        for i, rec in enumerate(data.get("entities") or []):
            ent = _entity(rec, f"{path.name} entity #{i + 1}")
            if ent.id in entities:
                raise DatasetError(f"{path.name} entity #{i + 1}: duplicate entity id {ent.id!r}")
            entities[ent.id] = ent
        if "events" in data:
            events.extend(_events(path, data))
    if (root / EL_FILE).exists() or (root / RULES_FILE).exists():
        if not (root / EL_FILE).exists():  # an install that lost a data file must not lose the Entity List quietly
            raise DatasetError(f"{root}: {RULES_FILE} is here but {EL_FILE} is missing - an incomplete dataset "
                               "(or an installation without its package data); reinstall listwatch")
        try:
            more, el_events, el_sources = load_entity_list(root, entities, event_key)
        except EntityListDataError as exc:
            raise DatasetError(str(exc)) from exc
        entities.update(more)
        events.extend(el_events)
        for sid, src in el_sources.items():
            sources.setdefault(sid, src)
    return Dataset(sources, lists, entities, events, content_hash(root))


def _events(path: Path, data: dict[str, Any]) -> list[Event]:
    list_id = data.get("list")
    recorded = _timestamp(data.get("recorded_at"), f"{path.name}")
    out = []
    for i, rec in enumerate(data["events"]):
        w = f"{path.name} event #{i + 1}"
        try:
            typ = EventType(rec.get("type"))
        except ValueError as exc:
            raise DatasetError(f"{w}: unknown event type {rec.get('type')!r}") from exc
        lid = rec.get("list", list_id)
        if not isinstance(lid, str):
            raise DatasetError(f"{w}: no list id")
        date = _date(rec.get("date"), w)
        ent = rec.get("entity")
        out.append(Event(
            key=event_key(lid, ent, typ.value, date, rec.get("listed_as"), rec.get("by"), rec.get("note"),
                          rec.get("confidence", "verified"), ",".join(_sources(rec, w))),
            list_id=lid, type=typ, effective=date,
            recorded_at=_timestamp(rec["recorded_at"], w) if "recorded_at" in rec else recorded,
            sources=_sources(rec, w), confidence=_confidence(rec, w), entity_id=ent,
            note=rec.get("note"), listed_as=rec.get("listed_as"), by=rec.get("by"),
        ))
    return out


def check(ds: Dataset) -> list[str]:
    """Every problem with the dataset, one sentence each (empty list: the dataset is sound)."""
    problems: list[str] = []

    def need_sources(where: str, srcs: tuple[str, ...]) -> None:
        if not srcs:
            problems.append(f"{where}: no source")
        for s in srcs:
            if s not in ds.sources:
                problems.append(f"{where}: unknown source id {s!r}")

    for lst in ds.lists.values():
        need_sources(f"list {lst.id}", lst.sources)
    by_name: dict[str, str] = {}
    by_ident: dict[tuple[str, str, str | None], str] = {}
    for ent in ds.entities.values():
        ident_key: tuple[str, str, str | None]
        if not ent.names:
            problems.append(f"entity {ent.id}: no names")
        for n in ent.names:
            need_sources(f"entity {ent.id} name {n.name!r}", n.sources)
        for ident in ent.identifiers:
            need_sources(f"entity {ent.id} identifier {ident.label}", ident.sources)
            ident_key = (ident.scheme, ident.value, ident.exchange)
            other = by_ident.get(ident_key)
            if ident.scheme in ("isin", "lei", "uscc") and other not in (None, ent.id):
                problems.append(f"duplicate entity: {ent.id} and {other} share {ident.label}")
            by_ident[ident_key] = ent.id
        if ent.parent:
            need_sources(f"entity {ent.id} parent link", ent.parent_sources)
            if ent.parent not in ds.entities:
                problems.append(f"entity {ent.id}: parent {ent.parent!r} is not an entity")
        key = lookup_key(ent.name)
        if key in by_name:
            problems.append(f"duplicate entity: {ent.id} and {by_name[key]} have the same name {ent.name!r}")
        by_name[key] = ent.id
    problems += _parent_cycles(ds)
    seen_keys: set[str] = set()
    state: dict[tuple[str, str], str] = defaultdict(lambda: "off")
    for ev in sorted(ds.events, key=event_order):
        where = f"event {ev.type} {ev.entity_id or '(list-wide)'} on {ev.list_id} {ev.effective}"
        need_sources(where, ev.sources)
        if ev.confidence is Confidence.VERIFIED and not cites_primary(ev, ds.sources):
            problems.append(f"{where}: verified but cites no primary source (mark it reported, or cite the "
                            "Federal Register, order, DoD release, OFAC or court record)")
        if ev.key in seen_keys:
            problems.append(f"{where}: duplicate event")
        seen_keys.add(ev.key)
        list_def = ds.lists.get(ev.list_id)
        if list_def is None:
            problems.append(f"{where}: unknown list {ev.list_id!r}")
        elif list_def.established is not None and ev.effective < list_def.established:
            problems.append(f"{where}: before its list exists ({list_def.established})")
        if ev.entity_id is None:
            if ev.type is not EventType.SUPERSEDED:
                problems.append(f"{where}: only 'superseded' may be list-wide")
            continue
        if ev.entity_id not in ds.entities:
            problems.append(f"{where}: unknown entity {ev.entity_id!r}")
        k = (ev.entity_id, ev.list_id)
        state[k], problem = step(state[k], ev.type)
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


def _parent_cycles(ds: Dataset) -> list[str]:
    """A company cannot be its own parent, however many links away: one sentence per cycle of parent links."""
    problems: list[str] = []
    done: set[str] = set()
    for start in ds.entities:
        chain: list[str] = []
        ent_id: str | None = start
        while ent_id is not None and ent_id not in done and ent_id not in chain:
            chain.append(ent_id)
            ent = ds.entities.get(ent_id)
            ent_id = ent.parent if ent else None
        if ent_id in chain:
            loop = chain[chain.index(ent_id):]
            problems.append(f"entity {ent_id}: parent links form a cycle ({' -> '.join([*loop, ent_id])})")
        done.update(chain)
    return problems
