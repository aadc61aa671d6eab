"""The guests table's OS and IP columns, for the running guests on screen (guest_reads.py asks).

Per guest and read, GUEST_FACTS_SECONDS after the last one, twice as long each time nothing
changed (up to GUEST_FACTS_MAX_SECONDS; an event about the guest starts again): the agent's
guestInfo (OS) and its addresses when it answers (plus agentSetResponseTimeout once per start);
else the address comes from the host's DHCP leases, read for all guests at once (one call per
active network, every GUEST_FACTS_SECONDS); else from ARP, one call, where the driver has it. An
agent that did not answer is left alone until its next lifecycle event or AGENT_QUIET_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libvirt

from tuivirt.backend.live.guest_agent import (
    NO_CHANNEL,
    NOT_SUPPORTED,
    Addresses,
    addresses_from,
    describe_agent_error,
    first_ipv4,
    limit_agent_wait,
)

GUEST_FACTS_SECONDS = 30.0
GUEST_FACTS_MAX_SECONDS = 480.0
AGENT_QUIET_SECONDS = 300.0
UNSUPPORTED = (libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED)


@dataclass(frozen=True)
class GuestLine:
    os_name: str | None = None
    ip: str | None = None
    ip_source: str = ""
    agent: str = ""


def read_leases(conn: libvirt.virConnect) -> dict[str, str]:
    """MAC -> IPv4 address, from the DHCP leases of every active network of the host."""
    leases: dict[str, str] = {}
    for network in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE):
        for lease in network.DHCPLeases():
            if (
                lease.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV4
                and lease.get("mac")
                and lease.get("ipaddr")
            ):
                leases[str(lease["mac"]).lower()] = str(lease["ipaddr"])
    return leases


@dataclass
class GuestFactsReader:
    """Keeps each guest's line between reads."""

    lines: dict[str, GuestLine] = field(default_factory=dict)
    leases: dict[str, str] = field(default_factory=dict)  # MAC -> IPv4
    _read_at: dict[str, float] = field(default_factory=dict)
    _every: dict[str, float] = field(default_factory=dict)  # seconds until the next read
    _leases_at: float | None = None
    _no_leases: bool = False  # the driver has no leases (the test driver): not asked again
    _no_arp: bool = False
    _limited: set[str] = field(default_factory=set)  # guests whose agent wait is capped since their start
    _quiet_until: dict[str, float] = field(default_factory=dict)  # agents that did not answer

    def invalidate(self, uuid: str, *, started: bool = False) -> None:
        self._read_at.pop(uuid, None)
        self._every.pop(uuid, None)
        self._quiet_until.pop(uuid, None)
        if started:  # a new run of the guest: its agent (and the channel) may have changed
            self._limited.discard(uuid)
            line = self.lines.get(uuid)
            if line is not None and line.agent in (NO_CHANNEL, NOT_SUPPORTED):
                self.lines[uuid] = GuestLine(line.os_name, line.ip, line.ip_source, "")

    def agent_event(self, uuid: str, connected: bool) -> None:
        """libvirt's agent lifecycle event: the state now (the guest is then read again)."""
        line = self.lines.get(uuid, GuestLine())
        self.lines[uuid] = GuestLine(
            line.os_name, line.ip, line.ip_source, "connected" if connected else "disconnected"
        )
        self.invalidate(uuid)

    def due(self, now: float) -> set[str]:
        """The guests read before whose facts are old."""
        every = self._every
        return {
            uuid for uuid, at in self._read_at.items() if at + every.get(uuid, GUEST_FACTS_SECONDS) <= now
        }

    def leases_due(self, now: float) -> bool:
        return not self._no_leases and (
            self._leases_at is None or self._leases_at + GUEST_FACTS_SECONDS <= now
        )

    def read_leases(self, conn: libvirt.virConnect, now: float) -> None:
        self._leases_at = now
        try:
            self.leases = read_leases(conn)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() not in UNSUPPORTED:
                raise
            self._no_leases = True

    def read(
        self, dom: libvirt.virDomain, uuid: str, running: bool, macs: tuple[str, ...], now: float
    ) -> None:
        self._read_at[uuid] = now
        old = self.lines.get(uuid, GuestLine())
        # (shut off: the OS stays known; addresses and the agent do not)
        new = self._read_running(dom, uuid, old, macs, now) if running else GuestLine(old.os_name)
        self.lines[uuid] = new
        every = self._every.get(uuid)  # nothing changed: the next read waits twice as long
        self._every[uuid] = (
            min(GUEST_FACTS_MAX_SECONDS, 2 * every)
            if every is not None and new == old
            else GUEST_FACTS_SECONDS
        )

    def _read_running(
        self, dom: libvirt.virDomain, uuid: str, old: GuestLine, macs: tuple[str, ...], now: float
    ) -> GuestLine:
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
        addresses = self._addresses(dom, agent == "connected", macs)
        return GuestLine(os_name, first_ipv4(addresses) or None, addresses.source, agent)

    def _addresses(self, dom: libvirt.virDomain, agent: bool, macs: tuple[str, ...]) -> Addresses:
        """The agent's, else the DHCP lease's (no call: the host's leases), else ARP's."""
        if agent:
            try:
                found = addresses_from(dom, libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, "agent")
                if found.source:
                    return found
            except libvirt.libvirtError:
                pass  # the agent went meanwhile: the lease, then ARP
        leased: dict[str, tuple[str, ...]] = {mac: (self.leases[mac],) for mac in macs if mac in self.leases}
        if leased:
            return Addresses(leased, "DHCP lease")
        if self._no_arp or not macs:
            return Addresses({}, "")
        try:
            return addresses_from(dom, libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, "ARP")
        except libvirt.libvirtError as exc:
            if exc.get_error_code() in UNSUPPORTED:
                self._no_arp = True
            return Addresses({}, "")

    def forget(self, seen: set[str]) -> None:
        self.lines = {k: v for k, v in self.lines.items() if k in seen}
        self._read_at = {k: v for k, v in self._read_at.items() if k in seen}
        self._every = {k: v for k, v in self._every.items() if k in seen}
