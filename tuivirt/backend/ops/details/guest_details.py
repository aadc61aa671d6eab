"""What the details view shows of one guest: its disks, its network interfaces with their addresses,
what its agent knows, and its XML."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

from tuivirt.backend.live.domain_xml import disk_source
from tuivirt.backend.live.guest_agent import (
    NO_CHANNEL,
    Addresses,
    AgentFacts,
    agent_state,
    read_addresses,
    read_agent_facts,
)


@dataclass(frozen=True)
class DiskDetails:
    target: str
    device: str  # disk, cdrom
    source: str
    capacity: int | None  # bytes
    allocation: int | None


@dataclass(frozen=True)
class NicDetails:
    mac: str
    source: str  # "network default", "bridge br0"
    model: str
    addresses: tuple[str, ...]  # "192.168.122.3/24"


@dataclass(frozen=True)
class DomainDetails:
    name: str
    xml: str
    disks: tuple[DiskDetails, ...]
    nics: tuple[NicDetails, ...]
    agent: AgentFacts | str = "guest not running"  # the agent's facts, or why there are none
    address_source: str = ""  # where the NICs' addresses came from: agent, DHCP lease, ARP


def read_details(conn: libvirt.virConnect, uuid: str) -> DomainDetails:
    dom = conn.lookupByUUIDString(uuid)
    xml = dom.XMLDesc(0)
    root = ET.fromstring(xml)
    disks = []
    for disk in root.iterfind("devices/disk"):
        target = disk.find("target")
        dev = target.get("dev", "?") if target is not None else "?"
        capacity = allocation = None
        with contextlib.suppress(libvirt.libvirtError):  # an empty CD-ROM or a missing file
            capacity, allocation, _physical = dom.blockInfo(dev)
        disks.append(DiskDetails(dev, disk.get("device", "disk"), disk_source(disk), capacity, allocation))
    agent: AgentFacts | str = "guest not running"
    addresses = Addresses({}, "")
    if dom.isActive():
        agent = read_agent_facts(dom) if agent_state(xml) != NO_CHANNEL else NO_CHANNEL
        addresses = read_addresses(dom, agent=isinstance(agent, AgentFacts))
    nics = []
    for nic in root.iterfind("devices/interface"):
        mac_el, source_el, model_el = nic.find("mac"), nic.find("source"), nic.find("model")
        mac = mac_el.get("address", "") if mac_el is not None else ""
        kind = nic.get("type", "?")
        where = ""
        if source_el is not None:
            where = source_el.get("network") or source_el.get("bridge") or source_el.get("dev") or ""
        model = model_el.get("type", "") if model_el is not None else ""
        found = addresses.by_mac.get(mac.lower(), ())
        nics.append(NicDetails(mac, f"{kind} {where}".strip(), model, found))
    return DomainDetails(dom.name(), xml, tuple(disks), tuple(nics), agent, addresses.source)
