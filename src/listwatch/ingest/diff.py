"""Compare a new version of a source with what the store holds of it: pure, no I/O.

Against the records the store holds for that source (:class:`~listwatch.store.writer.RecordState`):

* a record not seen before -> ``new``; seen before and gone, now back -> ``back``;
* a record whose names, identifiers or lists changed -> ``changed`` (with the lists it gained
  and lost);
* a record present before and missing now -> ``gone``.

A record's digest covers only what it prints (names, lists, identifiers, schema), so a
re-published but unchanged record is not a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from listwatch.ingest.records import SourceRecord
from listwatch.store.writer import RecordState

__all__ = ["Change", "VersionDiff", "diff", "record_digest"]


def record_digest(r: SourceRecord) -> str:
    doc = [r.name, sorted(r.aliases), sorted(r.list_ids), sorted(i.label for i in r.identifiers), r.schema]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


@dataclass(frozen=True)
class Change:
    kind: str  # new | back | changed | same
    record: SourceRecord
    digest: str
    old: RecordState | None = None

    @property
    def gained(self) -> list[str]:
        return [x for x in self.record.list_ids if self.old is None or x not in self.old.list_ids]

    @property
    def lost(self) -> list[str]:
        return [] if self.old is None else [x for x in self.old.list_ids if x not in self.record.list_ids]

    @property
    def kept(self) -> list[str]:
        return [x for x in self.record.list_ids if self.old is not None and x in self.old.list_ids]


@dataclass
class VersionDiff:
    changes: list[Change] = field(default_factory=list)  # in file order
    gone: list[RecordState] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def diff(prev: Mapping[str, RecordState], records: Sequence[SourceRecord]) -> VersionDiff:
    """The changes from ``prev`` to ``records`` (a record id repeated in a file counts once)."""
    out = VersionDiff()
    seen: set[str] = set()
    for rec in records:
        if rec.source_id in seen:
            continue
        seen.add(rec.source_id)
        d = record_digest(rec)
        old = prev.get(rec.source_id)
        kind = "new" if old is None else "back" if not old.present else "changed" if old.digest != d else "same"
        out.changes.append(Change(kind, rec, d, old))
    out.gone = [old for sid, old in prev.items() if old.present and sid not in seen]
    return out
