"""Immutable snapshots the backend hands to the UI: plain data, no live libvirt objects."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class DomainState(IntEnum):
    """virDomainState, with the words virsh uses."""

    NOSTATE = 0
    RUNNING = 1
    BLOCKED = 2
    PAUSED = 3
    SHUTDOWN = 4
    SHUTOFF = 5
    CRASHED = 6
    PMSUSPENDED = 7

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATES

    @classmethod
    def of(cls, code: int) -> DomainState:
        try:
            return cls(code)
        except ValueError:
            return cls.NOSTATE


INACTIVE_STATES = frozenset({DomainState.SHUTOFF, DomainState.CRASHED, DomainState.NOSTATE})
# Suspended to RAM by the guest (PMSUSPENDED) counts as active, as virDomainIsActive says.
ACTIVE_STATES = frozenset(DomainState) - INACTIVE_STATES

_STATE_LABELS = {
    DomainState.NOSTATE: "no state",
    DomainState.RUNNING: "running",
    DomainState.BLOCKED: "idle",
    DomainState.PAUSED: "paused",
    DomainState.SHUTDOWN: "in shutdown",
    DomainState.SHUTOFF: "shut off",
    DomainState.CRASHED: "crashed",
    DomainState.PMSUSPENDED: "pmsuspended",
}


class HostStatus(StrEnum):
    CONNECTING = "connecting"
    UP = "up"
    DOWN = "down"
    OFFLINE = "offline"  # not connected, by the user's choice


@dataclass(frozen=True)
class HostConfig:
    """A host as the user names it: a display name, a libvirt URI, and whether to connect at start."""

    name: str
    uri: str
    autoconnect: bool = True


@dataclass(frozen=True)
class DomainSnapshot:
    """One guest as seen at one poll, keyed by ``uuid`` (names can be reused).

    Rates are ``None`` until two samples exist, or where the driver does not report them.
    """

    uuid: str
    host: str
    name: str
    state: DomainState
    vcpus: int | None  # None: not read yet (the test driver's bulk stats lack them)
    memory_kib: int | None
    cpu_pct: float | None = None  # the guest's own view: 100 = all its vCPUs busy
    cpu_host_pct: float | None = None  # its share of the host's CPUs
    memory_used_kib: int | None = None
    disk_read_bps: float | None = None
    disk_write_bps: float | None = None
    net_rx_bps: float | None = None
    net_tx_bps: float | None = None
    autostart: bool | None = None
    persistent: bool | None = None
    managed_save: bool | None = None  # a managed save image waits: start restores it
    snapshots: int | None = None  # how many (read for guests on screen, and after changes)
    next_boot: tuple[str, ...] | None = None  # what the next boot changes (read with snapshots)
    os_name: str | None = None  # from the guest agent (kept while the guest is shut off)
    ip: str | None = None  # the first IPv4 address, from ip_source
    ip_source: str = ""  # agent, DHCP lease, ARP
    agent: str = ""  # connected, disconnected, "no agent channel", or "" (not known)
    tags: tuple[str, ...] = ()  # from its definition's metadata (backend/ops/tags.py)

    @property
    def memory_pct(self) -> float | None:
        if self.memory_used_kib is None or not self.memory_kib:
            return None
        return min(100.0, 100.0 * self.memory_used_kib / self.memory_kib)


@dataclass(frozen=True)
class HostFacts:
    """What a host says about itself once per connection."""

    hostname: str = ""
    cpu_model: str = ""
    cpus: int = 0
    memory_kib: int = 0
    libvirt_version: str = ""
    hypervisor: str = ""  # driver and its version, e.g. "QEMU 7.2.0"


@dataclass(frozen=True)
class HostSnapshot:
    """One host as seen at one poll, with its guests."""

    config: HostConfig
    status: HostStatus
    reason: str = ""
    domains: tuple[DomainSnapshot, ...] = ()
    facts: HostFacts = field(default_factory=HostFacts)
    cpu_pct: float | None = None
    memory_free_kib: int | None = None
    retry_at: float | None = None  # time.time() of the next connection attempt, while down
    poll: int = 0  # which poll of its host it shows (what reads and events add since keeps it)

    def same_guests(self, other: HostSnapshot) -> bool:
        """Every guest the very object it was in ``other`` (the poller resends unmoved guests)."""
        mine, theirs = self.domains, other.domains
        return len(mine) == len(theirs) and all(map(operator.is_, mine, theirs))

    @property
    def running(self) -> int:
        return sum(1 for d in self.domains if d.state.is_active)

    @property
    def memory_used_kib(self) -> int | None:
        if self.memory_free_kib is None or not self.facts.memory_kib:
            return None
        return self.facts.memory_kib - self.memory_free_kib


def format_version(number: int) -> str:
    """libvirt's packed version (major * 1,000,000 + minor * 1,000 + micro) as text."""
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"
