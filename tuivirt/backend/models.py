"""Immutable snapshots the backend hands to the UI: plain data, no live libvirt objects."""

from __future__ import annotations

from dataclasses import dataclass
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

    @classmethod
    def of(cls, code: int) -> DomainState:
        try:
            return cls(code)
        except ValueError:
            return cls.NOSTATE


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


@dataclass(frozen=True)
class HostConfig:
    """A host as the user names it: a display name and a libvirt URI."""

    name: str
    uri: str


@dataclass(frozen=True)
class DomainSnapshot:
    """One guest as seen at one poll. Keyed by ``uuid`` (names can be reused)."""

    uuid: str
    host: str
    name: str
    state: DomainState
    vcpus: int
    memory_kib: int


@dataclass(frozen=True)
class HostSnapshot:
    """One host as seen at one poll, with its guests keyed by UUID."""

    config: HostConfig
    status: HostStatus
    reason: str = ""
    domains: tuple[DomainSnapshot, ...] = ()

    @property
    def running(self) -> int:
        return sum(1 for d in self.domains if d.state in _ACTIVE)


_ACTIVE = frozenset({DomainState.RUNNING, DomainState.BLOCKED, DomainState.PAUSED, DomainState.SHUTDOWN})
