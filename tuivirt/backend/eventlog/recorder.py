"""What a host's libvirt tells, as events of the log: lifecycle with its detail, reboot, I/O error,
watchdog, block job, agent, device removed, job completed, and the host going down and up.

libvirt's callbacks run on its event loop thread: they only queue (names are known locally, no RPC);
the session hands the queue over from its own thread (``flush``).
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from functools import partial

import libvirt

from tuivirt.backend.eventlog.store import Event
from tuivirt.backend.eventlog.words import lifecycle_text

Sink = Callable[[list[Event]], None]

IO_ERROR_ACTIONS = ["no action", "guest paused", "reported to the guest"]  # VIR_DOMAIN_EVENT_IO_ERROR_*
WATCHDOG_ACTIONS = ["none", "paused", "reset", "powered off", "shut down", "debug dump", "injected NMI"]
BLOCK_JOB_STATUS = ["completed", "failed", "cancelled", "ready"]
BLOCK_JOB_TYPES = ["unknown", "pull", "copy", "commit", "active commit", "backup"]


class EventRecorder:
    def __init__(self, host: str, uri: str, sink: Sink) -> None:
        self._host, self._uri, self._sink = host, uri, sink
        self._queue: queue.SimpleQueue[Event] = queue.SimpleQueue()

    def _put(self, kind: str, text: str, dom: libvirt.virDomain | None = None) -> None:
        guest, uuid = (dom.name(), dom.UUIDString()) if dom is not None else ("", "")
        self._queue.put(Event(time.time(), self._host, kind, text, guest, uuid, uri=self._uri))

    def host(self, text: str) -> None:
        """The host itself: "up", "down: why"."""
        self._put("host", text)

    def flush(self) -> None:
        batch = []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if batch:
            self._sink(batch)

    def register(
        self, conn: libvirt.virConnect, optional: Callable[[Callable[[], int]], list[int]]
    ) -> list[int]:
        """Register the callbacks this driver has (``optional`` drops those it has not). Not
        lifecycle, agent and device-removed: libvirt takes one callback per event on a connection,
        and the session has those (it hands them over: ``lifecycle``, ``agent``, ``device_removed``)."""
        handlers = {
            libvirt.VIR_DOMAIN_EVENT_ID_REBOOT: self._reboot,
            libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: self._io_error,
            libvirt.VIR_DOMAIN_EVENT_ID_WATCHDOG: self._watchdog,
            libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: self._block_job,
            libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: self._job_completed,
        }
        return [
            callback
            for event_id, handler in handlers.items()
            for callback in optional(partial(conn.domainEventRegisterAny, None, event_id, handler, None))
        ]

    def lifecycle(self, dom: libvirt.virDomain, event: int, detail: int) -> None:
        self._put("lifecycle", lifecycle_text(event, detail), dom)

    def _reboot(self, _c: object, dom: libvirt.virDomain, _o: object) -> None:
        self._put("reboot", "rebooted", dom)

    def _io_error(
        self, _c: object, dom: libvirt.virDomain, path: str, device: str, action: int, reason: str, _o: object
    ) -> None:
        done = IO_ERROR_ACTIONS[action] if 0 <= action < len(IO_ERROR_ACTIONS) else str(action)
        self._put("io-error", f"I/O error on {device or path}: {reason or 'unknown'} ({done})", dom)

    def _watchdog(self, _c: object, dom: libvirt.virDomain, action: int, _o: object) -> None:
        said = WATCHDOG_ACTIONS[action] if 0 <= action < len(WATCHDOG_ACTIONS) else str(action)
        self._put("watchdog", f"watchdog fired: {said}", dom)

    def _block_job(
        self, _c: object, dom: libvirt.virDomain, disk: str, kind: int, status: int, _o: object
    ) -> None:
        job = BLOCK_JOB_TYPES[kind] if 0 <= kind < len(BLOCK_JOB_TYPES) else str(kind)
        said = BLOCK_JOB_STATUS[status] if 0 <= status < len(BLOCK_JOB_STATUS) else str(status)
        self._put("block-job", f"block {job} on {disk}: {said}", dom)

    def device_removed(self, dom: libvirt.virDomain, alias: str) -> None:
        self._put("device", f"device {alias} removed", dom)

    def _job_completed(
        self, _c: object, dom: libvirt.virDomain, params: dict[str, object], _o: object
    ) -> None:
        kind = {
            libvirt.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT: "migration out",
            libvirt.VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN: "migration in",
        }.get(int(params.get("operation", 0) or 0), "job")  # type: ignore[call-overload]
        self._put("job", f"{kind} completed", dom)

    def agent(self, dom: libvirt.virDomain, connected: bool) -> None:
        self._put("agent", "agent connected" if connected else "agent gone", dom)
