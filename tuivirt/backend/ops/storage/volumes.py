"""Volumes of a pool (virsh vol-*): list them with the guests that use them, create, delete
(refused while a guest uses the volume), resize."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

import libvirt

from tuivirt.backend.ops.editor.disks import parse_size_bytes
from tuivirt.backend.ops.storage.pools import POOL_NAME
from tuivirt.format import format_bytes

VOLUME_FORMATS = ("qcow2", "raw")


@dataclass(frozen=True)
class VolumeInfo:
    name: str
    path: str
    format: str
    capacity: int
    allocation: int
    used_by: tuple[str, ...]  # guest names; "name (backing)" where an overlay of it is the disk
    running_users: tuple[str, ...] = ()

    @property
    def orphan(self) -> bool:
        return not self.used_by


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


def _backing_path(root: ET.Element) -> str:
    return root.findtext("backingStore/path", "") or ""


def overlay_users(conn: libvirt.virConnect, bases: set[str], users: Users) -> dict[str, set[str]]:
    """Base path -> names of the guests whose disk is an overlay of it, at any depth (a linked
    clone's disk, a clone of a clone): deleting the base breaks them. ``users``: disk_users'."""
    backing: dict[str, str] = {}  # overlay path -> the path it reads
    for pool in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
        for volume in pool.listAllVolumes(0):
            base = _backing_path(ET.fromstring(volume.XMLDesc(0)))
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


def list_volumes(conn: libvirt.virConnect, pool_name: str) -> list[VolumeInfo]:
    """The pool's volumes; a volume that is the backing file of another (a linked clone's base)
    counts as used by that one's guests."""
    pool = conn.storagePoolLookupByName(pool_name)
    users, running = disk_users(conn)
    rows = []
    for volume in pool.listAllVolumes(0):
        root = ET.fromstring(volume.XMLDesc(0))
        _kind, capacity, allocation = volume.info()
        rows.append((volume, root, capacity, allocation))
    for volume, root, _c, _a in rows:
        base = _backing_path(root)
        if base:
            users[base] |= {f"{name} (backing)" for name in users.get(volume.path(), set())}
            running[base] |= running.get(volume.path(), set())
    result = []
    for volume, root, capacity, allocation in rows:
        path = volume.path()
        format_el = root.find("target/format")
        result.append(
            VolumeInfo(
                name=volume.name(),
                path=path,
                format="" if format_el is None else format_el.get("type", ""),
                capacity=capacity,
                allocation=allocation,
                used_by=tuple(sorted(users.get(path, set()))),
                running_users=tuple(sorted(running.get(path, set()))),
            )
        )
    return sorted(result, key=lambda v: v.name)


def check_volume(
    name: str, size_text: str, fmt: str, taken: set[str], available: int | None
) -> dict[str, str]:
    errors = {}
    if not POOL_NAME.match(name) or "/" in name:
        errors["name"] = "letters, digits and _ . + - (no /)"
    elif name in taken:
        errors["name"] = "a volume of that name is in this pool"
    size = parse_size_bytes(size_text)
    if size is None:
        errors["size"] = "a size such as 10G or 512M"
    elif fmt == "raw" and available is not None and size > available:
        errors["size"] = f"the pool has {format_bytes(available)} free"
    if fmt not in VOLUME_FORMATS:
        errors["format"] = " or ".join(VOLUME_FORMATS)
    return errors


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


def create_volume(conn: libvirt.virConnect, pool_name: str, name: str, size: int, fmt: str) -> str:
    conn.storagePoolLookupByName(pool_name).createXML(volume_xml(name, size, fmt), 0)
    return f"volume {name} ({format_bytes(size)}, {fmt}) created in {pool_name}"


def _users_now(conn: libvirt.virConnect, pool_name: str, name: str) -> VolumeInfo:
    """Read again at the moment of the change: a guest may have taken the volume since the list."""
    for volume in list_volumes(conn, pool_name):
        if volume.name == name:
            return volume
    raise ValueError(f"volume {name} is no longer in pool {pool_name}")


def delete_volume(conn: libvirt.virConnect, pool_name: str, name: str) -> str:
    volume = _users_now(conn, pool_name, name)
    if volume.used_by:
        raise ValueError(f"volume {name} is used by {', '.join(volume.used_by)}; detach it there first")
    conn.storagePoolLookupByName(pool_name).storageVolLookupByName(name).delete(0)
    return f"volume {name} deleted from {pool_name}"


def check_volume_resize(volume: VolumeInfo, text: str) -> tuple[int | None, str]:
    if volume.running_users:
        return None, f"open in running {', '.join(volume.running_users)}: resize it in the editor (e)"
    size = parse_size_bytes(text)
    if size is None:
        return None, "a size such as 20G or 512M"
    if size == volume.capacity:
        return None, "that is its size now"
    return size, ""


def resize_volume(conn: libvirt.virConnect, pool_name: str, name: str, size: int) -> str:
    volume = _users_now(conn, pool_name, name)
    if volume.running_users:
        raise ValueError(f"volume {name} is open in running {', '.join(volume.running_users)}")
    vol = conn.storagePoolLookupByName(pool_name).storageVolLookupByName(name)
    shrink = size < volume.capacity
    vol.resize(size, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK if shrink else 0)
    return f"volume {name} resized to {format_bytes(size)}"
