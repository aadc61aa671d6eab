"""One migration under way: ``migrate3`` on a thread of its own, and beside it, once a second, the
job's statistics, the user's abort and switch to post-copy (as ``virsh migrate --verbose`` does,
on the same connection)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import libvirt

from tuivirt.backend.ops.common.progress import Cancelled
from tuivirt.backend.ops.migrate.options import MigrationOptions, flags, parameters

POLL_SECONDS = 1.0


@dataclass(frozen=True)
class MigrationProgress:
    processed: int  # bytes, memory and disks
    total: int
    remaining: int
    rate: int  # bytes per second
    dirty_rate: int  # pages per second
    iterations: int
    left_ms: int | None  # libvirt's estimate, when it has one
    postcopy: bool


def progress_of(stats: dict[str, int], postcopy: bool) -> MigrationProgress | None:
    """``jobStats`` as shown; None while no job runs (not yet started, or over)."""
    if stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE) in (
        libvirt.VIR_DOMAIN_JOB_NONE,
        libvirt.VIR_DOMAIN_JOB_COMPLETED,
    ):
        return None
    return MigrationProgress(
        processed=int(stats.get("data_processed", 0)),
        total=int(stats.get("data_total", 0)),
        remaining=int(stats.get("data_remaining", 0)),
        rate=int(stats.get("memory_bps", 0)) + int(stats.get("disk_bps", 0)),
        dirty_rate=int(stats.get("memory_dirty_rate", 0)),
        iterations=int(stats.get("memory_iteration", 0)),
        left_ms=int(stats["time_remaining"]) if "time_remaining" in stats else None,
        postcopy=postcopy,
    )


class MigrationControl:
    """Made by the UI, handed to the job: the wishes (any thread) and the reports (job's thread)."""

    def __init__(self, report: Callable[[MigrationProgress], None]) -> None:
        self.report = report
        self.abort = threading.Event()
        self.postcopy = threading.Event()


def migrate_guest(
    source: libvirt.virConnect,
    target: libvirt.virConnect,
    uuid: str,
    options: MigrationOptions,
    control: MigrationControl,
    target_name: str,
) -> str:
    """Move the guest; its report. Aborted: ``Cancelled`` (the guest runs on as it was)."""
    dom = source.lookupByUUIDString(uuid)
    running = bool(dom.isActive())
    moved: list[libvirt.virDomain] = []
    failure: list[Exception] = []

    def run() -> None:
        try:
            moved.append(dom.migrate3(target, parameters(options, running), flags(options, running)))
        except Exception as exc:  # any failure (an OverflowError too) is the report, never "done"
            failure.append(exc)

    mover = threading.Thread(target=run, name=f"migrate {dom.name()}", daemon=True)
    mover.start()
    aborted = postcopied = downtime_set = False
    progress: MigrationProgress | None = None
    # Each call may fail because the job has just ended (or not yet begun): tried again at the next
    # poll, or moot once the mover is done. Any exception is suppressed here, not only libvirt's: one
    # escaping this loop would let the caller close the connections while the mover is inside
    # migrate3, which ends the process (a segmentation fault in libvirt).
    probe = contextlib.suppress(Exception)
    try:
        while mover.is_alive():
            mover.join(POLL_SECONDS)
            if not mover.is_alive() or not running:
                continue
            with probe:
                if control.abort.is_set() and not aborted:
                    dom.abortJob()
                    aborted = True
            with probe:
                if control.postcopy.is_set() and not postcopied and not aborted:
                    dom.migrateStartPostCopy(0)
                    postcopied = True
            with probe:
                progress = progress_of(dom.jobStats(0), postcopied)
                if progress is not None:
                    control.report(progress)
            with probe:
                if options.max_downtime_ms and not downtime_set and progress is not None:
                    dom.migrateSetMaxDowntime(options.max_downtime_ms, 0)  # QEMU takes it per job
                    downtime_set = True
    finally:
        mover.join()  # (the connections close after this returns: never under migrate3)
    if failure:
        if aborted:
            raise Cancelled("aborted; the guest is on its host as it was")
        raise failure[0]
    if not moved:  # (cannot happen: migrate3 returns a domain or raises) never report a move unseen
        raise RuntimeError(f"libvirt did not confirm that {dom.name()} moved to {target_name}")
    kept = " (its disks copied; the source's files stay)" if options.copy_storage and running else ""
    where = "running" if running else "defined"
    return f"{dom.name()} is {where} on {target_name} now{kept}"
