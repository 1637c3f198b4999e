"""Per-process memos of the search: plain dicts, each emptied when it reaches its size limit.

A search remembers what comes back across queries (a token's weight, two tokens' likeness, a list name's
decoded row, a rounded value). A dict probe costs a third of an ``lru_cache``'s, and emptying a full memo keeps
its memory bounded at no cost per hit: the words of new queries fill it again.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """Keep ``value`` under ``key`` in ``memo`` (emptied first when it holds ``limit`` entries); ``value``."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
