"""The guests table's OS and IP columns: per-guest calls, so read at most every GUEST_FACTS_SECONDS
for running guests, and for one guest after an event about it (lifecycle, agent connected or gone).

Per running guest and read: guestInfo (OS) and one interfaceAddresses (the agent's, else the DHCP
lease's, then ARP's only when the lease knows nothing), plus agentSetResponseTimeout once per start.
An agent that did not answer is left alone until its next lifecycle event or AGENT_QUIET_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libvirt

from tuivirt.backend.live.guest_agent import (
    NO_CHANNEL,
    NOT_SUPPORTED,
    describe_agent_error,
    first_ipv4,
    limit_agent_wait,
    read_addresses,
)

GUEST_FACTS_SECONDS = 30.0
AGENT_QUIET_SECONDS = 300.0


@dataclass(frozen=True)
class GuestLine:
    os_name: str | None = None
    ip: str | None = None
    ip_source: str = ""
    agent: str = ""


@dataclass
class GuestFactsReader:
    """Keeps each guest's line between reads; the poller asks it once per tick."""

    lines: dict[str, GuestLine] = field(default_factory=dict)
    _due: float | None = None  # None: the first tick (kept quick) reads nothing, the next one all
    _stale: set[str] = field(default_factory=set)
    _limited: set[str] = field(default_factory=set)  # guests whose agent wait is capped since their start
    _quiet_until: dict[str, float] = field(default_factory=dict)  # agents that did not answer

    def invalidate(self, uuid: str, *, started: bool = False) -> None:
        self._stale.add(uuid)
        self._quiet_until.pop(uuid, None)
        if started:  # a new run of the guest: its agent (and the channel) may have changed
            self._limited.discard(uuid)
            line = self.lines.get(uuid)
            if line is not None and line.agent in (NO_CHANNEL, NOT_SUPPORTED):
                self.lines[uuid] = GuestLine(line.os_name, line.ip, line.ip_source, "")

    def agent_event(self, uuid: str, connected: bool) -> None:
        """libvirt's agent lifecycle event: the state now, and read the guest again."""
        line = self.lines.get(uuid, GuestLine())
        self.lines[uuid] = GuestLine(
            line.os_name, line.ip, line.ip_source, "connected" if connected else "disconnected"
        )
        self.invalidate(uuid)

    def due(self, now: float) -> bool:
        if self._due is None:
            self._due = now
            return False
        if now < self._due:
            return False
        self._due = now + GUEST_FACTS_SECONDS
        return True

    def wanted(self, uuid: str, all_due: bool) -> bool:
        return all_due or uuid in self._stale

    def read(self, dom: libvirt.virDomain, uuid: str, running: bool, now: float) -> GuestLine:
        self._stale.discard(uuid)
        old = self.lines.get(uuid, GuestLine())
        # (shut off: the OS stays known; addresses and the agent do not)
        line = self._read_running(dom, uuid, old, now) if running else GuestLine(old.os_name)
        self.lines[uuid] = line
        return line

    def _read_running(self, dom: libvirt.virDomain, uuid: str, old: GuestLine, now: float) -> GuestLine:
        os_name, agent = old.os_name, old.agent
        # A guest without the channel (or a driver without agents) is not asked again until its
        # next start or event.
        if self._quiet_until.get(uuid, 0.0) <= now and agent not in (NO_CHANNEL, NOT_SUPPORTED):
            try:
                if uuid not in self._limited:
                    limit_agent_wait(dom)
                    self._limited.add(uuid)
                info = dom.guestInfo(libvirt.VIR_DOMAIN_GUEST_INFO_OS, 0)
                os_name = str(info.get("os.pretty-name") or info.get("os.name") or "") or None
                agent = "connected"
            except libvirt.libvirtError as exc:
                reason = describe_agent_error(exc)
                agent = "disconnected" if "not connected" in reason else reason
                if "did not answer" in reason:
                    self._quiet_until[uuid] = now + AGENT_QUIET_SECONDS
        addresses = read_addresses(dom, agent=agent == "connected")
        return GuestLine(os_name, first_ipv4(addresses) or None, addresses.source, agent)

    def forget(self, seen: set[str]) -> None:
        self.lines = {k: v for k, v in self.lines.items() if k in seen}
