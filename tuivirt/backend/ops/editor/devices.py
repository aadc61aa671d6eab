"""Plugging a device into a guest, changing it, or taking it out: hot where the guest runs (now and
at next boot in one call), in the next boot's definition where it does not.

A shut-off guest's definition is read, changed and defined again, as virt-manager does: every
driver can do that, where some (the test driver) have no device calls at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import libvirt

from tuivirt.backend.ops.editor.detach import Release, detach_device
from tuivirt.backend.ops.editor.guest_config import GuestConfig

LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
EDIT_FLAGS = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE  # as virsh edit reads


def redefine(conn: libvirt.virConnect, dom: libvirt.virDomain, change: Callable[[ET.Element], None]) -> None:
    """Change the next boot's definition: read it, let ``change`` edit its <devices>, define it.
    Read with SECURE, as virsh edit does: without it a graphics password would be lost."""
    root = ET.fromstring(dom.XMLDesc(EDIT_FLAGS))
    devices = root.find("devices")
    if devices is None:
        devices = ET.SubElement(root, "devices")
    change(devices)
    conn.defineXML(ET.tostring(root, encoding="unicode"))


def _same_device(a: ET.Element, b: ET.Element) -> bool:
    """libvirt's own identities: a disk by its target, an interface by its MAC."""
    if a.tag != b.tag:
        return False
    key = "target" if a.tag == "disk" else "mac"
    attribute = "dev" if a.tag == "disk" else "address"
    found_a, found_b = a.find(key), b.find(key)
    if found_a is None or found_b is None:
        return False
    return (found_a.get(attribute) or "").lower() == (found_b.get(attribute) or "").lower()


def _runtime_free(device_xml: str) -> ET.Element:
    """A device as the live definition shows it, without what only the running guest has."""
    element = ET.fromstring(device_xml)
    for tag in ("alias",):
        for child in element.findall(tag):
            element.remove(child)
    return element


def attach(conn: libvirt.virConnect, config: GuestConfig, device_xml: str, *, hot: bool = True) -> str:
    """Add a device (``hot``: to the running guest too); the words say where it went."""
    dom = conn.lookupByUUIDString(config.uuid)
    if config.active and hot:
        flags = LIVE | CONFIG if config.persistent else LIVE
        dom.attachDeviceFlags(device_xml, flags)
        return "now and at next boot" if config.persistent else "now"
    redefine(conn, dom, lambda devices: devices.append(_runtime_free(device_xml)))
    return "at next boot" + ("" if config.active else " (the guest is shut off)")


def update(
    conn: libvirt.virConnect, config: GuestConfig, device_xml: str, *, now: bool, next_boot: bool
) -> str:
    """Change a device in place (CD media, link state, network); where it applied."""
    dom = conn.lookupByUUIDString(config.uuid)
    if now and config.active:
        dom.updateDeviceFlags(device_xml, LIVE | (CONFIG if next_boot and config.persistent else 0))
        return "now and at next boot" if next_boot and config.persistent else "now"
    new = _runtime_free(device_xml)

    def replace(devices: ET.Element) -> None:
        for index, old in enumerate(list(devices)):
            if _same_device(old, new):
                devices.remove(old)
                devices.insert(index, new)
                return
        raise ValueError("the device is not in the next boot's definition")

    redefine(conn, dom, replace)
    return "at next boot"


def remove(
    conn: libvirt.virConnect, config: GuestConfig, device_xml: str, what: str, *, now: bool
) -> str | Release:
    """Take a device out: the report, or for a running guest the Release to wait for."""
    if now and config.active:
        next_boot = config.persistent and _in_next_boot(config, device_xml)
        return detach_device(conn, config.uuid, device_xml, next_boot=next_boot, what=what)
    gone = _runtime_free(device_xml)

    def drop(devices: ET.Element) -> None:
        for old in list(devices):
            if _same_device(old, gone):
                devices.remove(old)

    redefine(conn, conn.lookupByUUIDString(config.uuid), drop)
    return f"{what} removed at next boot"


def _in_next_boot(config: GuestConfig, device_xml: str) -> bool:
    element = _runtime_free(device_xml)
    root = ET.fromstring(config.inactive_xml)
    return any(_same_device(old, element) for old in root.iterfind("devices/*"))
