"""What the guest agent knows (libvirt's ``guestInfo``): OS, kernel, host name, users, file systems,
time zone; and each interface's addresses with where they came from: the agent, else the DHCP lease,
else the host's ARP table. A guest without the agent's channel says so plainly; an agent that does
not answer within AGENT_TIMEOUT seconds is a reason, not an error, and holds up nothing longer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

AGENT_CHANNEL = "org.qemu.guest_agent.0"
AGENT_TIMEOUT = 3  # seconds libvirt waits for the agent (its default for some calls: forever)
INFO_TYPES = (
    libvirt.VIR_DOMAIN_GUEST_INFO_OS
    | libvirt.VIR_DOMAIN_GUEST_INFO_HOSTNAME
    | libvirt.VIR_DOMAIN_GUEST_INFO_USERS
    | libvirt.VIR_DOMAIN_GUEST_INFO_FILESYSTEM
    | libvirt.VIR_DOMAIN_GUEST_INFO_TIMEZONE
)
NO_CHANNEL = "no agent channel"
NOT_SUPPORTED = "not supported here"  # a driver without agents (the test driver)
ADDRESS_SOURCES = (
    (libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, "agent"),
    (libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, "DHCP lease"),
    (libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, "ARP"),
)


@dataclass(frozen=True)
class FileSystem:
    mountpoint: str
    type: str
    used: int | None  # bytes
    total: int | None


@dataclass(frozen=True)
class AgentFacts:
    os: str  # "Debian GNU/Linux 12 (bookworm)"
    kernel: str
    hostname: str
    users: tuple[str, ...]
    filesystems: tuple[FileSystem, ...]
    timezone: str


@dataclass(frozen=True)
class Addresses:
    by_mac: dict[str, tuple[str, ...]]  # "52:54:00:…" -> ("192.168.122.5/24", …)
    source: str  # "agent", "DHCP lease", "ARP", or "" when none answered


def agent_state(live_xml: str) -> str:
    """'connected', 'disconnected', or NO_CHANNEL, as the running guest's XML says."""
    for target in ET.fromstring(live_xml).iterfind("devices/channel/target"):
        if target.get("name") == AGENT_CHANNEL:
            return target.get("state", "disconnected")
    return NO_CHANNEL


def limit_agent_wait(dom: libvirt.virDomain) -> None:
    """Calls to this guest's agent give up after AGENT_TIMEOUT s (kept until the guest stops)."""
    dom.agentSetResponseTimeout(AGENT_TIMEOUT, 0)


def describe_agent_error(exc: libvirt.libvirtError) -> str:
    code = exc.get_error_code()
    if code == libvirt.VIR_ERR_AGENT_UNRESPONSIVE:
        message = exc.get_error_message() or ""
        return (
            "agent not connected"
            if "not connected" in message
            else f"agent did not answer in {AGENT_TIMEOUT} s"
        )
    if code in (libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, libvirt.VIR_ERR_NO_SUPPORT):
        return NO_CHANNEL if "not configured" in (exc.get_error_message() or "") else NOT_SUPPORTED
    if code == libvirt.VIR_ERR_OPERATION_INVALID:
        return "guest not running"
    return " ".join((exc.get_error_message() or str(exc)).split())


def _number(info: dict[str, object], key: str) -> int | None:
    value = info.get(key)
    return int(value) if isinstance(value, int | float) else None


def parse_guest_info(info: dict[str, object]) -> AgentFacts:
    os_name = str(
        info.get("os.pretty-name") or " ".join(str(info[k]) for k in ("os.name", "os.version") if info.get(k))
    )
    filesystems = []
    for i in range(_number(info, "fs.count") or 0):
        total, used = _number(info, f"fs.{i}.total-bytes"), _number(info, f"fs.{i}.used-bytes")
        filesystems.append(
            FileSystem(
                str(info.get(f"fs.{i}.mountpoint", "")), str(info.get(f"fs.{i}.fstype", "")), used, total
            )
        )
    users = tuple(str(info.get(f"user.{i}.name", "")) for i in range(_number(info, "user.count") or 0))
    zone = str(info.get("timezone.name", ""))
    offset = _number(info, "timezone.offset")
    if offset is not None:
        zone = f"{zone} (UTC{offset / 3600:+g})".strip()
    return AgentFacts(
        os=os_name,
        kernel=str(info.get("os.kernel-release", "")),
        hostname=str(info.get("hostname", "")),
        users=users,
        filesystems=tuple(filesystems),
        timezone=zone,
    )


def read_agent_facts(dom: libvirt.virDomain) -> AgentFacts | str:
    """The agent's facts, or why there are none (NO_CHANNEL, not connected, no answer)."""
    try:
        limit_agent_wait(dom)
        return parse_guest_info(dom.guestInfo(INFO_TYPES, 0))
    except libvirt.libvirtError as exc:
        return describe_agent_error(exc)


def addresses_from(dom: libvirt.virDomain, source: int, label: str) -> Addresses:
    """The addresses one source knows (raises libvirt's error when it cannot answer)."""
    found = dom.interfaceAddresses(source, 0)
    by_mac = {
        (iface.get("hwaddr") or "").lower(): tuple(
            f"{a['addr']}/{a['prefix']}"
            for a in iface.get("addrs") or []
            if not str(a["addr"]).startswith("127.") and str(a["addr"]) != "::1"
        )
        for iface in found.values()
        if (iface.get("hwaddr") or "") != "00:00:00:00:00:00"
    }
    return Addresses(by_mac, label) if any(by_mac.values()) else Addresses({}, "")


def read_addresses(dom: libvirt.virDomain, *, agent: bool = True) -> Addresses:
    """The first source that knows any address: the agent (when ``agent``), the lease, ARP."""
    for source, label in ADDRESS_SOURCES:
        if source == libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT and not agent:
            continue
        try:
            addresses = addresses_from(dom, source, label)
        except libvirt.libvirtError:
            continue  # no agent, no lease file, an ARP table libvirt cannot read: the next one
        if addresses.source:
            return addresses
    return Addresses({}, "")


def first_ipv4(addresses: Addresses) -> str:
    """The address a table shows: the first IPv4 one, without its prefix."""
    for addrs in addresses.by_mac.values():
        for addr in addrs:
            if ":" not in addr:
                return addr.split("/")[0]
    return ""
