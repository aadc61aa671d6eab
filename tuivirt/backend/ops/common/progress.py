"""Progress of long storage work (a copy, an upload, a download): bytes done of a total, the rate
over the last seconds, the time left, and the user's wish to cancel."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

REPORT_EVERY = 0.25  # seconds between two reports: enough for a progress bar, little for the link
RATE_WINDOW = 5.0  # seconds of history the rate is taken over


class Cancelled(Exception):
    """The user cancelled; what was made has been removed (the message says what is left if not)."""


@dataclass(frozen=True)
class Progress:
    step: str  # "copying vda", "uploading debian.iso"
    done: int  # bytes
    total: int
    rate: float | None = None  # bytes per second
    left: float | None = None  # seconds

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


class Meter:
    """Made by the UI, handed to the work on its thread. ``report`` is called on that thread."""

    def __init__(
        self, report: Callable[[Progress], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._report = report
        self._clock = clock
        self.cancelled = threading.Event()
        self._step = ""
        self._total = 0
        self._samples: deque[tuple[float, int]] = deque()
        self._last_report = 0.0

    def cancel(self) -> None:
        """From any thread: the work stops at its next check."""
        self.cancelled.set()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled

    def start(self, step: str, total: int) -> None:
        self._step, self._total = step, total
        self._samples.clear()
        self._last_report = 0.0
        self.advance(0, force=True)

    def advance(self, done: int, *, force: bool = False) -> None:
        now = self._clock()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW:
            self._samples.popleft()
        if not force and done < self._total and now - self._last_report < REPORT_EVERY:
            return
        self._last_report = now
        self._report(self.progress())

    def progress(self) -> Progress:
        rate = left = None
        if len(self._samples) >= 2:
            (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
            if t1 > t0 and d1 >= d0:
                rate = (d1 - d0) / (t1 - t0)
                if rate > 0 and self._total:
                    left = max(0, self._total - d1) / rate
        done = self._samples[-1][1] if self._samples else 0
        return Progress(self._step, done, self._total, rate, left)
