"""Replay an archive of OFAC SDN snapshots (``sdn.csv`` fetched again and again) as dated versions.

The archive is a ``.tar.xz`` (or ``.tar.gz`` / ``.tar``) of legacy ``sdn.csv`` files whose member
names carry the fetch time, ``sdn_2021-08-18T093901Z.csv`` (see
``../shared/data/real/ofac-sdn-history/README``), read in name order. Each snapshot is a version
of ``ofac-sdn`` dated on its fetch day (US Eastern): a record is ``listed`` on the first snapshot
that shows it and ``delisted`` on the first that lacks it, and the days between the previous
snapshot and that one are the window of doubt (:attr:`~listwatch.model.Event.window_start`).
A snapshot is a lone ``sdn.csv``: aliases and overflow remarks are not in it, so they are never
read as removed.

Fast: a snapshot is split into lines keyed by ``ent_num`` and only the lines that differ from the
previous snapshot are parsed; all versions are written in one transaction. Snapshots not newer
than the source's latest version are skipped, so a replay may be run again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from listwatch.ingest.apply import IngestResult, SourceApplier
from listwatch.ingest.ofac_csv import MAIN_COLUMNS, cells, main_record
from listwatch.ingest.records import IngestError, SourceRecord
from listwatch.store.db import Store

__all__ = ["replay", "snapshots"]

SOURCE = "ofac-sdn"
PARTIAL = frozenset({"aliases", "identifiers"})
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z")
EASTERN = ZoneInfo("America/New_York")


def snapshots(archive: Path) -> Iterator[tuple[str, dt.datetime, bytes]]:
    """(member name, fetch time, bytes) of each ``sdn*.csv`` member, in archive order."""
    try:
        with tarfile.open(archive, "r|*") as tf:
            for m in tf:
                name = m.name.rsplit("/", 1)[-1]
                stamp = _STAMP.search(name)
                if not m.isfile() or not name.startswith("sdn") or stamp is None:
                    continue
                f = tf.extractfile(m)
                if f is None:
                    continue
                day, hh, mm, ss = stamp.groups()
                yield m.name, dt.datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}+00:00"), f.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise IngestError(f"{archive.name}: not a readable tar archive ({exc})") from exc


def _lines(member: str, raw: bytes) -> dict[str, bytes]:
    """ent_num -> its line; a snapshot whose lines do not each start with an ent_num is refused."""
    out: dict[str, bytes] = {}
    for n, line in enumerate(raw.rstrip(b"\x1a\r\n ").split(b"\r\n"), 1):
        ent, _, rest = line.partition(b",")
        if not ent.isdigit() or not rest:
            raise IngestError(f"{member}: line {n}: expected a legacy sdn.csv row starting with its ent_num")
        out[ent.decode()] = line
    return out


def _records(member: str, lines: dict[str, bytes], ids: list[str]) -> list[SourceRecord]:
    text = [lines[i].decode("utf-8", errors="replace") for i in ids]
    out = []
    for ent, row in zip(ids, csv.reader(text, strict=True), strict=True):
        if len(row) != MAIN_COLUMNS:
            raise IngestError(f"{member}: ent_num {ent}: {len(row)} fields, expected {MAIN_COLUMNS}")
        out.append(main_record(cells(row), f"{member}: ent_num {ent}", "ofac-sdn"))
    return out


def replay(store: Store, archive: Path, now: dt.datetime | None = None,
           until: dt.date | None = None) -> list[IngestResult]:
    """Apply every snapshot newer than the source's latest version (up to and including the day
    ``until``, if given); one result per snapshot applied."""
    now = now or dt.datetime.now(dt.UTC)
    results: list[IngestResult] = []
    with store.writer() as w:
        applier = SourceApplier(w, SOURCE)
        prev: dict[str, bytes] | None = None
        started = applier.before is None
        for member, fetched, raw in snapshots(archive):
            day = fetched.astimezone(EASTERN).date()
            if until is not None and day > until:
                break
            digest = hashlib.sha256(hashlib.sha256(raw).digest()).hexdigest()  # as ingest's content_hash
            if not started:  # skip what the store already holds; resume after its latest version
                assert applier.before is not None
                if day < applier.before or (day == applier.before and digest != applier.latest):
                    continue
                started = True
                if digest == applier.latest:
                    prev = _lines(member, raw)
                    continue
            lines = _lines(member, raw)
            files = [{"name": member, "bytes": len(raw), "fetched": fetched.isoformat()}]
            if prev is None:  # the first snapshot applied: a whole version
                res = applier.apply(_records(member, lines, list(lines)), files, digest, day, now, None, PARTIAL)
            else:
                changed = [i for i, line in lines.items() if prev.get(i) != line]
                gone = [i for i in prev if i not in lines]
                res = applier.apply(_records(member, lines, changed), files, digest, day, now, None, PARTIAL,
                                    gone=[f"{SOURCE}:{i}" for i in gone])
            results.append(res)
            prev = lines
    return results
