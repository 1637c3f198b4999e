"""Roll a source back to one of its earlier versions: the operator's undo of a bad update.

Every applied version keeps its records (``source_snapshots``), so an earlier version can be
applied again without its files. Rolling back is an ordinary new version with the earlier one's
content: it yields the ``listed`` / ``delisted`` / ``amended`` events that bring the source back to
that version, recorded now (the history of what was believed when stays replayable with
``known_at``), and its version record says it was a rollback. The shrink guard does not apply:
undoing a bad update is exactly the case where many records come and go.
"""

from __future__ import annotations

import datetime as dt

from listwatch.ingest.apply import IngestResult, apply_version
from listwatch.ingest.records import IngestError, unpack_records
from listwatch.store.db import Store

__all__ = ["rollback"]


def rollback(store: Store, source: str, to_version: int, as_of: dt.date | None = None,
             now: dt.datetime | None = None) -> IngestResult:
    """Bring ``source`` back to version ``to_version`` (see module doc); raises IngestError if unknown."""
    with store.writer() as w:
        found = w.version_snapshot(source, to_version)
    if found is None:
        raise IngestError(f"{source} has no version {to_version}")
    digest, files, packed = found
    if packed is None:
        raise IngestError(f"{source} version {to_version} was recorded before versions kept their records; "
                          "ingest its files again instead")
    return apply_version(store, source, unpack_records(packed), files, digest, as_of, now, allow_shrink=True,
                         note=f"rollback to version {to_version}")
