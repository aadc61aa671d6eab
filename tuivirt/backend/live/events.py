"""The process's one libvirt event loop (the native default implementation on a daemon thread),
and what a host session makes of events and of a lost connection.

It must be registered once, before any connection that wants events or keepalive. (libvirtaio
binds to one asyncio loop and breaks when that loop closes, as every ``App.run_test()`` does.)
"""

from __future__ import annotations

import threading

import libvirt

from tuivirt.backend.live.models import DomainState

KEEPALIVE_INTERVAL = 5  # seconds; a frozen daemon is noticed after about interval * (count + 1)
KEEPALIVE_COUNT = 3
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
CHANGE_EVENTS = (
    libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
    libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
    libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE,
    libvirt.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
)
READS_SHARE = 0.4  # of the refresh interval, at most, for per-guest reads after a tick

# Lifecycle event -> the state it leaves the guest in (None: read it on the next tick).
EVENT_STATES: dict[int, DomainState | None] = {
    libvirt.VIR_DOMAIN_EVENT_DEFINED: None,
    libvirt.VIR_DOMAIN_EVENT_UNDEFINED: None,
    libvirt.VIR_DOMAIN_EVENT_STARTED: DomainState.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: DomainState.PAUSED,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: DomainState.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: DomainState.SHUTOFF,
    libvirt.VIR_DOMAIN_EVENT_SHUTDOWN: DomainState.SHUTDOWN,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: DomainState.PMSUSPENDED,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: DomainState.CRASHED,
}

AGENT_CONNECTED, AGENT_GONE = -11, -12  # queued beside lifecycle events (refresh requests are -1)

CLOSE_REASONS = {
    libvirt.VIR_CONNECT_CLOSE_REASON_ERROR: "connection error",
    libvirt.VIR_CONNECT_CLOSE_REASON_EOF: "the daemon closed the connection",
    libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: "no keepalive answer (host or daemon frozen?)",
    libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT: "closed by the client",
}


def backoff_delays() -> list[float]:
    """1, 2, 4 … 30 s: the waits between reconnection attempts."""
    delays, delay = [], BACKOFF_FIRST
    while delay < BACKOFF_MAX:
        delays.append(delay)
        delay *= 2
    return [*delays, BACKOFF_MAX]


_lock = threading.Lock()
_thread: threading.Thread | None = None


def _run_forever() -> None:
    while True:
        libvirt.virEventRunDefaultImpl()


def ensure_event_loop() -> None:
    """Register and start the event loop the first time; later calls do nothing."""
    global _thread
    with _lock:
        if _thread is not None:
            return
        libvirt.virEventRegisterDefaultImpl()
        _thread = threading.Thread(target=_run_forever, name="libvirt-events", daemon=True)
        _thread.start()
