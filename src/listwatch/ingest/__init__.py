"""Official list formats -> :class:`~listwatch.ingest.records.SourceRecord`, one module per format.

:func:`read_source` turns a format name and paths into :class:`Batch` es (one per source: the
OFAC SDN and consolidated lists are separate sources even when one directory holds both), each
with the content hash of its files; :func:`ingest` applies them to the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from listwatch.gcpause import gc_paused
from listwatch.ingest.apply import IngestResult, apply_version
from listwatch.ingest.guard import ShrinkRefused
from listwatch.ingest.records import IngestError, SourceRecord, check_text, digest_file
from listwatch.store.db import Store

__all__ = ["FORMATS", "Batch", "IngestError", "IngestResult", "ShrinkRefused", "ingest", "ingest_batches",
           "ingest_groups", "read_source"]

FORMATS = ("ofac-csv", "ofac-xml", "csl", "ftm", "bis-dpl", "ofac-history")


@dataclass(frozen=True)
class Batch:
    source: str
    records: list[SourceRecord]
    files: list[dict[str, Any]]
    digest: str
    list_names: dict[str, str]
    partial: frozenset[str] = frozenset()  # record fields these files do not print
    held: int | None = None  # not parsed: the files are the source's latest version, of this many records


Latest = Callable[[str], "tuple[str, int] | None"]  # a source's latest version: (content hash, records)


def _unchanged(source: str, meta: list[dict[str, Any]], digest: str, latest: Latest | None) -> Batch | None:
    """A batch standing for files that are the source's latest version already: nothing to parse or do."""
    known = latest(source) if latest else None
    return Batch(source, [], meta, digest, {}, held=known[1]) if known and known[0] == digest else None


def _files_meta(paths: Sequence[Path]) -> tuple[list[dict[str, Any]], str]:
    """Each file's name, size and time, and the version's content hash, reading each file in chunks."""
    meta, h = [], hashlib.sha256()
    for p in paths:
        size, digest = digest_file(p)
        h.update(digest)
        mtime = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).isoformat()
        meta.append({"name": p.name, "bytes": size, "mtime": mtime})
    return meta, h.hexdigest()


def _ofac_csv(path: Path, latest: Latest | None) -> list[Batch]:
    from listwatch.ingest import ofac_csv  # noqa: PLC0415 - each format's parser is imported when it is used

    out = []
    for main in ofac_csv.main_files(path):
        given = ofac_csv.companions(main)
        meta, digest = _files_meta([main, *given.values()])
        source = "ofac-cons" if main.name.startswith("cons") else "ofac-sdn"
        if same := _unchanged(source, meta, digest, latest):
            out.append(same)
            continue
        partial = frozenset(field for kind, field in (("alt", "aliases"), ("comments", "identifiers"))
                            if kind not in given)
        out.append(Batch(source, ofac_csv.parse_main(main), meta, digest, {}, partial))
    return out


def _csl(path: Path, latest: Latest | None) -> list[Batch]:
    from listwatch.ingest import csl  # noqa: PLC0415 - see _ofac_csv

    meta, digest = _files_meta([path])
    if same := _unchanged("csl", meta, digest, latest):
        return [same]
    records = csl.parse(path)
    names: dict[str, str] = {}
    for r in records:
        for lid in r.list_ids:
            names.setdefault(lid, r.extra.get("source", lid))
    return [Batch("csl", records, meta, digest, names)]


def read_source(fmt: str, paths: Sequence[Path], latest: Latest | None = None) -> list[Batch]:
    """Parse the files of one format; raises :class:`IngestError` naming the file and line.

    ``latest``: the source's latest version in the store; files with its content hash are not parsed
    (OFAC CSV and CSL: their source is known before parsing) - applying them would change nothing.
    """
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    batches: list[Batch] = []
    for p in paths:
        if not p.exists():
            raise IngestError(f"{p}: no such file or directory")
        if fmt == "ofac-csv":
            batches += _ofac_csv(p, latest)
        elif fmt == "csl":
            batches += _csl(p, latest)
        elif fmt == "bis-dpl":
            from listwatch.ingest import bis_dpl  # noqa: PLC0415 - see _ofac_csv

            batches.append(Batch("bis-dpl", bis_dpl.parse(p), *_files_meta([p]),
                                 {"us-bis-dpl": "BIS Denied Persons List"}))
        elif fmt == "ofac-xml":
            from listwatch.ingest import ofac_xml  # noqa: PLC0415 - see _ofac_csv

            batches += [Batch(src, recs, *_files_meta([p]), {}) for src, recs in ofac_xml.parse(p)]
        else:  # FollowTheMoney JSON Lines: imports followthemoney (its model is slow to load)
            from listwatch.ingest import ftm  # noqa: PLC0415 - see _ofac_csv

            batches += [Batch(src, recs, *_files_meta([p]), names) for src, recs, names in ftm.parse(p)]
    for b in batches:
        check_text(b.records, ", ".join(f["name"] for f in b.files))
    return batches


def ingest(store: Store, fmt: str, paths: Sequence[Path], as_of: dt.date | None = None,
           now: dt.datetime | None = None, allow_shrink: bool = False) -> list[IngestResult]:
    """Parse everything first (a bad file changes nothing), then apply each source's version, all
    in one transaction: if any version fails (the shrink guard, a database error) none is kept.

    A version that would remove more of a source than the shrink guard allows raises
    :class:`ShrinkRefused` unless ``allow_shrink`` (see :mod:`listwatch.ingest.guard`).
    ``ofac-history``: each path is an archive of SDN snapshots, replayed as dated versions
    (:mod:`listwatch.ingest.history`; ``as_of`` does not apply, each snapshot has its own day).
    """
    if fmt == "ofac-history":
        from listwatch.ingest.history import replay  # noqa: PLC0415 - only this format needs it

        for p in paths:
            if not p.is_file():
                raise IngestError(f"{p}: no such archive")
        return [r for p in paths for r in replay(store, p, now)]
    return ingest_groups(store, [(fmt, paths, as_of)], now, allow_shrink)


Group = tuple[str, Sequence[Path], dt.date | None]  # a format, its paths, their --as-of


def ingest_groups(store: Store, groups: Sequence[Group], now: dt.datetime | None = None,
                  allow_shrink: bool = False) -> list[IngestResult]:
    """Files of several formats, each group with its own ``as_of``, as :func:`ingest` takes one format's: every
    file is parsed first (a bad file changes nothing), then the versions are applied in the order given, all
    in one transaction. One process then pays the parsers' imports (followthemoney's above all) once."""
    for fmt, _, _ in groups:
        if fmt == "ofac-history":
            raise IngestError("ofac-history is replayed on its own (one transaction per snapshot): ingest it alone")
    with gc_paused(), store.writer() as w:  # every file and source of this call in one transaction
        parsed = [(read_source(fmt, paths, w.latest_version), as_of) for fmt, paths, as_of in groups]
        return [r for batches, as_of in parsed for r in ingest_batches(store, batches, as_of, now, allow_shrink)]


def ingest_batches(store: Store, batches: Sequence[Batch], as_of: dt.date | None = None,
                   now: dt.datetime | None = None, allow_shrink: bool = False) -> list[IngestResult]:
    """Apply parsed batches, each source's version in its own transaction (shrink guard included)."""
    out = []
    for b in batches:
        if b.held is not None:
            with store.writer() as w:
                if w.latest_digest(b.source) != b.digest:  # never apply an unread batch as a version
                    raise IngestError(f"{b.source}: a new version was recorded while these files were read; retry")
            out.append(IngestResult(b.source, None, b.held, 0, 0, 0, 0, 0))
            continue
        out.append(apply_version(store, b.source, b.records, b.files, b.digest, as_of, now, b.list_names,
                                 allow_shrink=allow_shrink, partial=b.partial))
    return out
