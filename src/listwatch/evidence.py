"""The evidence record every JSON answer carries, so an auditor can reproduce it.

``evidence(store, as_of, known_at)`` ->::

    {"as_of": "2021-02-01",             # the legal day asked about (null: not date-bound)
     "known_at": null,                  # the record time asked for (null: everything known now)
     "replay_known_at": "2026-...Z",    # pass this as --known-at / known_at to get the same answer
     "data_version": "3f9c...",         # digest of the source versions below
     "sources": [{"source", "version", "content_hash", "as_of", "recorded_at",
                  "files": [{"name", "bytes", "mtime"}]}],
     "listwatch_version": "0.1.0"}

One function for the CLI, the API and the web UI. The record depends only on what the store held
at ``known_at``, so a replay with the same ``as_of`` and ``known_at`` yields the same record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from listwatch.cachefile import library_version
from listwatch.store.versions import versions

if TYPE_CHECKING:
    from listwatch.store.reader import Reader

__all__ = ["evidence", "listwatch_version", "with_evidence"]


@cache
def listwatch_version() -> str:
    """The installed version, read from the ``.dist-info`` folder beside the package where there is one (importing
    ``importlib.metadata`` costs more than the rest of a JSON answer); else from ``importlib.metadata``."""
    try:
        return library_version("listwatch")
    except ImportError:  # importlib.metadata.PackageNotFoundError: a source tree that is not installed
        return "unknown"


def _ts(ts: dt.datetime | None) -> str | None:
    return ts.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if ts else None


def evidence(store: Reader, as_of: dt.date | None, known_at: dt.datetime | None) -> dict[str, Any]:
    """What an answer for ``as_of`` as known at ``known_at`` rests on (see the module docstring)."""
    vs = versions(store, known_at)
    sources = [{"source": v.source, "version": v.version, "content_hash": v.content_hash,
                "as_of": v.as_of.isoformat() if v.as_of else None, "recorded_at": _ts(v.recorded_at),
                "files": v.files} for v in vs.sources]
    digest = hashlib.sha256(json.dumps([[s["source"], s["content_hash"]] for s in sources]).encode()).hexdigest()
    return {"as_of": as_of.isoformat() if as_of else None, "known_at": _ts(known_at),
            "replay_known_at": _ts(vs.last_recorded), "data_version": digest[:16], "sources": sources,
            "listwatch_version": listwatch_version()}


def with_evidence(answer: dict[str, Any], store: Reader, as_of: dt.date | None,
                  known_at: dt.datetime | None) -> dict[str, Any]:
    """The answer with its ``evidence`` key added."""
    return {**answer, "evidence": evidence(store, as_of, known_at)}
