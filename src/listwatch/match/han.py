"""Chinese (Han) names: Traditional -> Simplified, the trade name inside a registered name, and
how many characters two Han names share.

* :func:`simplified` - OpenCC's Traditional-to-Simplified conversion ("中國移動" -> "中国移动"),
  so either script meets the other (pinyin alone cannot tell them apart, but the glossary and the
  character comparison need one script).
* :func:`trade_name` - the distinctive core of a registered name: legal form, a leading place
  (``han_places.txt``: 杭州, 深圳市), a parenthesised place and closing industry words
  (``han_industry_words.txt``) removed: 杭州海康威视数字技术股份有限公司 -> 海康威视,
  深圳市大疆创新科技有限公司 -> 大疆. 中国 stays (中国移动 is a trade name).
* :func:`han_likeness` - Dice coefficient of the characters two names share: pinyin collides
  (中芯 and 中信 are both "zhongxin"), characters do not.
* :func:`name_key` - the key a Chinese name is looked up by in the glossary of romanisations
  (:mod:`listwatch.match.glossary`): Simplified, no legal form, no leading place, no closing
  structure word (``han_structure_words.txt``: 集团, 控股).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

from listwatch.match.datafiles import read_data
from listwatch.match.normalize import has_han, is_han, legal_forms

__all__ = ["han_chars", "han_likeness", "has_han", "industry_words", "name_key", "simplified", "trade_name"]

_PAREN = re.compile(r"[(\uff08][^)\uff09]*[)\uff09]")
_SUFFIXES = ("特别行政区", "自治区", "省", "市")


def _words(name: str) -> tuple[str, ...]:
    text = read_data(name)
    words = {w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")}
    return tuple(sorted(words, key=len, reverse=True))


@functools.cache
def industry_words() -> tuple[str, ...]:
    """Words closing a Chinese company name that say what it does (``han_industry_words.txt``), longest first."""
    return _words("han_industry_words.txt")


@functools.cache
def _closing_words() -> tuple[str, ...]:
    return (*_legal_forms(), *_words("han_structure_words.txt"))


@functools.cache
def _converter() -> Any:
    import opencc  # noqa: PLC0415 - loaded on first Han text only

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` with Traditional Han characters in their Simplified form (other text unchanged)."""
    return str(_converter().convert(text)) if has_han(text) else text


@functools.cache
def _places() -> tuple[str, ...]:
    places = _words("han_places.txt")
    return tuple(sorted({p + s for p in places for s in ("", *_SUFFIXES)}, key=len, reverse=True))


@functools.cache
def _legal_forms() -> tuple[str, ...]:
    return tuple(sorted((f[0] for f in legal_forms() if len(f) == 1 and has_han(f[0])), key=len, reverse=True))


def _bare(name: str) -> str:
    """A name all in Han characters, Simplified, without parentheses or spaces ("" for any other name)."""
    s = simplified(name).strip()
    if not has_han(s) or not all(is_han(c) or c in "()（） " for c in s):
        return ""
    return _PAREN.sub("", s).replace(" ", "")


def _strip_closing(core: str, words: tuple[str, ...]) -> str:
    """``core`` without closing ``words``, repeatedly, keeping two characters at least."""
    changed = True
    while changed:
        changed = False
        for word in words:
            if core.endswith(word) and len(core) - len(word) >= 2:
                core = core[: -len(word)]
                changed = True
                break
    return core


def _strip_place(core: str) -> str:
    for place in _places():
        if core.startswith(place) and len(core) - len(place) >= 2:
            return core[len(place):]
    return core


def trade_name(name: str) -> str | None:
    """The trade name inside a Chinese registered name, or None when there is no shorter one."""
    core = _bare(name)
    if not core:
        return None
    form = next((f for f in _legal_forms() if core.endswith(f)), "")
    core = _strip_closing(_strip_place(core[: len(core) - len(form)]), industry_words())
    return core if core and core != simplified(name).strip() else None


def han_chars(name: str) -> str:
    """The Han characters of a name, in Simplified form, without Chinese legal forms."""
    if not has_han(name):
        return ""
    s = simplified(name)
    for form in _legal_forms():
        s = s.replace(form, "")
    return "".join(filter(is_han, s))


def han_likeness(a: str, b: str) -> float:
    """Dice coefficient of two strings' characters (as multisets)."""
    if not a or not b:
        return 0.0
    shared = sum((Counter(a) & Counter(b)).values())
    return 2 * shared / (len(a) + len(b))


def name_key(name: str, *, place: bool = False) -> str:
    """The glossary key of a Chinese name ("" for a name not all in Han characters):
    深圳市大疆创新科技有限公司 -> 大疆创新科技, 中國海洋石油集團有限公司 -> 中国海洋石油; with
    ``place``, a leading place stays (湖南大学: the place is the name)."""
    bare = _bare(name)
    if not bare:  # (not a Han name: nothing to strip)
        return ""
    key = _strip_closing(bare, _closing_words())
    return key if place else _strip_place(key)
