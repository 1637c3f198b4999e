"""The pinyin of our own word lists (Chinese legal forms, glossary words) without importing pypinyin.

pypinyin reads its phrase tables when it is imported: about 0.4 s of CPU, more than the rest of a
``listwatch screen`` on a mapped index. The pinyin of a fixed list of words depends only on the
words and on pypinyin's version, so :func:`words_pinyin` keeps it in the cache directory
(:mod:`listwatch.cachefile`) under a name holding both, and only a process that meets new Han text
(or a new pypinyin) imports pypinyin. The answer is always ``lazy_pinyin(word)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from listwatch.cachefile import cache_dir, cached_json, library_version

__all__ = ["words_pinyin"]


def words_pinyin(words: Collection[str]) -> dict[str, list[str]]:
    """``lazy_pinyin(w)`` (its syllables) for each word ``w``."""
    wanted = sorted(set(words))
    version = library_version("pypinyin")
    digest = hashlib.sha256("\n".join([version, *wanted]).encode()).hexdigest()[:20]

    def build() -> dict[str, list[str]]:
        from pypinyin import lazy_pinyin  # noqa: PLC0415 - large tables: only when the cache has no answer

        return {w: lazy_pinyin(w) for w in wanted}

    def valid(table: object) -> bool:
        return (isinstance(table, dict) and sorted(table) == wanted
                and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in table.values()))

    table: dict[str, list[str]] = cached_json(cache_dir() / f"pinyin-{version}-{digest}.json", build, valid)
    return table
