"""The shrink guard: an update that would delist much of a source is refused unless allowed.

An empty, header-only or cut-off list file is the commonest way to lose a whole list: applied as
a new version, every record missing from it becomes a ``delisted`` event and screening then says
"not restricted". OFAC's own history never removed more than 1.7% of the SDN list between two
publications (308 snapshots, 2021-08-18 -> 2024-05-03, ``../shared/data/real/ofac-sdn-history``),
so the default limit is 5% of the records the source holds now. Above it, or when a file yields
no record at all, the update is refused with the counts and the files named, unless the operator
allows it explicitly (``--allow-shrink``; API ``allow_shrink=true``); the override is logged in
the version record. A file that is visibly cut off (no OFAC end-of-file mark, a CSV row short of
its header, JSON cut mid-record) is refused by its parser and cannot be allowed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from listwatch.ingest.records import IngestError

__all__ = ["DEFAULT_MAX_SHRINK", "ShrinkRefused", "check_shrink", "max_shrink"]

DEFAULT_MAX_SHRINK = 0.05
MAX_SHRINK_ENV = "LISTWATCH_MAX_SHRINK"


class ShrinkRefused(IngestError):
    """An update would remove more of a source than allowed; nothing was changed."""

    def __init__(self, source: str, files: Sequence[str], held: int, removed: int, incoming: int,
                 limit: float) -> None:
        self.source, self.files, self.held, self.removed, self.incoming, self.limit = (
            source, tuple(files), held, removed, incoming, limit)
        where = ", ".join(files) or "(no file)"
        if incoming == 0:
            what = f"{where} holds no {source} records"
            what += f" (the store holds {held:,})" if held else ""
        else:
            what = (f"{where} would remove {removed:,} of the {held:,} {source} records held "
                    f"({removed / held:.1%}, over the {limit:.0%} limit; {incoming:,} records in the file)")
        super().__init__(f"{what}: refused as a likely empty or truncated file; "
                         "pass --allow-shrink (API: allow_shrink=true) if the list really shrank")


def max_shrink() -> float:
    """The share of a source an update may remove without ``allow_shrink`` (``LISTWATCH_MAX_SHRINK``)."""
    raw = os.environ.get(MAX_SHRINK_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_SHRINK
    try:
        value = float(raw)
    except ValueError:
        raise IngestError(f"{MAX_SHRINK_ENV}={raw!r} is not a number between 0 and 1") from None
    if not 0 <= value <= 1:
        raise IngestError(f"{MAX_SHRINK_ENV}={raw!r} is not a number between 0 and 1")
    return value


def check_shrink(source: str, files: Sequence[str], held: int, removed: int, incoming: int, *,
                 allow: bool = False, limit: float | None = None) -> str | None:
    """Refuse (raise :class:`ShrinkRefused`) a version that shrinks ``source`` too much.

    ``held`` is the number of records of the source present now, ``removed`` how many of them
    the new version lacks, ``incoming`` how many records the new files hold. Returns the note to
    log in the version record when ``allow`` let a shrink through, else None.
    """
    limit = max_shrink() if limit is None else limit
    too_much = incoming == 0 or (held > 0 and removed / held > limit)
    if not too_much:
        return None
    if not allow:
        raise ShrinkRefused(source, files, held, removed, incoming, limit)
    share = f" ({removed / held:.1%})" if held else ""
    return f"shrink allowed by the operator: {removed:,} of {held:,} records removed{share}, {incoming:,} in the files"
