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
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from listwatch.cachefile import cache_dir, library_version
from listwatch.territories import territory_code
from listwatch.yamlcache import KeptYaml

__all__ = ["clean_properties", "import_followthemoney", "ofac_dates", "remark_properties"]

NAMES = ("name", "alias")  # kept as names, not as properties
_MONTHS = {m: n for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), start=1)}
_OFAC_DATE = re.compile(r"\b(?:(\d{1,2}) )?(?:([A-Z][a-z]{2}) )?(\d{4})\b")


def _printed(words: tuple[str, ...], value: str) -> re.Pattern[str]:
    """``\\b(?:word|...)value``, written with each word first and its word boundary checked behind it: a pattern
    that starts with a literal word is searched for as a substring is (the engine jumps from one occurrence to
    the next), where a leading ``\\b`` made it try every position of the text: 5-7 times faster on OFAC remarks."""
    return re.compile("(?:" + "|".join(rf"{re.escape(w)}(?<=\b{re.escape(w)})" for w in words) + ")" + value)


_REMARKS = (  # (FtM property, words its value follows, pattern of its value in OFAC remarks)
    ("birthDate", ("DOB ",), _printed(("DOB",), r" ([^;]+)")),
    ("birthPlace", ("POB ",), _printed(("POB",), r" ([^;]+)")),
    ("nationality", ("nationality ",), _printed(("nationality",), r" ([^;]+)")),
    ("citizenship", ("citizen ",), _printed(("citizen",), r" ([^;]+)")),
    ("gender", ("Gender ",), _printed(("Gender",), r" ([^;]+)")),
    ("imoNumber", ("IMO ",), _printed(("IMO",), r" (\d{7})\b")),
    ("website", ("Website ",), _printed(("Website",), r" ([^;\s]+)")),
    ("email", ("Email Address ",), _printed(("Email Address",), r" ([^;\s]+)")),
    ("phone", ("Telephone", "Phone Number"), _printed(("Telephone", "Phone Number"), r":? ([^;]+)")),
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
    for prop, words, pattern in _REMARKS:
        if not any(map(remarks.__contains__, words)):  # (a substring test is far cheaper than a regex scan)
            continue
        found = [v.strip().rstrip(".") for v in pattern.findall(remarks)]
        if prop == "birthDate":
            found = [d for v in found for d in ofac_dates(v)]
        if found:
            out[prop] = found
    return out


def import_followthemoney() -> None:
    """Import followthemoney, its model read from the parsed copy kept in the cache directory.

    Importing followthemoney loads its model, 71 YAML files read with ``yaml.safe_load``: in pure Python
    that is over half a second, most of the library's import and a tenth of ingesting a list file; with
    libyaml's parser (the same data: tests/test_ingest_props.py compares every model file) still ~160 M
    instructions in every process. For the duration of that one import ``yaml.safe_load`` is a
    :class:`~listwatch.yamlcache.KeptYaml`: each model file comes from the copy kept (as JSON, under the
    library's version) while the file is unchanged, else is parsed, by libyaml when PyYAML has it, and kept.
    followthemoney itself is not changed; already imported, nothing is done.
    """
    if "followthemoney" in sys.modules:
        return
    import yaml  # noqa: PLC0415 - only to import followthemoney

    pure = yaml.safe_load
    kept = KeptYaml(cache_dir() / f"followthemoney-model-{library_version('followthemoney')}.json", yaml)
    yaml.safe_load = kept
    try:
        import followthemoney  # noqa: F401, PLC0415 - loads the model
    finally:
        yaml.safe_load = pure
    kept.save()


@functools.cache
def _property(record_schema: str, prop: str) -> Any:
    """The FtM property ``prop`` of the export schema of a record of ``record_schema``, or None if it is not
    kept (unknown, a name, a stub or a reference to another entity).

    followthemoney is imported here, on the first record that has properties, not with the parsers: a
    re-published, unchanged file is never parsed, and its import is slow (see import_followthemoney)."""
    import_followthemoney()
    from followthemoney import model  # noqa: PLC0415 - see above

    from listwatch.ftm import schema_name  # noqa: PLC0415 - imports followthemoney

    kind = "person" if record_schema == "Person" else record_schema.lower()
    p = model.schemata[schema_name(kind)].get(prop)
    if p is None or prop in NAMES or p.stub or p.type.name == "entity":
        return None
    return p


@functools.cache
def _value_tools() -> tuple[Callable[..., list[str]], Callable[[str], Any]]:
    """followthemoney's ``string_list`` and rigour's ``get_territory``, imported once (see _property), not by an
    import statement run for each distinct value (rigour.territories is a package: each ``from`` import of it
    calls importlib's Python code)."""
    from followthemoney.value import string_list  # noqa: PLC0415 - see _property
    from rigour.territories import get_territory  # noqa: PLC0415 - slow to import, needed only here

    return string_list, get_territory


@functools.lru_cache(maxsize=1 << 16)
def _clean(record_schema: str, prop: str, value: str) -> str | None:
    """One value cleaned by its property's type, as ``EntityProxy.add`` does; cached, because list files
    repeat the same countries and URLs thousands of times. Countries go through the cached territory table
    (:mod:`listwatch.territories`), which gives what rigour's ``lookup_territory`` gives."""
    string_list, get_territory = _value_tools()
    p = _property(record_schema, prop)
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
    out: dict[str, tuple[str, ...]] = {}
    for prop, values in raw.items():
        if values and (cleaned := _clean_values(record_schema, prop, tuple(values))):
            out[prop] = cleaned
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1 << 16)
def _clean_values(record_schema: str, prop: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """The cleaned, distinct values of one property, in order; cached as a whole, because rows of a list file
    repeat the same lists (one source URL, one nationality), so most records need no value-by-value look-up."""
    if _property(record_schema, prop) is None:
        return ()
    return tuple(dict.fromkeys(c for v in values if v and (c := _clean(record_schema, prop, v))))
