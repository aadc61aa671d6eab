"""What the details view shows of one guest: its disks, its network interfaces and its XML."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt


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


def disk_source(disk: ET.Element) -> str:
    source = disk.find("source")
    if source is None:
        return "(empty)"
    if disk.get("type") == "volume":
        return f"{source.get('pool', '?')}/{source.get('volume', '?')}"
    return source.get("file") or source.get("dev") or source.get("name") or "?"


def _addresses(dom: libvirt.virDomain) -> dict[str, tuple[str, ...]]:
    """IP addresses by MAC, from the DHCP leases, else from the guest agent, else none."""
    if not dom.isActive():
        return {}
    for source in (
        libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
        libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
    ):
        with contextlib.suppress(libvirt.libvirtError):  # no leases, no agent: try the next
            found = dom.interfaceAddresses(source)
            if found:
                return {
                    (iface.get("hwaddr") or "").lower(): tuple(
                        f"{a['addr']}/{a['prefix']}" for a in iface.get("addrs") or []
                    )
                    for iface in found.values()
                }
    return {}


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
    addresses = _addresses(dom)
    nics = []
    for nic in root.iterfind("devices/interface"):
        mac_el, source_el, model_el = nic.find("mac"), nic.find("source"), nic.find("model")
        mac = mac_el.get("address", "") if mac_el is not None else ""
        kind = nic.get("type", "?")
        where = ""
        if source_el is not None:
            where = source_el.get("network") or source_el.get("bridge") or source_el.get("dev") or ""
        model = model_el.get("type", "") if model_el is not None else ""
        nics.append(NicDetails(mac, f"{kind} {where}".strip(), model, addresses.get(mac.lower(), ())))
    return DomainDetails(dom.name(), xml, tuple(disks), tuple(nics))
