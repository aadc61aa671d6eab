"""CPU and memory per guest, one point per tick of its host, for the details sparklines.

A tick where no guest of a host moved (the poller sends the very same guest snapshots) records
nothing per guest: the points it stands for are each guest's last ones, filled in when recorded
again or read. A big idle fleet then costs one counter per host per tick here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

SIZE = 60  # ticks kept per guest


@dataclass
class _Series:
    tick: int  # the host tick of the last point
    cpu: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE))
    memory: deque[float] = field(default_factory=lambda: deque(maxlen=SIZE))

    def fill_to(self, tick: int) -> None:
        """Repeat the last point for the ticks since it (nothing changed in them)."""
        for _ in range(min(tick - self.tick, SIZE)):
            self.cpu.append(self.cpu[-1])
            self.memory.append(self.memory[-1])
        self.tick = max(self.tick, tick)


class History:
    def __init__(self) -> None:
        self._ticks: dict[str, int] = {}  # by host URI
        self._series: dict[str, _Series] = {}  # by row key

    def tick(self, uri: str) -> None:
        """A new snapshot of the host: one more point for each of its guests."""
        self._ticks[uri] = self._ticks.get(uri, 0) + 1

    def record_all(self, uri: str, points: Iterable[tuple[str, float, float]]) -> None:
        """A host's tick and its guests' (row key, CPU, memory) points: none when no guest moved."""
        self.tick(uri)
        for key, cpu, memory in points:
            self.record(uri, key, cpu, memory)

    def record(self, uri: str, key: str, cpu: float, memory: float) -> None:
        tick = self._ticks.get(uri, 0)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series(tick)
        else:
            series.fill_to(tick - 1)
        series.cpu.append(cpu)
        series.memory.append(memory)
        series.tick = tick

    def series(self, uri: str, key: str) -> tuple[list[float], list[float]]:
        """The guest's points up to its host's last tick, oldest first."""
        series = self._series.get(key)
        if series is None:
            return [], []
        series.fill_to(self._ticks.get(uri, 0))
        return list(series.cpu), list(series.memory)
