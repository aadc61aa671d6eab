"""The process's one libvirt event loop: the native default implementation on a daemon thread.

It must be registered once, before any connection that wants events or keepalive. (libvirtaio
binds to one asyncio loop and breaks when that loop closes, as every ``App.run_test()`` does.)
"""

from __future__ import annotations

import threading

import libvirt

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
