"""What every feature knows of volumes: the XML of a new one, the path a guest's disk names, and
which guests use which volume (storage's delete guard, a guest's delete, clone)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

import libvirt

Users = dict[str, set[str]]  # path -> guest names


def source_path(conn: libvirt.virConnect, source: ET.Element | None) -> str:
    """A disk's file or device; for a ``type='volume'`` disk, its volume's path ("" if none)."""
    if source is None:
        return ""
    path = source.get("file") or source.get("dev") or ""
    if not path and source.get("pool") and source.get("volume"):
        try:
            pool = conn.storagePoolLookupByName(source.get("pool", ""))
            path = str(pool.storageVolLookupByName(source.get("volume", "")).path())
        except libvirt.libvirtError:
            return ""  # a pool or volume that is gone: the guest will say so when it starts
    return path


def disk_users(conn: libvirt.virConnect) -> tuple[Users, Users]:
    """Path -> names of the guests with a disk on it (live and next-boot definitions both), and
    path -> names of the running guests that have it open."""
    users: Users = defaultdict(set)
    running: Users = defaultdict(set)
    for dom in conn.listAllDomains(0):
        active = bool(dom.isActive())
        flags = [0, libvirt.VIR_DOMAIN_XML_INACTIVE] if active and dom.isPersistent() else [0]
        for flag in flags:
            for source in ET.fromstring(dom.XMLDesc(flag)).iterfind("devices/disk/source"):
                path = source_path(conn, source)
                if path:
                    users[path].add(dom.name())
                    if active and flag == 0:
                        running[path].add(dom.name())
    return users, running


def backing_path(root: ET.Element) -> str:
    return root.findtext("backingStore/path", "") or ""


def overlay_users(conn: libvirt.virConnect, bases: set[str], users: Users) -> dict[str, set[str]]:
    """Base path -> names of the guests whose disk is an overlay of it, at any depth (a linked
    clone's disk, a clone of a clone): deleting the base breaks them. ``users``: disk_users'."""
    backing: dict[str, str] = {}  # overlay path -> the path it reads
    for pool in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
        for volume in pool.listAllVolumes(0):
            base = backing_path(ET.fromstring(volume.XMLDesc(0)))
            if base:
                backing[volume.path()] = base
    found: dict[str, set[str]] = defaultdict(set)
    for overlay in backing:
        seen, base = {overlay}, backing[overlay]
        while base not in seen:  # (a loop in broken metadata ends here)
            if base in bases:
                found[base] |= users.get(overlay, set())
            seen.add(base)
            base = backing.get(base, base)
    return found


def volume_xml(name: str, size: int, fmt: str, *, backing: tuple[str, str] | None = None) -> str:
    """A sparse volume (allocation 0); ``backing``: (path, format) of the file a qcow2 overlay reads."""
    volume = ET.Element("volume")
    ET.SubElement(volume, "name").text = name
    ET.SubElement(volume, "capacity", unit="bytes").text = str(size)
    ET.SubElement(volume, "allocation", unit="bytes").text = "0"
    ET.SubElement(ET.SubElement(volume, "target"), "format", type=fmt)
    if backing is not None:
        store = ET.SubElement(volume, "backingStore")
        ET.SubElement(store, "path").text = backing[0]
        ET.SubElement(store, "format", type=backing[1])
    return ET.tostring(volume, encoding="unicode")
