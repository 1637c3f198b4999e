"""YAML files a library parses on every import, kept parsed (as JSON) in the cache directory while they are unchanged.

followthemoney reads its model, 71 YAML files, with ``yaml.safe_load`` each time it is imported: even with
libyaml's parser about 160 M instructions, a tenth of the library's import, paid again by every ``listwatch
ingest``. :class:`KeptYaml` stands in for ``yaml.safe_load`` while such an import runs: a file whose size,
modification time and change time are those it had when it was parsed is answered from the kept copy; any other
file (an edited or replaced one, another path), or a text that is not a file, is parsed. Only values that JSON
gives back equal are kept (YAML dates, say, are not), and, as :func:`listwatch.cachefile.remembered` does, nothing
is kept while a file is younger than two seconds. A missing, damaged or read-only cache costs only the parsing.
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path
from typing import Any

from listwatch.cachefile import RACY_NS, save_json

__all__ = ["KeptYaml"]


def _json_equal(value: Any) -> bool:
    """Whether JSON gives ``value`` back equal (no dates, no keys other than text)."""
    try:
        return bool(json.loads(json.dumps(value)) == value)
    except (TypeError, ValueError):
        return False


class KeptYaml:
    """A ``yaml.safe_load`` that reads files from the parsed copies kept in ``path`` (see the module doc); call
    :meth:`save` afterwards to keep what it parsed."""

    def __init__(self, path: Path, yaml: Any) -> None:
        self.path = path
        self.parse = (functools.partial(yaml.load, Loader=yaml.CSafeLoader)
                      if getattr(yaml, "__with_libyaml__", False) else yaml.safe_load)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}  # missing or damaged: parsed and written anew
        self.kept: dict[str, Any] = doc if isinstance(doc, dict) else {}
        self.fresh: dict[str, Any] = {}

    def __call__(self, stream: Any) -> Any:
        name = getattr(stream, "name", None)
        try:
            st = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):
            return self.parse(stream)  # a text, not a file
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        entry = self.kept.get(name) if isinstance(name, str) else None
        if isinstance(entry, dict) and entry.get("stamp") == stamp and "value" in entry:
            return entry["value"]
        value = self.parse(stream)
        if (isinstance(name, str) and max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - RACY_NS
                and _json_equal(value)):
            self.fresh[name] = {"stamp": stamp, "value": value}
        return value

    def save(self) -> None:
        """Keep the files parsed by this instance (with those kept before)."""
        if self.fresh:
            save_json(self.path, {**self.kept, **self.fresh})
