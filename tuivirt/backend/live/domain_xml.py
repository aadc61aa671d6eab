"""Reading a guest's definition: memory, vCPUs, disks and interfaces, as both the editor and the
poller's next-boot comparison see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def memory_kib(root: ET.Element, path: str) -> int:
    """A memory element in KiB (0 when absent): libvirt writes every definition it returns in KiB."""
    text = (root.findtext(path) or "").strip()
    return int(text) if text.isdigit() else 0


def vcpu_counts(root: ET.Element) -> tuple[int, int]:
    """(current, maximum) from <vcpu current='N'>MAX</vcpu>."""
    element = root.find("vcpu")
    maximum = int((element.text or "1").strip()) if element is not None else 1
    current = int(element.get("current", maximum)) if element is not None else maximum
    return current, maximum


def disks_by_target(root: ET.Element) -> dict[str, tuple[ET.Element, str]]:
    found = {}
    for disk in root.iterfind("devices/disk"):
        target = disk.find("target")
        if target is not None:
            found[target.get("dev", "?")] = (disk, target.get("bus", ""))
    return found


def nics_by_mac(root: ET.Element) -> dict[str, ET.Element]:
    found = {}
    for nic in root.iterfind("devices/interface"):
        mac = nic.find("mac")
        if mac is not None:
            found[mac.get("address", "").lower()] = nic
    return found


def disk_source(disk: ET.Element) -> str:
    source = disk.find("source")
    if source is None:
        return "(empty)"
    if disk.get("type") == "volume":
        return f"{source.get('pool', '?')}/{source.get('volume', '?')}"
    return source.get("file") or source.get("dev") or source.get("name") or "?"


def nic_macs(xml: str) -> tuple[str, ...]:
    """The MAC addresses of a definition's NICs, lower case (to find their DHCP leases)."""
    return tuple(nics_by_mac(ET.fromstring(xml)))
