"""Build ``src/listwatch/data/*.yaml`` from the reference material in ``../shared``.

This is a one-shot curation tool, not part of the product: it was run once to
turn the research fact sheet (``reference/facts.yaml``), the 1260H edition
transcription (``reference/dod-1260h-editions.csv``) and the real CSL file
into listwatch's own dataset schema. The generated YAML is the source of
truth from then on and is edited by hand; re-running this overwrites it.

Usage: python tools/build_dataset.py ../shared src/listwatch/data
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

RECORDED_AT = "2026-11-23T00:00:00Z"

LIST_IDS = {
    "dod_1237_ccmc": "us-dod-1237",
    "ofac_ns_cmic": "us-ofac-ns-cmic",
    "dod_1260h": "us-dod-1260h",
    "bis_entity_list": "us-bis-entity-list",
}

RECALLED = (
    "listwatch reference fact sheet (2026-11-22), facts-notes.md item 16: "
    "compiler's background knowledge, not confirmed in a primary source"
)

LEGAL_WORDS = {
    "co", "company", "ltd", "limited", "corp", "corporation", "inc", "incorporated",
    "llc", "plc", "sa", "the", "and",
}

# 1260H rows whose printed name differs from every earlier form of the same company.
SAME_1260H = {
    "shenzhen dji technology": "dji",
    "hesai group": "hesai",
    "hesai technology": "hesai",
    "beijing megvii technology": "megvii",
}

# Entity List rows are dated by FR publication in the CSL; the rule's effective date is
# what counts (reference/README.md). First FR cite of a row -> (effective date, citation).
EL_RULES = {
    "84 FR 22961": ("2019-05-16", "84 FR 22961 (May 21, 2019), effective May 16, 2019"),
    "84 FR 22963": ("2019-05-16", "84 FR 22961 (May 21, 2019), effective May 16, 2019"),
    "84 FR 43495": ("2019-08-19", "84 FR 43493 (Aug. 21, 2019), FR Doc 2019-17921, effective Aug. 19, 2019"),
    "85 FR 51603": ("2020-08-17", "85 FR 51596 (Aug. 20, 2020), effective Aug. 17, 2020"),
    "85 FR 51596": ("2020-08-17", "85 FR 51596 (Aug. 20, 2020), effective Aug. 17, 2020"),
    "85 FR 83420": ("2020-12-18", "85 FR 83416 (Dec. 22, 2020), FR Doc 2020-28031, effective Dec. 18, 2020"),
}


def key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).casefold()
    s = re.sub(r"\s*\([^()]*\)\s*\**\s*$", " ", s.strip()).replace("&", " and ").replace("*", " ")
    s = re.sub(r"[^\w]+", " ", s)
    return " ".join(t for t in s.split() if t not in LEGAL_WORDS)


def strict_key(name: str) -> str:
    """Like key() but parenthesised words count: 'Huawei Device (Shenzhen)' is not 'Huawei Device'."""
    s = re.sub(r"\((huawei|smic)\)", " ", unicodedata.normalize("NFKC", name).casefold())
    s = re.sub(r"[^\w]+", " ", s.replace("&", " and "))
    return " ".join(t for t in s.split() if t not in LEGAL_WORDS)


def slug(name: str) -> str:
    s = re.sub(r"\s*\([^()]*\)\s*\**\s*$", " ", name.casefold().strip())
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:60].rstrip("-")


NAMED = {
    "ndaa-1237": "NDAA FY1999 sec. 1237, Pub. L. 105-261, 112 Stat. 2160 (Oct. 17, 1998), as amended",
    "eo13959": "Executive Order 13959 (Nov. 12, 2020), 85 FR 73185 (Nov. 17, 2020)",
    "eo13974": "Executive Order 13974 (Jan. 13, 2021), 86 FR 4875 (Jan. 19, 2021), amending EO 13959",
    "eo14032": "Executive Order 14032 (June 3, 2021), 86 FR 30145 (June 7, 2021), amending EO 13959 and revoking "
               "EO 13974",
    "ofac-faq-1046": "OFAC FAQ 1046 (June 1, 2022): holding NS-CMIC securities is not prohibited",
    "ndaa-1260h": "NDAA FY2021 sec. 1260H, Pub. L. 116-283",
    "bis-entity-list": "15 CFR part 744, Supplement No. 4 (Entity List); additions under 15 CFR 744.11(b)",
    "ofac-sdn": "OFAC Specially Designated Nationals and Blocked Persons List, 31 CFR chapter V",
}


class Builder:
    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self.facts = yaml.safe_load((shared / "reference/facts.yaml").read_text())
        self.sources: dict[str, dict[str, str]] = {}
        self.entities: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for sid, cite in NAMED.items():
            self.src(cite, sid)

    # -- sources -------------------------------------------------------------
    def src(self, citation: str, sid: str | None = None) -> str:
        citation = " ".join(citation.split())
        sid = sid or "s-" + hashlib.sha1(citation.encode()).hexdigest()[:10]
        self.sources.setdefault(sid, {"citation": citation})
        return sid

    def recalled(self) -> str:
        return self.src(RECALLED, "factsheet-recalled")

    def srcs(self, cites: list[str] | None) -> list[str]:
        return [self.src(c) for c in (cites or [])]

    # -- entities --------------------------------------------------------------
    def new_id(self, name: str) -> str:
        """A fresh slug id; never reuses another company's id."""
        base = eid = slug(name)
        n = 2
        while eid in self.entities:
            eid = f"{base}-{n}"
            n += 1
        return eid

    def entity(self, eid: str, name: str, country: str | None = "CN") -> dict[str, Any]:
        if eid not in self.entities:
            self.entities[eid] = {
                "id": eid, "name": name, "kind": "company", "country": country,
                "names": [], "identifiers": [],
            }
            self.by_key.setdefault(key(name), eid)
        return self.entities[eid]

    def add_name(self, eid: str, name: str, source: list[str], confidence: str = "verified",
                 script: str | None = None, note: str | None = None) -> None:
        ent = self.entities[eid]
        name = " ".join(name.split()).rstrip("*").strip()
        for n in ent["names"]:
            if n["name"] == name:
                n["source"] = sorted(set(n["source"]) | set(source))
                return
        rec: dict[str, Any] = {"name": name}
        if script:
            rec["script"] = script
        rec.update({"source": sorted(set(source)), "confidence": confidence})
        if note:
            rec["note"] = note
        ent["names"].append(rec)
        if not script:
            self.by_key.setdefault(key(name), eid)

    def add_id(self, eid: str, scheme: str, value: str, source: list[str],
               confidence: str = "verified", exchange: str | None = None) -> None:
        ent = self.entities[eid]
        rec: dict[str, Any] = {"scheme": scheme, "value": value}
        if exchange:
            rec["exchange"] = exchange
        if any(i["scheme"] == scheme and i["value"] == value and i.get("exchange") == exchange
               for i in ent["identifiers"]):
            return
        rec.update({"source": sorted(set(source)), "confidence": confidence})
        ent["identifiers"].append(rec)

    def add_ticker(self, eid: str, text: str, srcs: list[str], conf: str = "verified") -> None:
        """OFAC prints 'CHA US'; a few rows lose the space ('603019CN')."""
        m = re.fullmatch(r"(\S+?)\s*\b([A-Z]{2})", text.strip()) or re.fullmatch(r"(\d+)([A-Z]{2})", text.strip())
        if m:
            self.add_id(eid, "ticker", m.group(1), srcs, conf, exchange=m.group(2))
        else:
            self.add_id(eid, "ticker", text.strip(), srcs, conf)

    def event(self, list_id: str, **ev: Any) -> None:
        ev = {k: v for k, v in ev.items() if v not in (None, "", [])}
        self.events[list_id].append(ev)

    # -- facts.yaml entities -----------------------------------------------------
    def load_fact_entities(self) -> None:
        for e in self.facts["entities"]:
            eid = e["id"].replace("_", "-")
            primary = re.sub(r"\s*\([^)]*\)$", "", e["primary_name"]).strip()
            self.entity(eid, primary, e.get("country"))
            for n in e.get("names", []):
                self.add_name(eid, n["name"], self.srcs(n["source"]), n["confidence"], note=n.get("note"))
            if primary not in [n["name"] for n in self.entities[eid]["names"]]:
                self.add_name(eid, primary, self.srcs(e["names"][0]["source"]), "verified")
            for n in e.get("local_script_names", []):
                conf = "verified" if n["confidence"] == "verified" else "reported"
                srcs = self.srcs(n["source"]) or [self.recalled()]
                self.add_name(eid, n["name"], srcs, conf, script=n.get("script", "Hans"), note=n.get("note"))
            if e.get("ns_cmic_name"):
                self.by_key[key(e["ns_cmic_name"]["name"])] = eid
            for i in e.get("identifiers", []):
                self.fact_identifier(eid, i)
            if e.get("note"):
                self.entities[eid]["note"] = e["note"]

    def fact_identifier(self, eid: str, i: dict[str, Any]) -> None:
        scheme, value = i["scheme"], i["value"]
        srcs = self.srcs(i["source"]) or [self.recalled()]
        conf = "verified" if i["confidence"] == "verified" else "reported"
        if scheme == "ISIN":
            self.add_id(eid, "isin", value.split()[0], srcs, conf)
        elif scheme == "USCC":
            self.add_id(eid, "uscc", value, srcs, conf)
        elif scheme == "HKEX stock code":
            self.add_id(eid, "ticker", value, srcs, conf, exchange="HK")
        elif scheme == "NASDAQ ticker":
            self.add_id(eid, "ticker", value, srcs, conf, exchange="US")
        elif scheme == "SSE STAR stock code":
            self.add_id(eid, "ticker", value, srcs, conf, exchange="CN")
        elif scheme == "US OTC tickers":
            for t in value.split(";"):
                self.add_id(eid, "ticker", t.strip(), srcs, conf, exchange="US")
        elif scheme in ("equity tickers", "equity ticker"):
            for t in re.split(r";\s*", value):
                t = t.strip()
                m = re.match(r"^(\w+)\.(SS|HK)$", t)
                if m:
                    self.add_id(eid, "ticker", m.group(1), srcs, conf, exchange="CN" if m.group(2) == "SS" else "HK")
                else:
                    self.add_ticker(eid, t, srcs, conf)
        elif scheme == "HK C.R. No.":
            self.add_id(eid, "hk-cr", value, srcs, conf)

    # -- DoD 1237 ----------------------------------------------------------------
    def build_1237(self) -> None:
        lst = next(x for x in self.facts["lists"] if x["id"] == "dod_1237_ccmc")
        fact_events = {(e["entity"], e["type"], e["date"]): e for e in self.facts["events"]
                       if e.get("list") == "dod_1237_ccmc" and e.get("entity")}
        for tr in lst["tranches"]:
            for m in tr["members"]:
                eid = m["entity"].replace("_", "-")
                fe = fact_events.get((m["entity"], "listed", tr["release_date"]))
                srcs = self.srcs(m["source"]) + self.srcs(fe["source"] if fe else [])
                self.add_name(eid, m["name"], self.srcs(m["source"]), m["confidence"], note=m.get("note"))
                self.event("us-dod-1237", entity=eid, type="listed", date=tr["release_date"],
                           listed_as=m["name"], source=list(dict.fromkeys(srcs)),
                           confidence="verified" if m["confidence"] == "verified" else "reported",
                           note=(fe or {}).get("note") or f"DoD sec. 1237 tranche {tr['tranche']}")
        # Court events and the Luokung re-listing, from the fact sheet.
        for e in self.facts["events"]:
            if e.get("list") != "dod_1237_ccmc" or not e.get("entity"):
                continue
            eid = e["entity"].replace("_", "-")
            typ = e["type"]
            if typ in ("enjoined", "vacated") or (eid == "luokung" and e["date"] == "2021-03-09"):
                note = e.get("note", "")
                if e.get("docket"):
                    note = f"D.D.C. No. {e['docket']}. {note}"
                self.event("us-dod-1237", entity=eid, type=typ, date=e["date"],
                           listed_as="Luokung Technology Corp." if typ == "listed" else None,
                           source=self.srcs(e["source"]), confidence="verified", note=note)
        # DoD removed every remaining CCMC on 2021-06-03 (EO 14032).
        end_src = [*self.srcs(lst["end_source"]), self.src("EO 14032, 86 FR 30145 (June 7, 2021), signed June 3, 2021: replaces secs. 1-5 and the Annex of EO 13959", "eo14032")]
        gone = {"xiaomi"}  # vacated 2021-05-25
        for tr in lst["tranches"]:
            for m in tr["members"]:
                eid = m["entity"].replace("_", "-")
                if eid in gone:
                    continue
                gone.add(eid)
                conf = "verified" if tr["release_date"] == "2020-12-03" else "reported"
                note = ("defense.gov: 'As of June 3, 2021, the Secretary of Defense has removed the entities "
                        "listed here from the CCMC list.'")
                if conf == "reported":
                    note += " Seen on the Dec. 3, 2020 tranche page only; assumed for this tranche."
                if eid == "luokung":
                    note += (" Luokung announced the removal on 2021-06-15 (press release); the removal date itself "
                             "is not confirmed.")
                self.event("us-dod-1237", entity=eid, type="delisted", date="2021-06-03",
                           source=list(dict.fromkeys(end_src)), confidence=conf, note=note)
        self.event("us-dod-1237", type="superseded", date="2021-06-03", by="eo14032",
                   source=[self.src("EO 14032, 86 FR 30145 (June 7, 2021), signed June 3, 2021: replaces secs. 1-5 "
                                    "and the Annex of EO 13959", "eo14032")],
                   confidence="verified",
                   note="EO 14032 replaced EO 13959 ss.1-5 and revoked EO 13974 on signing; the EO 13959 bans "
                        "and clocks ended that day.")

    # -- NS-CMIC --------------------------------------------------------------------
    def build_cmic(self) -> None:
        lst = next(x for x in self.facts["lists"] if x["id"] == "ofac_ns_cmic")
        cons = "OFAC consolidated non-SDN list cons_prim.csv (program CMIC-EO13959), as published; copy of 2025-12-19"
        pending_links = []
        for m in lst["members"]:
            k = key(m["name"])
            eid = self.by_key.get(k) or self.new_id(m["name"])
            self.entity(eid, m["name"].title().replace("Co., Ltd.", "Co., Ltd."))
            srcs = [self.src(f"{cons}, ent_num {m['ofac_uid']}", f"ofac-cons:{m['ofac_uid']}")]
            self.add_name(eid, m["name"], srcs)
            for a in m.get("aka", []) or []:
                self.add_name(eid, a, srcs)
            for isin in m.get("isin", []) or []:
                self.add_id(eid, "isin", isin, srcs)
            for t in m.get("equity_tickers", []) or []:
                self.add_ticker(eid, t, srcs)
            if m.get("uscc"):
                self.add_id(eid, "uscc", m["uscc"], srcs)
            if m.get("linked_to"):
                pending_links.append((eid, m["linked_to"], srcs))
            self.event("us-ofac-ns-cmic", entity=eid, type="listed", date=m["listing_date"],
                       listed_as=m["name"], source=srcs + self.srcs(
                           lst["additions"][0]["source"] if m["listing_date"] == "2021-12-10" else
                            lst["additions"][1]["source"] if m["listing_date"] == "2021-12-16" else
                            lst["initial_count_source"]),
                       confidence="verified",
                       note=f"OFAC: Effective Date (CMIC) {m['effective_date']}; "
                            f"Purchase/Sales For Divestment Date (CMIC) {m['divestment_deadline']}")
        for eid, parent_name, srcs in pending_links:
            pid = self.by_key.get(key(parent_name))
            if pid and pid != eid:
                self.entities[eid]["parent"] = {"entity": pid, "source": srcs, "confidence": "verified",
                                                "note": f"OFAC remarks: Linked To {parent_name}"}

    # -- DoD 1260H ----------------------------------------------------------------------
    def build_1260h(self) -> None:
        rows = list(csv.DictReader((self.shared / "reference/dod-1260h-editions.csv").open(encoding="utf-8")))
        edition_src = {
            "2021-06-03": "DoD release 'DOD Releases List of Chinese Military Companies in Accordance With Section "
                          "1260H of the National Defense Authorization Act for Fiscal Year 2021', June 3, 2021",
            "2022-10-05": "DoD release 'DOD Releases List of People's Republic of China (PRC) Military Companies in "
                          "Accordance With Section 1260H of the NDAA for FY2021', Oct. 5, 2022",
            "2024-01-31": "DoD release, Jan. 31, 2024, https://www.defense.gov/News/Releases/Release/Article/3661985/ ;"
                          " list PDF https://media.defense.gov/2024/Jan/31/2003384819/-1/-1/0/1260H-LIST.PDF",
            "2025-01-07": "DoD release, Jan. 7, 2025, https://www.defense.gov/News/Releases/Release/Article/4023145/ ;"
                          " list PDF https://media.defense.gov/2025/Jan/07/2003625471/-1/-1/1/ENTITIES-IDENTIFIED-AS-"
                          "CHINESE-MILITARY-COMPANIES-OPERATING-IN-THE-UNITED-STATES.PDF",
            "2026-02-17": "DoD removals of 2026-02-17 as recorded in the OpenSanctions transcription (not checked "
                          "against DoD or the Federal Register)",
            "2026-06-08": "DoD 1260H edition of 2026-06-08 as recorded in the OpenSanctions transcription (not "
                          "checked against the DoD PDF)",
        }
        transcription = self.src(
            "OpenSanctions transcription of the DoD Section 1260H list editions, datasets/us/dod_chinese_milcorps/"
            "sanctions.csv @f33cff23 (working reference; cite the DoD release)", "opensanctions-1260h")
        groups: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in rows:
            k = key(r["Clean Name"])
            eid = SAME_1260H.get(k) or self.by_key.get(k) or self.by_key.get(key(r["Name"]))
            if not eid:
                eid = self.new_id(r["Clean Name"])
                self.entity(eid, r["Clean Name"].rstrip("*").strip())
            groups[eid].append(r)
        for eid, rs in groups.items():
            for r in rs:
                srcs = [self.src(edition_src[r["Start date"]]), transcription]
                if r["Source Url"]:
                    srcs.append(self.src(f"DoD 1260H list PDF {r['Source Url']}"))
                conf = "reported" if r["Start date"] >= "2026" else "verified"
                self.add_name(eid, r["Name"], srcs, conf)
                if r["Alias"]:
                    for a in r["Alias"].split(";"):
                        self.add_name(eid, a.strip(), srcs, conf)
                if r["Parent Name"] and "parent" not in self.entities[eid]:
                    pid = self.by_key.get(key(r["Parent Name"]))
                    if pid and pid != eid:
                        self.entities[eid]["parent"] = {"entity": pid, "source": srcs, "confidence": conf,
                                                        "note": "grouped under this parent on the 1260H list"}
            # union of the rows' intervals -> listing periods
            spans = sorted(((r["Start date"], r["End date"] or "9999-12-31", r) for r in rs), key=lambda t: (t[0], t[1]))
            periods: list[list[Any]] = []
            for s, e, r in spans:
                if periods and s <= periods[-1][1]:
                    periods[-1][1] = max(periods[-1][1], e)
                else:
                    periods.append([s, e, r])
            for s, e, r in periods:
                conf = "reported" if s >= "2026" else "verified"
                self.event("us-dod-1260h", entity=eid, type="listed", date=s, listed_as=r["Name"].rstrip("*"),
                           source=[self.src(edition_src[s]), transcription], confidence=conf,
                           note=r["Note"] or None)
                if e != "9999-12-31":
                    conf = "reported" if e >= "2026" else "verified"
                    self.event("us-dod-1260h", entity=eid, type="delisted", date=e,
                               source=[self.src(edition_src[e]), transcription], confidence=conf)
        # Between-edition actions from the fact sheet (Hesai, AMEC/IDG removal).
        for e in self.facts["events"]:
            if e.get("list") != "dod_1260h" or not e.get("entity") or e["type"] not in ("listed", "delisted"):
                continue
            if e["date"] in ("2024-10-23", "2024-12-18"):
                eid = e["entity"].replace("_", "-")
                self.event("us-dod-1260h", entity=eid, type=e["type"], date=e["date"],
                           source=self.srcs(e["source"]) or self.srcs([]), confidence="verified",
                           note=e.get("note"))
        for ev in self.events["us-dod-1260h"]:
            if ev["date"] == "2024-12-18" and not ev.get("source"):
                ev["source"] = [self.src("Notice of Removal of Designated Chinese Military Companies, DoD, FR Doc "
                                         "2024-30018 (Dec. 18, 2024)")]

    # -- BIS Entity List ------------------------------------------------------------------
    def build_entity_list(self) -> None:
        path = self.shared / "data/real/csl/2022-05-16/consolidated.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["source"].startswith("Entity List")]
        self.el_keys: dict[str, str] = {}
        fact_el = {e["entity"]: e for e in self.facts["events"]
                   if e.get("list") == "bis_entity_list" and e.get("entity")}
        wanted = re.compile(r"huawei|semiconductor manufacturing international|^dji$|hikvision|"
                            r"china national offshore oil", re.I)
        for r in rows:
            if not wanted.search(r["name"]) and not re.search(r"huawei", r["alt_names"], re.I):
                continue
            first = re.split(r"[,;]", r["federal_register_notice"])[0].strip()
            name = r["name"].split("Affiliated Entity:")[-1]
            name = re.sub(r",\s*(Chengdu|Beijing|Shanghai|Shenzhen|Hangzhou|Dongguan|Guiyang|Suzhou|Wuhan|Nanjing|"
                          r"Langfang|Tsim Sha Tsui|Great Britain|Liebefeld|Building|Xi.an)\b.*$", "", name)
            name = " ".join(name.split()).strip(" ,")
            k = strict_key(name)
            eid = self.el_keys.get(k) or self.by_key.get(key(name))
            if name == "DJI":
                eid = "dji"
            if k == "huawei technologies":
                eid = "huawei"
            elif k == "semiconductor manufacturing international":
                eid = "smic"
            elif k == "hangzhou hikvision digital technology":
                eid = "hikvision"
            elif k == "china national offshore oil":
                eid = "cnooc"
            if not eid:
                eid = self.new_id(name)
                country = (r["addresses"].rsplit(",", 1)[-1].strip() or None) if r["addresses"] else None
                self.entity(eid, name, country if country and len(country) == 2 else None)
            self.el_keys[k] = eid
            csl = self.src(f"trade.gov Consolidated Screening List (2022-05-16 file), Entity List row _id {r['_id']}, "
                           f"FR {r['federal_register_notice'].strip()}", f"csl:{r['_id']}")
            self.add_name(eid, name, [csl])
            for a in filter(None, (x.strip() for x in r["alt_names"].split(";"))):
                self.add_name(eid, a.removeprefix("and ").strip(), [csl])
            if "huawei" in k and eid != "huawei" and "parent" not in self.entities[eid]:
                self.entities[eid]["parent"] = {"entity": "huawei", "source": [csl], "confidence": "reported",
                                                "note": "Huawei non-US affiliate as added to the Entity List"}
            srcs = [csl]
            if first in EL_RULES:
                date, cite = EL_RULES[first]
                srcs.append(self.src(cite))
                conf = "verified"
                note = f"Effective date of {cite.split(' (')[0]}; CSL start_date (publication) {r['start_date']}"
            else:
                date, conf = r["start_date"], "reported"
                note = (f"Effective date not confirmed: the CSL start_date {r['start_date']} is the FR publication "
                        f"date of {first}")
            if (eid in fact_el and fact_el[eid]["date"] == date) or (eid in fact_el and eid in ("cnooc",)):
                srcs += self.srcs(fact_el[eid]["source"])
                date, conf = fact_el[eid]["date"], "verified"
            if r["license_policy"]:
                note += f". Licence policy: {r['license_policy'].strip()}"
            dup = next((e for e in self.events["us-bis-entity-list"] if e["entity"] == eid), None)
            if dup is not None:
                if dup["date"] == date or date > dup["date"]:
                    dup["source"] = sorted(set(dup["source"]) | set(srcs))
                    if date > dup["date"]:
                        dup["note"] += f"; further entry at another address effective {date}"
                    continue
                self.events["us-bis-entity-list"].remove(dup)
            printed = "Huawei Technologies Co., Ltd. (Huawei)" if eid == "huawei" else r["name"]
            self.event("us-bis-entity-list", entity=eid, type="listed", date=date, listed_as=printed,
                       source=list(dict.fromkeys(srcs)), confidence=conf, note=note)
        # facts-only listings not in the 2022 CSL file
        seen = {(e["entity"], e["date"]) for e in self.events["us-bis-entity-list"]}
        for eid, fe in fact_el.items():
            eid2 = eid.replace("_", "-")
            if (eid2, fe["date"]) not in seen and not any(e["entity"] == eid2 for e in self.events["us-bis-entity-list"]):
                self.event("us-bis-entity-list", entity=eid2, type="listed", date=fe["date"],
                           source=self.srcs(fe["source"]), confidence="verified", note=fe.get("note"))

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        dump = lambda obj, name, header: (out / name).write_text(  # noqa: E731
            header + yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
        used = set(NAMED) | {"factsheet-recalled"}
        for evs in self.events.values():
            for e in evs:
                used.update(e.get("source", []))
        for ent in self.entities.values():
            for part in ent["names"] + ent["identifiers"]:
                used.update(part["source"])
            if "parent" in ent:
                used.update(ent["parent"]["source"])
        hdr = "# Generated by tools/build_dataset.py from ../shared/reference, then curated by hand.\n"
        dump({"sources": {k: v for k, v in sorted(self.sources.items()) if k in used}}, "sources.yaml",
             hdr + "# Every fact in the other files cites one or more of these ids.\n")
        ents = sorted(self.entities.values(), key=lambda e: e["id"])
        for e in ents:
            if not e.get("country"):
                e.pop("country", None)
        dump({"entities": ents}, "entities.yaml", hdr)
        for list_id, evs in sorted(self.events.items()):
            evs.sort(key=lambda e: (e["date"], e.get("entity") or "", e["type"] != "delisted"))
            dump({"list": list_id, "recorded_at": RECORDED_AT, "events": evs}, f"events-{list_id}.yaml", hdr)


def main() -> None:
    shared, out = Path(sys.argv[1]), Path(sys.argv[2])
    b = Builder(shared)
    b.load_fact_entities()
    b.build_1237()
    b.build_cmic()
    b.build_1260h()
    b.build_entity_list()
    b.write(out)
    print({k: len(v) for k, v in b.events.items()}, len(b.entities), "entities", len(b.sources), "sources")


if __name__ == "__main__":
    main()
