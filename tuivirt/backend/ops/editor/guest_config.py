"""What the guest editor shows and changes, read from the running (live) and next-boot (inactive)
definitions of a guest. A device in one and not the other is a change waiting for the next boot."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

from tuivirt.backend.live.domain_xml import disk_source, disks_by_target, memory_kib, nics_by_mac, vcpu_counts


@dataclass(frozen=True)
class DiskConfig:
    target: str  # vda, sdb: how libvirt names the disk (the guest may number its own way)
    bus: str  # virtio, sata, scsi, ide
    device: str  # disk, cdrom
    source: str  # as shown: pool/volume, a path, or "(empty)"
    path: str  # the file or block device behind it, "" for an empty CD-ROM
    format: str  # qcow2, raw, "" when not said
    capacity: int | None  # bytes, None when unknown (an empty CD-ROM)
    xml: str  # the <disk> element, to detach or update it
    now: bool = True  # in the running guest
    next_boot: bool = True  # in the definition used at the next start


@dataclass(frozen=True)
class NicConfig:
    mac: str
    kind: str  # network, bridge, direct, user
    source: str  # the network's or bridge's name
    model: str
    link_up: bool
    xml: str  # the <interface> element
    now: bool = True
    next_boot: bool = True


@dataclass(frozen=True)
class GuestConfig:
    uuid: str
    name: str
    title: str
    description: str
    autostart: bool
    persistent: bool
    active: bool
    vcpus: int  # now (the running guest's count, or the next boot's when shut off)
    vcpus_next: int  # at next boot
    vcpus_max: int  # at next boot
    vcpus_max_now: int  # a running guest's maximum is fixed until it stops
    memory_kib: int  # now
    memory_next_kib: int
    memory_max_kib: int  # at next boot
    memory_max_now_kib: int
    boot_order: tuple[str, ...]  # <os><boot dev=…/> in order: hd, cdrom, network, fd
    boot_menu: bool
    firmware: str  # BIOS, UEFI, direct kernel boot (with its kernel)
    per_device_boot: bool  # <boot order=…/> on devices: the os/boot list is not used then
    disks: tuple[DiskConfig, ...]
    nics: tuple[NicConfig, ...]
    inactive_xml: str  # the next boot's definition as libvirt keeps it

    @property
    def where(self) -> str:
        """Where a change of this guest applies, said the same way everywhere."""
        return "now and at next boot" if self.active and self.persistent else "at next boot"


def _text(root: ET.Element, path: str) -> str:
    return (root.findtext(path) or "").strip()


def _firmware(root: ET.Element) -> str:
    if root.find("os/kernel") is not None:
        return f"direct kernel boot ({_text(root, 'os/kernel')})"
    os_el, loader = root.find("os"), root.find("os/loader")
    if os_el is not None and os_el.get("firmware") == "efi":
        return "UEFI"
    if loader is not None and loader.get("type") == "pflash":
        return f"UEFI ({(loader.text or '').strip()})"
    return "BIOS"


def _disk(dom: libvirt.virDomain, element: ET.Element, bus: str, now: bool, next_boot: bool) -> DiskConfig:
    target = element.find("target")
    dev = target.get("dev", "?") if target is not None else "?"
    source = element.find("source")
    path = ""
    if source is not None:
        path = source.get("file") or source.get("dev") or ""
    if source is not None and element.get("type") == "volume":
        with contextlib.suppress(libvirt.libvirtError):  # a pool gone or inactive: no path then
            pool = dom.connect().storagePoolLookupByName(source.get("pool", ""))
            path = pool.storageVolLookupByName(source.get("volume", "")).path()
    driver = element.find("driver")
    capacity = None
    if source is not None:
        with contextlib.suppress(libvirt.libvirtError):  # a missing file, an empty drive
            capacity = int(dom.blockInfo(dev)[0]) if now else None
        if capacity is None and path:  # a shut-off guest's disk: its volume knows (on any driver)
            with contextlib.suppress(libvirt.libvirtError):
                capacity = int(dom.connect().storageVolLookupByPath(path).info()[1])
    return DiskConfig(
        target=dev,
        bus=bus,
        device=element.get("device", "disk"),
        source=disk_source(element),
        path=path,
        format=driver.get("type", "") if driver is not None else "",
        capacity=capacity,
        xml=_element_xml(element),
        now=now,
        next_boot=next_boot,
    )


def _nic(element: ET.Element, now: bool, next_boot: bool) -> NicConfig:
    mac, source, model, link = (element.find(tag) for tag in ("mac", "source", "model", "link"))
    where = ""
    if source is not None:
        where = source.get("network") or source.get("bridge") or source.get("dev") or ""
    return NicConfig(
        mac=mac.get("address", "").lower() if mac is not None else "",
        kind=element.get("type", "?"),
        source=where,
        model=model.get("type", "") if model is not None else "",
        link_up=link is None or link.get("state", "up") != "down",
        xml=_element_xml(element),
        now=now,
        next_boot=next_boot,
    )


def _element_xml(element: ET.Element) -> str:
    element.tail = None  # the indentation after it in the whole definition
    return ET.tostring(element, encoding="unicode")


def read_config(conn: libvirt.virConnect, uuid: str) -> GuestConfig:
    """Both definitions of the guest ``uuid``: a few RPCs, plus one blockInfo per disk when running."""
    dom = conn.lookupByUUIDString(uuid)
    active, persistent = bool(dom.isActive()), bool(dom.isPersistent())
    inactive_xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    config = ET.fromstring(inactive_xml)
    live = ET.fromstring(dom.XMLDesc(0)) if active else config
    vcpus_next, vcpus_max = vcpu_counts(config)
    live_disks, next_disks = disks_by_target(live), (disks_by_target(config) if persistent else {})
    disks = [
        _disk(dom, element, bus, active, target in next_disks)
        for target, (element, bus) in live_disks.items()
    ]
    disks += [
        _disk(dom, element, bus, False, True)
        for target, (element, bus) in next_disks.items()
        if active and target not in live_disks
    ]
    live_nics, next_nics = nics_by_mac(live), (nics_by_mac(config) if persistent else {})
    nics = [_nic(element, active, mac in next_nics) for mac, element in live_nics.items()]
    nics += [
        _nic(element, False, True) for mac, element in next_nics.items() if active and mac not in live_nics
    ]
    autostart = False
    with contextlib.suppress(libvirt.libvirtError):  # a transient guest has no autostart
        autostart = bool(dom.autostart())
    return GuestConfig(
        uuid=uuid,
        name=dom.name(),
        title=_text(config, "title"),
        description=_text(config, "description"),
        autostart=autostart,
        persistent=persistent,
        active=active,
        vcpus=vcpu_counts(live)[0],
        vcpus_next=vcpus_next,
        vcpus_max=vcpus_max,
        vcpus_max_now=vcpu_counts(live)[1],
        memory_kib=memory_kib(live, "currentMemory") or memory_kib(live, "memory"),
        memory_next_kib=memory_kib(config, "currentMemory") or memory_kib(config, "memory"),
        memory_max_kib=memory_kib(config, "memory"),
        memory_max_now_kib=memory_kib(live, "memory"),
        boot_order=tuple(b.get("dev", "") for b in config.iterfind("os/boot")),
        boot_menu=config.find("os/bootmenu[@enable='yes']") is not None,
        firmware=_firmware(config),
        per_device_boot=config.find("devices/*/boot") is not None,
        disks=tuple(disks),
        nics=tuple(nics),
        inactive_xml=inactive_xml,
    )
