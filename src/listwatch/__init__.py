"""listwatch: is this company restricted by a US government list - on which date, in what way, since when?

Python API (the CLI and, later, the HTTP API are thin faces over these)::

    import datetime as dt
    from listwatch import open_store, resolve
    from listwatch.status import status, timeline, members, diff
    store = open_store()                                  # SQLite under $LISTWATCH_HOME, seeded
    s = status(store, resolve(store, "Xiaomi"), dt.date(2021, 1, 14))
    s.restricted, s.deadlines                             # True, [purchase ban starts 2021-03-15, ...]

(``listwatch.status`` is the module; its functions are not re-exported here so the module
name is never shadowed.)
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from listwatch.lazy import exports

if TYPE_CHECKING:
    from listwatch.model import Deadline, Effect, EffectKind, Entity, Event, EventType, Listing, Status
    from listwatch.portfolio import check_portfolio, read_holdings
    from listwatch.resolve import Ambiguous, NotFound, candidates, resolve
    from listwatch.store.db import Store, open_store

# Imported on first use (PEP 562), so `import listwatch.cli` and `listwatch --help` stay fast.
_HOME = {
    **dict.fromkeys(["Deadline", "Effect", "EffectKind", "Entity", "Event", "EventType", "Listing", "Status"],
                    "listwatch.model"),
    **dict.fromkeys(["check_portfolio", "read_holdings"], "listwatch.portfolio"),
    **dict.fromkeys(["Ambiguous", "NotFound", "candidates", "resolve"], "listwatch.resolve"),
    **dict.fromkeys(["Store", "open_store"], "listwatch.store.db"),
}

__all__ = [
    "Ambiguous",
    "Deadline",
    "Effect",
    "EffectKind",
    "Entity",
    "Event",
    "EventType",
    "Listing",
    "NotFound",
    "Status",
    "Store",
    "candidates",
    "check_portfolio",
    "open_store",
    "read_holdings",
    "resolve",
]


__getattr__ = exports(__name__, _HOME)


class _Package(types.ModuleType):
    """``listwatch.resolve`` is both a function of this API and a submodule. Importing the submodule
    (anything that uses it does) makes the import system set the package attribute to the module,
    so ``from listwatch import resolve`` would give a module. The API's names win here."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
