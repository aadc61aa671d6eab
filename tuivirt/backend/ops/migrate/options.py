"""How a guest is migrated: the form's choices, as libvirt's flags and typed parameters."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import libvirt

MAX_DOWNTIME_MS = 2_000_000  # QEMU refuses more than 2,000 s
MAX_BANDWIDTH_MIB = 1_048_576  # 1 TiB/s; libvirt's parameter is an unsigned long long of MiB/s


@dataclass(frozen=True)
class MigrationOptions:
    live: bool = True  # a running guest keeps running while its memory is copied
    persistent: bool = True  # defined on the target, not only running there
    undefine_source: bool = True
    copy_storage: bool = False  # disks that are not shared, copied to volumes made on the target
    auto_converge: bool = False  # slow the guest's vCPUs down when its memory changes too fast
    allow_postcopy: bool = False  # allows the switch to post-copy while it runs
    max_downtime_ms: int = 0  # 0: libvirt's default (300 ms)
    bandwidth_mib: int = 0  # MiB/s, 0: no limit
    address: str = ""  # where the target takes the migration stream; "": libvirt asks the target

    def __post_init__(self) -> None:
        # A number past these once overflowed inside migrate3 (a C unsigned long): refused here.
        if not 0 <= self.max_downtime_ms <= MAX_DOWNTIME_MS:
            raise ValueError(f"max downtime {self.max_downtime_ms} ms: 0 to {MAX_DOWNTIME_MS}")
        if not 0 <= self.bandwidth_mib <= MAX_BANDWIDTH_MIB:
            raise ValueError(f"bandwidth {self.bandwidth_mib} MiB/s: 0 to {MAX_BANDWIDTH_MIB}")


def flags(options: MigrationOptions, running: bool) -> int:
    chosen = {
        libvirt.VIR_MIGRATE_LIVE: running and options.live,
        libvirt.VIR_MIGRATE_OFFLINE: not running,
        libvirt.VIR_MIGRATE_PERSIST_DEST: options.persistent or not running,
        libvirt.VIR_MIGRATE_UNDEFINE_SOURCE: options.undefine_source,
        libvirt.VIR_MIGRATE_NON_SHARED_DISK: running and options.copy_storage,
        libvirt.VIR_MIGRATE_AUTO_CONVERGE: running and options.auto_converge,
        libvirt.VIR_MIGRATE_POSTCOPY: running and options.allow_postcopy,
    }
    return sum(flag for flag, wanted in chosen.items() if wanted)


def parameters(options: MigrationOptions, running: bool) -> dict[str, object]:
    params: dict[str, object] = {}
    if running and options.address:
        params[libvirt.VIR_MIGRATE_PARAM_URI] = f"tcp://{options.address}"
    if running and options.bandwidth_mib:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = options.bandwidth_mib
    return params


def migration_address(source_uri: str, target_uri: str) -> str:
    """Where the target is reached from the source: the target URI's host name; for a local target,
    this machine's address on the way to the source (its own name may resolve to 127.0.1.1)."""
    target = urlsplit(target_uri).hostname or ""
    if target:
        return target
    source = urlsplit(source_uri).hostname or ""
    if not source:
        return ""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((source, 9))  # no packet is sent: this only picks the route
            return str(probe.getsockname()[0])
    except OSError:
        return ""
