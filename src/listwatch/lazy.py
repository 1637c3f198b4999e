"""Names a module hands out but imports on first use (PEP 562): the package API, ``listwatch.status``'s history and
``listwatch.match``'s ``compare`` live in modules that start-up does not need."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["exports"]


def exports(module: str, home: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for the module named ``module``: each name of ``home`` is imported from the module ``home``
    names when first asked for, and kept in ``module``'s globals (later lookups do not come here)."""
    namespace = sys.modules[module].__dict__

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = namespace[name] = getattr(importlib.import_module(home[name]), name)
        return value

    return __getattr__
