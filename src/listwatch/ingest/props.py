"""The FollowTheMoney properties a published record gives beyond its names and identifiers.

Dates of birth, nationality, IMO numbers, source URLs, titles, vessel particulars...: listwatch does
not reason on them, but keeps them so an export hands on everything the source said. Values are
cleaned by the ``followthemoney`` library for the schema the record is exported as
(:func:`listwatch.ftm.schema_name`): a value its property type cannot read is dropped, never stored
unchecked, so what is stored is what a round trip re-emits.

OFAC prints these facts inside the remarks (``DOB 10 Dec 1948; POB Giza, Egypt; nationality Iran;
Vessel Registration Identification IMO 9187629; Website www.example.ir``) and in the main file's
title and vessel columns; the CSL has columns for them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from followthemoney import model
from followthemoney.value import string_list

from listwatch.ftm import schema_name
from listwatch.territories import territory_code

__all__ = ["clean_properties", "ofac_dates", "remark_properties"]

NAMES = ("name", "alias")  # kept as names, not as properties
_MONTHS = {m: n for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), start=1)}
_OFAC_DATE = re.compile(r"\b(?:(\d{1,2}) )?(?:([A-Z][a-z]{2}) )?(\d{4})\b")
_REMARKS = (  # (FtM property, pattern of its value in OFAC remarks)
    ("birthDate", re.compile(r"\bDOB ([^;]+)")),
    ("birthPlace", re.compile(r"\bPOB ([^;]+)")),
    ("nationality", re.compile(r"\bnationality ([^;]+)")),
    ("citizenship", re.compile(r"\bcitizen ([^;]+)")),
    ("gender", re.compile(r"\bGender ([^;]+)")),
    ("imoNumber", re.compile(r"\bIMO (\d{7})\b")),
    ("website", re.compile(r"\bWebsite ([^;\s]+)")),
    ("email", re.compile(r"\bEmail Address ([^;\s]+)")),
    ("phone", re.compile(r"\b(?:Telephone|Phone Number):? ([^;]+)")),
)


def ofac_dates(text: str) -> list[str]:
    """OFAC's dates (``10 Dec 1948``, ``Dec 1948``, ``1948``, ``circa 1960``, ``1960 to 1962``) as ISO
    prefixes (``1948-12-10``, ``1948-12``, ``1948``); a day without a known month is dropped."""
    out = []
    for day, month, year in _OFAC_DATE.findall(text):
        if month and month not in _MONTHS:
            continue
        iso = year + (f"-{_MONTHS[month]:02d}" if month else "") + (f"-{int(day):02d}" if day and month else "")
        out.append(iso)
    return out


def remark_properties(remarks: str) -> dict[str, list[str]]:
    """The properties printed in an OFAC remarks text, as printed (dates made ISO)."""
    out: dict[str, list[str]] = {}
    for prop, pattern in _REMARKS:
        found = [v.strip().rstrip(".") for v in pattern.findall(remarks)]
        if prop == "birthDate":
            found = [d for v in found for d in ofac_dates(v)]
        if found:
            out[prop] = found
    return out


@functools.lru_cache(maxsize=1 << 16)
def _clean(schema: str, prop: str, value: str) -> str | None:
    """One value cleaned by its property's type, as ``EntityProxy.add`` does; cached, because list files
    repeat the same countries and URLs thousands of times. Countries go through the cached territory table
    (:mod:`listwatch.territories`), which gives what rigour's ``lookup_territory`` gives."""
    from rigour.territories import get_territory  # noqa: PLC0415 - slow to import, needed only here

    p = model.schemata[schema].properties[prop]
    for text in string_list(value, sanitize=True):
        if p.type.name == "country":
            code = territory_code(text)
            territory = get_territory(code) if code else None
            return territory.ftm_country if territory else None
        cleaned: str | None = p.type.clean_text(text, format=p.format)
        return cleaned
    return None


def clean_properties(record_schema: str, raw: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """``raw`` cleaned for the FtM schema of a record of ``record_schema`` (Person, Organization, Vessel,
    Aircraft): unknown properties, references to other entities and unreadable values are left out."""
    if not any(raw.values()):
        return {}
    kind = "person" if record_schema == "Person" else record_schema.lower()
    schema = model.schemata[schema_name(kind)]
    out: dict[str, tuple[str, ...]] = {}
    for prop, values in raw.items():
        if not values:
            continue
        p = schema.get(prop)
        if p is None or prop in NAMES or p.stub or p.type.name == "entity":
            continue
        cleaned = tuple(dict.fromkeys(c for v in values if v and (c := _clean(schema.name, prop, v))))
        if cleaned:
            out[prop] = cleaned
    return dict(sorted(out.items()))
