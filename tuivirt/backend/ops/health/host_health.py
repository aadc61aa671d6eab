"""Host health: storage read in a few cheap calls, and the sums and thresholds of the overview.

Everything but ``read_storage`` is pure: it works on the snapshots the poller already makes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

import libvirt

from tuivirt.backend.live.models import DomainState, HostSnapshot


class Level(IntEnum):
    OK = 0
    WARN = 1
    CRITICAL = 2


@dataclass(frozen=True)
class Limits:
    """A value *above* ``warn`` is a warning, above ``critical`` critical."""

    warn: float
    critical: float

    def level(self, value: float | None) -> Level:
        if value is None:
            return Level.OK  # unknown is not alarming: the screen shows "-"
        if value > self.critical:
            return Level.CRITICAL
        return Level.WARN if value > self.warn else Level.OK


# Host CPU %: above 75 % sustained leaves little room for bursts; above 90 % guests queue for CPU
# (steal time) and the host's own work (qemu I/O threads, libvirtd) competes with them.
CPU_LIMITS = Limits(75.0, 90.0)
# Host memory used %: the host needs page cache and qemu's per-guest overhead; above 90 % it is
# close to swapping or the OOM killer picking a guest.
MEMORY_LIMITS = Limits(80.0, 90.0)
# vCPUs of active guests per host CPU: up to 2:1 is usual for mixed loads; beyond 4:1 busy guests
# wait for a CPU most of the time.
VCPU_LIMITS = Limits(2.0, 4.0)
# Memory of active guests as % of host memory: above 90 % the host has little left for itself;
# above 100 % the guests only fit while they leave memory unused (balloon, KSM, swap).
GUEST_MEMORY_LIMITS = Limits(90.0, 100.0)
# Storage pool used %: thin images (qcow2) keep growing; a full pool pauses guests on I/O errors.
POOL_LIMITS = Limits(80.0, 90.0)

# Domains by state, in the order the overview lists them: busy first, nothing-known last.
STATE_ORDER = (
    DomainState.RUNNING,
    DomainState.BLOCKED,
    DomainState.PAUSED,
    DomainState.PMSUSPENDED,
    DomainState.SHUTDOWN,
    DomainState.SHUTOFF,
    DomainState.CRASHED,
    DomainState.NOSTATE,
)

_ACTIVE_POOL_STATES = (libvirt.VIR_STORAGE_POOL_RUNNING, libvirt.VIR_STORAGE_POOL_DEGRADED)


@dataclass(frozen=True)
class PoolHealth:
    name: str
    active: bool
    capacity_bytes: int
    allocation_bytes: int
    available_bytes: int

    @property
    def used_pct(self) -> float | None:
        if not self.active or not self.capacity_bytes:
            return None
        return 100.0 * self.allocation_bytes / self.capacity_bytes


@dataclass(frozen=True)
class HostStorage:
    pools: tuple[PoolHealth, ...]
    networks: tuple[str, ...]  # active networks, by name


def pool_health(pool: libvirt.virStoragePool) -> PoolHealth | None:
    """One RPC (``info``); None when the pool was undefined since it was listed."""
    try:
        state, capacity, allocation, available = pool.info()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL:
            return None
        raise
    return PoolHealth(pool.name(), state in _ACTIVE_POOL_STATES, capacity, allocation, available)


def read_storage(conn: libvirt.virConnect) -> HostStorage:
    """Pools and active networks: one list call each plus one ``info`` per pool.

    Pools are not refreshed (that scans every volume): the figures are libvirt's since its last
    refresh, which it does at start and after each volume change it makes.
    """
    pools = (pool_health(pool) for pool in conn.listAllStoragePools(0))
    networks = conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)
    return HostStorage(
        pools=tuple(sorted((p for p in pools if p is not None), key=lambda p: p.name)),
        networks=tuple(sorted(net.name() for net in networks)),
    )


def _total(values: list[int | None]) -> int | None:
    """The sum, or None while a value is not read yet (a sum of some would understate it)."""
    return None if None in values else sum(v or 0 for v in values)


def allocated_vcpus(snapshot: HostSnapshot) -> int | None:
    """vCPUs of the active guests (paused ones keep theirs); None until each one is read."""
    return _total([d.vcpus for d in snapshot.domains if d.state.is_active])


def vcpu_ratio(snapshot: HostSnapshot) -> float | None:
    """vCPUs of active guests per host CPU; None while they or the host's CPUs are unknown."""
    cpus, vcpus = snapshot.facts.cpus, allocated_vcpus(snapshot)
    return vcpus / cpus if cpus and vcpus is not None else None


def guest_memory_kib(snapshot: HostSnapshot) -> int | None:
    """Memory given to active guests (paused and suspended guests hold theirs); None until read."""
    return _total([d.memory_kib for d in snapshot.domains if d.state.is_active])


def guest_memory_pct(snapshot: HostSnapshot) -> float | None:
    """Memory of active guests as % of host memory; may pass 100 (overcommit)."""
    total, given = snapshot.facts.memory_kib, guest_memory_kib(snapshot)
    return 100.0 * given / total if total and given is not None else None


def memory_used_pct(snapshot: HostSnapshot) -> float | None:
    used, total = snapshot.memory_used_kib, snapshot.facts.memory_kib
    return None if used is None or not total else 100.0 * used / total


def domains_by_state(snapshot: HostSnapshot) -> dict[str, int]:
    """Guest counts by state label, in ``STATE_ORDER``, leaving out states no guest is in."""
    counts = Counter(d.state for d in snapshot.domains)
    return {state.label: counts[state] for state in STATE_ORDER if counts[state]}


def cpu_level(pct: float | None) -> Level:
    return CPU_LIMITS.level(pct)


def memory_level(pct: float | None) -> Level:
    return MEMORY_LIMITS.level(pct)


def vcpu_level(ratio: float | None) -> Level:
    return VCPU_LIMITS.level(ratio)


def guest_memory_level(pct: float | None) -> Level:
    return GUEST_MEMORY_LIMITS.level(pct)


def pool_level(pct: float | None) -> Level:
    return POOL_LIMITS.level(pct)
