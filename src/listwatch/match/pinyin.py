"""The pinyin of our own word lists (Chinese legal forms, glossary words) without importing pypinyin.

pypinyin reads its phrase tables when it is imported: about 0.4 s of CPU, more than the rest of a
``listwatch screen`` on a mapped index. The pinyin of a fixed list of words depends only on the
words and on pypinyin's version, so :func:`words_pinyin` answers from

* ``data/pinyin.json``, written by ``tools/build_pinyin.py`` for every Han word of the word lists, when
  it was written with the installed pypinyin (a test fails when a word list gains a word it lacks);
* else a file in the cache directory (:mod:`listwatch.cachefile`) under a name holding the words and
  pypinyin's version, written by the first process that meets them;

and only a process that meets new Han text (or a new pypinyin) imports pypinyin. The answer is always
``lazy_pinyin(word)``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Collection

from listwatch.cachefile import cache_dir, cached_json, library_version
from listwatch.match.datafiles import read_data

__all__ = ["BUNDLE", "words_pinyin"]

BUNDLE = "pinyin.json"  # {"pypinyin": version, "pinyin": {word: [syllable, ...]}}


def _valid(table: object) -> bool:
    return isinstance(table, dict) and all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in table.values())


@functools.cache
def _bundled() -> dict[str, list[str]]:
    """``data/pinyin.json`` if it was written with the installed pypinyin, else nothing."""
    try:
        held = json.loads(read_data(BUNDLE))
    except (OSError, ValueError):
        return {}
    if not isinstance(held, dict) or held.get("pypinyin") != library_version("pypinyin"):
        return {}
    table = held.get("pinyin")
    return table if isinstance(table, dict) and _valid(table) else {}


def words_pinyin(words: Collection[str]) -> dict[str, list[str]]:
    """``lazy_pinyin(w)`` (its syllables) for each word ``w``."""
    wanted = sorted(set(words))
    bundled = _bundled()
    if all(w in bundled for w in wanted):
        return {w: list(bundled[w]) for w in wanted}
    version = library_version("pypinyin")
    digest = hashlib.sha256("\n".join([version, *wanted]).encode()).hexdigest()[:20]

    def build() -> dict[str, list[str]]:
        from pypinyin import lazy_pinyin  # noqa: PLC0415 - large tables: only when the cache has no answer

        return {w: lazy_pinyin(w) for w in wanted}

    def valid(table: object) -> bool:
        return _valid(table) and isinstance(table, dict) and sorted(table) == wanted

    table: dict[str, list[str]] = cached_json(cache_dir() / f"pinyin-{version}-{digest}.json", build, valid)
    return table
