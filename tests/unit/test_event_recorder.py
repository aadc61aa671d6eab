"""The recorder's handlers, registered on the test driver's connection and called with its real
domain objects and libvirt's own constants, as libvirt's event loop calls them; each event named
and worded as the log shows it. (The test driver emits only lifecycle events itself; the real
daemon's device-removed, job-completed and host-down are checked in tests/integration.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libvirt
import pytest

from tuivirt.backend.eventlog.recorder import EventRecorder
from tuivirt.backend.eventlog.store import Event
from tuivirt.backend.live.events import ensure_event_loop
from tuivirt.cli import demo_uri


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    ensure_event_loop()  # as the app does before it registers callbacks
    conn = libvirt.open(demo_uri())
    yield conn
    conn.close()


def recorded(
    conn: libvirt.virConnect, call: Callable[[EventRecorder, libvirt.virDomain], None]
) -> list[Event]:
    got: list[Event] = []
    recorder = EventRecorder("rack-1", "test:///x", got.extend)
    call(recorder, conn.lookupByName("web-02"))
    recorder.flush()
    return got


def texts(events: list[Event]) -> list[tuple[str, str, str]]:
    return [(e.kind, e.guest, e.text) for e in events]


def test_every_handler_is_registered_on_a_driver_that_has_its_event(conn: libvirt.virConnect) -> None:
    recorder = EventRecorder("rack-1", "test:///x", lambda _batch: None)
    ids = recorder.register(conn, lambda register: [register()])
    assert len(ids) == 5 and len(set(ids)) == 5  # (device-removed: the session has it and hands it over)
    for callback in ids:
        conn.domainEventDeregisterAny(callback)

    def refused(_register: Callable[[], int]) -> list[int]:  # a driver without these events
        return []

    assert recorder.register(conn, refused) == []


def test_reboot_io_error_watchdog_and_block_job(conn: libvirt.virConnect) -> None:
    def fire(recorder: EventRecorder, dom: libvirt.virDomain) -> None:
        recorder._reboot(conn, dom, None)
        recorder._io_error(
            conn, dom, "/var/lib/a.qcow2", "vda", libvirt.VIR_DOMAIN_EVENT_IO_ERROR_PAUSE, "enospc", None
        )
        recorder._io_error(conn, dom, "/var/lib/a.qcow2", "", 9, "", None)  # unknown action, no device
        recorder._watchdog(conn, dom, libvirt.VIR_DOMAIN_EVENT_WATCHDOG_RESET, None)
        recorder._watchdog(conn, dom, 42, None)
        recorder._block_job(
            conn,
            dom,
            "vda",
            libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT,
            libvirt.VIR_DOMAIN_BLOCK_JOB_FAILED,
            None,
        )
        recorder._block_job(
            conn, dom, "vdb", libvirt.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, libvirt.VIR_DOMAIN_BLOCK_JOB_READY, None
        )

    assert texts(recorded(conn, fire)) == [
        ("reboot", "web-02", "rebooted"),
        ("io-error", "web-02", "I/O error on vda: enospc (guest paused)"),
        ("io-error", "web-02", "I/O error on /var/lib/a.qcow2: unknown (9)"),
        ("watchdog", "web-02", "watchdog fired: reset"),
        ("watchdog", "web-02", "watchdog fired: 42"),
        ("block-job", "web-02", "block commit on vda: failed"),
        ("block-job", "web-02", "block copy on vdb: ready"),
    ]


def test_device_removed_job_completed_agent_and_host(conn: libvirt.virConnect) -> None:
    def fire(recorder: EventRecorder, dom: libvirt.virDomain) -> None:
        recorder.device_removed(dom, "net1")
        out = {"operation": libvirt.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, "time_elapsed": 900}
        recorder._job_completed(conn, dom, out, None)
        recorder._job_completed(conn, dom, {"operation": libvirt.VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN}, None)
        recorder._job_completed(conn, dom, {"operation": libvirt.VIR_DOMAIN_JOB_OPERATION_BACKUP}, None)
        recorder._job_completed(conn, dom, {}, None)
        recorder.agent(dom, True)
        recorder.agent(dom, False)
        recorder.host("down: no route")

    events = recorded(conn, fire)
    assert texts(events) == [
        ("device", "web-02", "device net1 removed"),
        ("job", "web-02", "migration out completed"),
        ("job", "web-02", "migration in completed"),
        ("job", "web-02", "job completed"),
        ("job", "web-02", "job completed"),
        ("agent", "web-02", "agent connected"),
        ("agent", "web-02", "agent gone"),
        ("host", "", "down: no route"),
    ]
    assert {e.host for e in events} == {"rack-1"} and {e.uri for e in events} == {"test:///x"}
    assert events[0].uuid == "6d3c5a5e-0000-4000-8000-000000000002" and events[-1].uuid == ""


def test_a_flush_with_nothing_queued_writes_nothing() -> None:
    batches: list[list[Event]] = []
    recorder = EventRecorder("rack-1", "test:///x", batches.append)
    recorder.flush()
    assert batches == []
