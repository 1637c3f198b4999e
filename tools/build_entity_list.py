"""Build ``src/listwatch/data/entity-list.csv`` from the trade.gov CSL file of 2022-05-16.

Every Entity List row of the file (all countries) becomes one row here, tied to a listwatch
entity: the curated one when the row's name or an alias is a name of a curated entity (or the
row is already tied to it by ``csl:<_id>``), else one entity per distinct printed name. Dates are
not decided here: the dataset loader dates each row through ``entity-list-rules.yaml``.

It also checks the rule table against the file: every row's earliest FR citation must fall in a
rule; rows it cannot date, and impossible printed dates, are printed with their row.

Usage: python tools/build_entity_list.py ../shared src/listwatch/data
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml
from rigour.names import replace_org_types_compare

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from listwatch.match.normalize import lookup_key
from listwatch.regimes.el_rules import DatingError, load_rules

RECORDED_AT = "2026-11-27T00:00:00Z"
COLUMNS = ("csl_id", "entity", "name", "alt_names", "country", "federal_register_notice", "start_date",
           "license_policy", "joined_by")
RECORD_PREFIXES = ("csl:", "ofac-sdn:", "ofac-cons:")  # a name printed by a published list record


# Entity List rows naming a curated company in a shorter form (the legal form or the group word left
# out): the same party, so one entity (its other lists' names stay aliases).
SAME_PARTY = {
    "megvii technology": "megvii",
    "dahua technology": "dahua",
    "cloudwalk technology": "cloudwalk-technology-co-ltd",
    "china general nuclear power group": "cgn",
    "china general nuclear power corporation cgnpc": "cgn",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", lookup_key(text)).strip("-")[:60].strip("-")


def _country(addresses: str) -> str:
    codes = {a.rsplit(",", 1)[-1].strip() for a in addresses.split(";") if a.strip()}
    codes = {c for c in codes if len(c) == 2 and c.isupper()}
    return codes.pop() if len(codes) == 1 else ""


def listed_key(name: str) -> str:
    """A name as a list prints it, its legal form in one spelling ("Company Ltd." = "COMPANY LIMITED")."""
    return replace_org_types_compare(lookup_key(name))


def _curated(data: Path) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], str]]:
    """(csl id -> entity) from the curated data, (name key -> entity) of every curated name, and
    (listed key, country) -> company for the names a published list record (OFAC, CSL) prints for a
    curated company - only where one company holds that name in that country."""
    by_csl: dict[str, str] = {}
    by_key: dict[str, str] = {}
    listed: dict[tuple[str, str], set[str]] = defaultdict(set)
    ents = yaml.safe_load((data / "entities.yaml").read_text(encoding="utf-8"))["entities"]
    for e in ents:
        for n in [{"name": e["name"]}, *e.get("names", [])]:
            by_key.setdefault(lookup_key(n["name"]), e["id"])
            for s in n.get("source", []):
                if s.startswith("csl:"):
                    by_csl[s.removeprefix("csl:")] = e["id"]
            if e.get("kind") == "company" and e.get("country") and any(
                    s.startswith(RECORD_PREFIXES) for s in n.get("source", [])):
                listed[(listed_key(n["name"]), e["country"])].add(e["id"])
    return by_csl, by_key, {k: next(iter(v)) for k, v in listed.items() if len(v) == 1}


def _join(csl_id: str, name: str, alts: list[str], country: str, by_csl: dict[str, str], by_key: dict[str, str],
          by_listed: dict[tuple[str, str], str]) -> tuple[str | None, str]:
    """(curated entity the row names, why) or (None, "")."""
    key = lookup_key(name)
    if csl_id in by_csl:
        return by_csl[csl_id], "the curated data cites this row"
    if key in SAME_PARTY:
        return SAME_PARTY[key], "SAME_PARTY in tools/build_entity_list.py"
    if key in by_key:
        return by_key[key], "a curated name of the entity"
    if alias := next((a for a in alts if lookup_key(a) in by_key), None):
        return by_key[lookup_key(alias)], f"alias {alias!r} is a curated name of the entity"
    if country and (eid := by_listed.get((listed_key(name), country))):
        return eid, f"the name an OFAC/CSL record of the entity prints (legal form aside) and the same country {country}"
    return None, ""


def main() -> None:
    shared, data = Path(sys.argv[1]), Path(sys.argv[2])
    with gzip.open(shared / "data/real/csl/2022-05-16/consolidated.csv.gz", "rt", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source"].startswith("Entity List") and r["_id"] != "_id"]
    by_csl, by_key, by_listed = _curated(data)
    rules = load_rules(data / "entity-list-rules.yaml")
    taken: dict[str, str] = {}  # generated id -> name key
    by_name: dict[str, str] = {}  # name key -> generated id
    out = []
    for r in rows:
        name = " ".join(r["name"].split())
        alts = [a.removeprefix("and ").strip() for a in r["alt_names"].split(";") if a.strip()]
        key = lookup_key(name)
        country = _country(r["addresses"])
        eid, why = _join(r["_id"], name, alts, country, by_csl, by_key, by_listed)
        if eid is None and key in by_name:
            eid, why = by_name[key], "the name of an earlier row"
        elif eid is None:
            eid = "el-" + (_slug(name) or r["_id"][:10])
            while eid in taken:
                eid += "-" + r["_id"][:4]
            taken[eid] = key
            by_name[key] = eid
        try:
            dating = rules.date_entry(r["federal_register_notice"], r["start_date"], f"CSL row _id {r['_id']}")
            if dating is None:
                print(f"no date: _id {r['_id']} {name!r}: no FR citation, no start_date")
            elif "impossible" in dating.note:
                print(f"flagged: _id {r['_id']} {name!r}: {dating.note}")
        except DatingError as exc:
            print(f"cannot date: {exc}")
        out.append({"csl_id": r["_id"], "entity": eid, "name": name, "alt_names": "; ".join(alts),
                    "country": country, "federal_register_notice": r["federal_register_notice"].strip(),
                    "start_date": r["start_date"].strip(), "license_policy": " ".join(r["license_policy"].split()), "joined_by": why})
    out.sort(key=lambda x: (x["entity"], x["csl_id"]))
    with (data / "entity-list.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Every Entity List row of the trade.gov CSL file of 2022-05-16 (built by tools/build_entity_list.py)\n"
                 f"# recorded_at: {RECORDED_AT}\n# file_date: 2022-05-16\n"
                 "# file_source: trade.gov Consolidated Screening List (2022-05-16 file)\n")
        w = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print(f"{len(out)} rows, {len({x['entity'] for x in out})} entities "
          f"({sum(1 for x in out if not x['entity'].startswith('el-'))} rows on curated entities)")


if __name__ == "__main__":
    main()
