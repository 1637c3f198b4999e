"""OpenSanctions / FollowTheMoney JSON Lines: import, and export of listwatch's own data.

Each line is an entity ``{"id", "schema", "properties": {prop: [values]}, "datasets": [...]}``.
Parties (``Person``, ``Company``, ``Organization``, ``LegalEntity``, ``Vessel``, ``Airplane``)
become records ``ftm:<id>``; ``Sanction`` entities point at their party through ``entity`` and
give the list (``program`` / ``authority`` / dataset) and the listing date (``listingDate``, else
``startDate``). A party with no Sanction is listed on its datasets' lists only when its own
``topics`` say it is restricted (``sanction``, ``export.control``, ``debarment``); any other
party (a PEP, a ``sanction.linked`` relative, an owner) is kept for screening on no list, so it
is never reported restricted. Every other property of a party (birth dates, nationality, IMO numbers,
source URLs...) is kept on its record (:mod:`listwatch.ingest.props`) and exported again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData

from listwatch.ftm import ID_PROPS
from listwatch.ingest.props import clean_properties
from listwatch.ingest.records import IngestError, SourceRecord, open_bytes
from listwatch.model import Identifier

__all__ = ["PARTY_SCHEMAS", "iter_entities", "list_id_for", "parse"]

PARTY_SCHEMAS = {"Person": "Person", "Company": "Organization", "Organization": "Organization",
                 "LegalEntity": "Organization", "PublicBody": "Organization", "Vessel": "Vessel",
                 "Airplane": "Aircraft"}
DATASET_LISTS = {"us_ofac_sdn": "us-ofac-sdn", "us_ofac_cons": "us-ofac-cons", "us_dod_chinese_milcorps":
                 "us-dod-1260h", "us_bis_entity_list": "us-bis-entity-list", "us_trade_csl": "us-trade-csl",
                 "us_cmic": "us-ofac-ns-cmic"}
MAX_LINE = 10 * 1024 * 1024
RESTRICTING_TOPICS = ("sanction", "export.control", "debarment")  # FtM topic codes that mean "listed"


def list_id_for(value: str) -> str:
    if value in DATASET_LISTS:
        return DATASET_LISTS[value]
    if value.startswith("us-"):
        return value
    return "ftm-" + re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-")


def iter_entities(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, entity) for each line of a JSON Lines file, read line by line."""
    with open_bytes(path) as fh:
        for n, line in enumerate(iter(lambda: fh.readline(MAX_LINE + 1), b""), start=1):
            if len(line) > MAX_LINE:
                raise IngestError(f"{path.name}: line {n}: over the {MAX_LINE:,}-byte line limit")
            if line.strip():
                yield n, _entity(line, f"{path.name}: line {n}")


def _entity(line: bytes, where: str) -> dict[str, Any]:
    """One JSON Lines entity, checked and cleaned by the followthemoney library."""
    try:
        doc = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise IngestError(f"{where}: not a JSON object ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not isinstance(doc.get("schema"), str):
        raise IngestError(f"{where}: an entity needs string 'id' and 'schema'")
    props = doc.get("properties", {})
    if not isinstance(props, dict) or not all(isinstance(v, list) for v in props.values()):
        raise IngestError(f"{where}: 'properties' must map names to lists of values")
    if model.get(doc["schema"]) is None:
        raise IngestError(f"{where}: {doc['schema']!r} is not a FollowTheMoney schema")
    try:  # the library reads and cleans every value by its property type, and drops unknown properties
        proxy = model.get_proxy(doc, cleaned=False)
    except (InvalidData, ValueError, TypeError) as exc:
        raise IngestError(f"{where}: not a valid FollowTheMoney entity ({exc})") from exc
    return {**proxy.to_dict(), "datasets": doc.get("datasets", [])}


def _date(values: list[Any]) -> dt.date | None:
    for v in values:
        try:
            return dt.date.fromisoformat(str(v)[:10])
        except ValueError:
            continue
    return None


def parse(path: Path) -> list[tuple[str, list[SourceRecord], dict[str, str]]]:
    """[(source, records, list names)] for one FTM JSON Lines file."""
    parties: dict[str, dict[str, Any]] = {}
    sanctions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, doc in iter_entities(path):
        if doc["schema"] == "Sanction":
            for target in doc["properties"].get("entity", []):
                sanctions[str(target)].append(doc)
        elif doc["schema"] in PARTY_SCHEMAS:
            parties[doc["id"]] = doc
    if not parties:
        raise IngestError(f"{path.name}: no Person, Company, Organization, LegalEntity, Vessel or Airplane entities")
    records = []
    names: dict[str, str] = {}
    for pid, doc in parties.items():
        props = doc["properties"]
        pnames = [str(v) for v in props.get("name", [])]
        if not pnames:
            continue
        sid = f"ftm:{pid}"
        lists: list[str] = []
        listed: list[dt.date] = []
        for s in sanctions.get(pid, []):
            sp = s["properties"]
            label = (sp.get("program") or sp.get("authority") or s.get("datasets") or ["unknown"])[0]
            lid = list_id_for(str(label))
            lists.append(lid)
            names.setdefault(lid, str((sp.get("authority") or [label])[0]))
            if d := _date(sp.get("listingDate", []) or sp.get("startDate", [])):
                listed.append(d)
        if not lists and any(t in RESTRICTING_TOPICS for t in props.get("topics", [])):
            lists = [list_id_for(str(d)) for d in doc.get("datasets", [])] or ["ftm-unlisted"]
        idents = tuple(Identifier(ID_PROPS[k], str(v), (sid,)) for k in ID_PROPS for v in props.get(k, []))
        records.append(SourceRecord(
            sid, tuple(dict.fromkeys(lists)), pnames[0], PARTY_SCHEMAS[doc["schema"]],
            tuple(dict.fromkeys(str(a) for a in pnames[1:] + props.get("alias", []) + props.get("weakAlias", []))),
            (), tuple(str(c) for c in props.get("country", []) + props.get("jurisdiction", [])), idents,
            min(listed) if listed else None,
            properties=clean_properties(PARTY_SCHEMAS[doc["schema"]], props)))
    return [(f"ftm:{path.name.split('.')[0]}", records, names)]
