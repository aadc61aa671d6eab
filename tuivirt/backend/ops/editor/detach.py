"""Removing a device from a running guest and waiting until the guest has let go of it.

A hot-unplug is a request to the guest: libvirt returns at once and sends DEVICE_REMOVED when the
guest releases the device, or never (a guest without the driver, a busy disk). The report says so
instead of pretending the device is gone. The wait happens outside the host's turn on its
connection (``Release.wait``), so that the host's polling goes on meanwhile.
"""

from __future__ import annotations

import contextlib
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import libvirt

DETACH_TIMEOUT = 15.0  # seconds a guest gets to release a device


def _alias(device_xml: str) -> str:
    alias = ET.fromstring(device_xml).find("alias")
    return alias.get("name", "") if alias is not None else ""


@dataclass
class Release:
    """A detach under way: ``wait`` (no connection needed), then ``finish`` on the connection."""

    uuid: str
    what: str
    alias: str
    next_boot: bool
    callback: int
    timeout: float = DETACH_TIMEOUT
    removed: threading.Event = field(default_factory=threading.Event)

    def wait(self) -> bool:
        return self.removed.wait(self.timeout)

    def finish(self, conn: libvirt.virConnect, *, released: bool) -> str:
        """Stop listening; the report (the live definition decides when the event was missed)."""
        with contextlib.suppress(libvirt.libvirtError):
            conn.domainEventDeregisterAny(self.callback)
        if not released and self.alias:
            root = ET.fromstring(conn.lookupByUUIDString(self.uuid).XMLDesc(0))
            released = root.find(f"devices/*/alias[@name='{self.alias}']") is None
        if not released:
            kept = " It is gone from the next boot's definition." if self.next_boot else ""
            return (
                f"{self.what}: the guest has not released it after {self.timeout:g} s; it goes when "
                f"the guest lets go (or at the next shutdown).{kept}"
            )
        return f"{self.what} removed now" + (" and at next boot" if self.next_boot else "")


def detach_device(
    conn: libvirt.virConnect, uuid: str, device_xml: str, *, next_boot: bool, what: str
) -> Release:
    """Ask the running guest to release the device (and drop it from the next boot's definition)."""
    dom = conn.lookupByUUIDString(uuid)
    alias = _alias(device_xml)
    removed = threading.Event()

    def on_removed(_conn: object, _dom: object, device_alias: str, _opaque: object) -> None:
        if not alias or device_alias == alias:
            removed.set()

    callback = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_removed, None)
    release = Release(uuid, what, alias, next_boot, callback, removed=removed)
    try:
        flags = libvirt.VIR_DOMAIN_AFFECT_LIVE | (libvirt.VIR_DOMAIN_AFFECT_CONFIG if next_boot else 0)
        dom.detachDeviceFlags(device_xml, flags)
    except libvirt.libvirtError:
        with contextlib.suppress(libvirt.libvirtError):
            conn.domainEventDeregisterAny(callback)
        raise
    return release
