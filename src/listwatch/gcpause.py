"""Python's cyclic garbage collector paused while an ingest (or the import of what it uses) runs."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_gc_lock = threading.Lock()
_gc_users = [0, False]  # ingests running in this process; whether the collector was on before the first


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while an ingest runs (on again after the last one ends).

    An ingest builds some 10^6 small objects (records, rows, keys), none of them in reference cycles; the
    collector, triggered by every 700 allocations, traverses them again and again: 10-30% of an ingest's CPU
    on the real lists. Memory is still freed by reference counting."""
    with _gc_lock:
        if _gc_users[0] == 0:
            _gc_users[1] = gc.isenabled()
            gc.disable()
        _gc_users[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users[0] -= 1
            if _gc_users[0] == 0 and _gc_users[1]:
                gc.enable()
