"""Who the fleet shows its hosts to: the UI's main screen, or, until it comes, a stand-in."""

from __future__ import annotations

import threading
from typing import Protocol

from tuivirt.backend.live.models import HostSnapshot
from tuivirt.backend.live.session import HostSession


class FleetListener(Protocol):
    def host_updated(self, snapshot: HostSnapshot, source: HostSession | None) -> None:
        """A new snapshot of a host, from ``source`` (None: not connected). Any thread."""

    def host_removed(self, uri: str) -> None:
        """A host left the fleet (on the UI loop)."""


class HeldListener:
    """Stands in for the listener until it comes (the hosts connect while the UI starts): keeps
    each host's latest snapshot, then hands them over, and everything after, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[HostSnapshot, HostSession | None]] = {}
        self._target: FleetListener | None = None

    def host_updated(self, snapshot: HostSnapshot, source: HostSession | None) -> None:
        with self._lock:  # (the target only posts a message: cheap under the lock, and in order)
            if self._target is None:
                self._held[snapshot.config.uri] = (snapshot, source)
            else:
                self._target.host_updated(snapshot, source)

    def host_removed(self, uri: str) -> None:
        with self._lock:
            self._held.pop(uri, None)
            target = self._target
        if target is not None:
            target.host_removed(uri)

    def hand_over(self, target: FleetListener) -> None:
        with self._lock:
            self._target = target
            for snapshot, source in self._held.values():
                target.host_updated(snapshot, source)
            self._held.clear()
