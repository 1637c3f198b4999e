"""Scheduled updates inside ``listwatch serve --update-every 6h``: a daemon thread, off the request path.

The thread runs :func:`listwatch.update.run.update` at start and then every interval; each run's
outcome is recorded per source in the store (``source_updates``), where ``/readyz`` and
``/catalog`` read it. An exception never kills the thread: it is logged and the next run comes.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

__all__ = ["Scheduler", "parse_interval"]

log = logging.getLogger("listwatch.update")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """``90s``, ``30m``, ``6h``, ``1d`` -> seconds (at least 60)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text.lower())
    if not m:
        raise ValueError(f"interval {text!r}: expected a number and a unit s, m, h or d (e.g. 6h)")
    seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 60:
        raise ValueError(f"interval {text!r}: at least 60 s between updates")
    return seconds


class Scheduler:
    """Calls ``job`` now and then every ``every`` seconds until :meth:`stop`."""

    def __init__(self, job: Callable[[], object], every: float, name: str = "update") -> None:
        self.job, self.every, self.name = job, every, name
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"listwatch-{name}", daemon=True)
        self.runs = 0
        self.ran = threading.Event()  # set after each run (for whoever waits on the first one)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Run the job now rather than at the end of the interval (e.g. deliveries were just queued)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # a wake() during the run below makes the next run start at once
            try:
                self.job()
            except Exception:  # the thread must survive anything one run does
                log.exception("scheduled %s failed", self.name)
            self.runs += 1
            self.ran.set()
            self._wake.wait(self.every)
