"""Compare a new version of a source with what the store holds of it: pure, no I/O.

Against the records the store holds for that source (:class:`~listwatch.store.writer.RecordState`):

* a record not seen before -> ``new``; seen before and gone, now back -> ``back``;
* a record whose names, identifiers or lists changed -> ``changed`` (with the lists it gained
  and lost);
* a record present before and missing now -> ``gone``.

A record's digest covers only what it prints (names, lists, identifiers, schema), so a
re-published but unchanged record is not a change. What the given files do not print (``partial``:
``aliases`` when OFAC's ``alt.csv`` is missing, ``identifiers`` when its comments file is) is
carried over from the stored record instead of read as removed: a lone ``sdn.csv`` amends nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

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


def _complete(rec: SourceRecord, old: RecordState, partial: Collection[str]) -> SourceRecord:
    """``rec`` with the fields its files do not print taken from the stored record."""
    if "aliases" in partial and old.aliases is not None:
        rec = replace(rec, aliases=old.aliases)
    if "identifiers" in partial and old.identifiers is not None:
        rec = replace(rec, identifiers=tuple(dict.fromkeys((*rec.identifiers, *old.identifiers))))
    if old.properties:  # a property only a missing file prints (an address, a comment's DOB) is kept
        rec = replace(rec, properties={**old.properties, **rec.properties})
    return rec


def _differs(rec: SourceRecord, d: str, old: RecordState, partial: Collection[str]) -> bool:
    if partial and (old.aliases is None or old.identifiers is None):  # stored before fields were kept
        return rec.name != old.name or tuple(rec.list_ids) != old.list_ids
    return old.digest != d


def diff(prev: Mapping[str, RecordState], records: Sequence[SourceRecord],
         partial: Collection[str] = (), gone: Collection[str] | None = None) -> VersionDiff:
    """The changes from ``prev`` to ``records`` (a record id repeated in a file counts once).

    ``gone``: the ids that left, for a delta version (``records`` then holds only what changed).
    """
    out = VersionDiff()
    seen: set[str] = set()
    for printed in records:
        if printed.source_id in seen:
            continue
        seen.add(printed.source_id)
        old = prev.get(printed.source_id)
        rec = _complete(printed, old, partial) if old is not None and partial else printed
        d = record_digest(rec)
        kind = ("new" if old is None else "back" if not old.present
                else "changed" if _differs(rec, d, old, partial) else "same")
        out.changes.append(Change(kind, rec, d, old))
    if gone is None:
        out.gone = [old for sid, old in prev.items() if old.present and sid not in seen]
    else:
        out.gone = [prev[sid] for sid in gone if sid in prev and prev[sid].present and sid not in seen]
    return out
