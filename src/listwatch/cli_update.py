"""The CLI side of ``listwatch update`` (imported only by that command: httpx and progress bars).

Progress bars (downloads, with bytes) and spinners (ingests) appear only on a terminal; the
summary table, or ``--json``, always.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from listwatch.cli import add_row, store, table
from listwatch.update import Fetcher, check_sources, parse_from, update

__all__ = ["run_update"]

err = Console(stderr=True, emoji=False)  # text as written (see cli.app)


@contextmanager
def _download_bars(show: bool) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    cols = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn())
    with Progress(*cols, console=err, transient=True) as bars:
        yield bars


def run_update(only: list[str], from_: list[str], timeout: float, retries: int, allow_shrink: bool, as_json: bool,
               out: Console) -> dict[str, Any]:
    """Run the update with progress on a terminal; print the summary table unless ``as_json``."""
    bases = parse_from(from_)
    check_sources(only)  # bad arguments are refused before the store is opened (or created and seeded)
    st = store()
    tasks: dict[str, TaskID] = {}
    with _download_bars(err.is_terminal and not as_json) as bars:
        def progress(name: str, done: int, total: int | None) -> None:
            if bars is None:
                return
            if name not in tasks:  # a file's download (bytes), or "ingest SOURCE" (a pulse until done)
                tasks[name] = bars.add_task(name if name.startswith("ingest ") else f"download {name}", total=total)
            bars.update(tasks[name], completed=done, total=total)

        outcomes = update(st, only, bases, Fetcher(timeout=timeout, retries=retries), progress=progress,
                          allow_shrink=allow_shrink)
    if not as_json:
        t = table("source", "outcome", "version", "added", "removed", "amended", "took", title="listwatch update")
        for o in outcomes:
            add_row(t, o.source, o.outcome.upper() if o.outcome == "failed" else o.outcome, o.version or "-",
                    f"{o.added:,}", f"{o.removed:,}", f"{o.amended:,}", f"{o.took:.1f} s")
        out.print(t)
        for o in outcomes:
            for note in o.notes:
                out.print(f"{o.source}: {note}")
            if o.error:
                print(f"error: {o.source}: {o.error}", file=sys.stderr)
    return {"results": [o.as_json() for o in outcomes]}
