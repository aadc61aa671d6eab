"""Removing a device from a guest and waiting until the guest has let go of it.

A hot-unplug is a request to the guest: libvirt returns at once and sends DEVICE_REMOVED when the
guest releases the device, or never (a guest without the driver, a busy disk). The report says so
instead of pretending the device is gone.
"""

from __future__ import annotations

import contextlib
import threading
import xml.etree.ElementTree as ET

import libvirt

DETACH_TIMEOUT = 15.0  # seconds a guest gets to release a device


def _alias(device_xml: str) -> str:
    alias = ET.fromstring(device_xml).find("alias")
    return alias.get("name", "") if alias is not None else ""


def detach_device(
    conn: libvirt.virConnect,
    uuid: str,
    device_xml: str,
    *,
    next_boot: bool,
    what: str,
    timeout: float = DETACH_TIMEOUT,
) -> str:
    """Detach from the running guest (and from its next boot's definition too); the report."""
    dom = conn.lookupByUUIDString(uuid)
    alias = _alias(device_xml)
    removed = threading.Event()

    def on_removed(_conn: object, _dom: object, device_alias: str, _opaque: object) -> None:
        if not alias or device_alias == alias:
            removed.set()

    callback = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_removed, None)
    try:
        flags = libvirt.VIR_DOMAIN_AFFECT_LIVE | (libvirt.VIR_DOMAIN_AFFECT_CONFIG if next_boot else 0)
        dom.detachDeviceFlags(device_xml, flags)
        released = removed.wait(timeout) or (bool(alias) and _gone(dom, alias))
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.domainEventDeregisterAny(callback)
    if not released:
        kept = " It is gone from the next boot's definition." if next_boot else ""
        return (
            f"{what}: the guest has not released it after {timeout:g} s; it goes when the guest lets "
            f"go (or at the next shutdown).{kept}"
        )
    return f"{what} removed now" + (" and at next boot" if next_boot else "")


def _gone(dom: libvirt.virDomain, alias: str) -> bool:
    """The event may have come before the callback was in place: the live definition tells."""
    root = ET.fromstring(dom.XMLDesc(0))
    return root.find(f"devices/*/alias[@name='{alias}']") is None
