"""Volumes of a pool (virsh vol-*): list them with the guests that use them, create, delete
(refused while a guest uses the volume), resize."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

from tuivirt.backend.numbers import parse_size_bytes
from tuivirt.backend.ops.common.volumes import backing_path, disk_users, volume_xml
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
        base = backing_path(root)
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
