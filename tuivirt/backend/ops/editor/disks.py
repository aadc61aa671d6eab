"""Disks of an existing guest: add one (a new volume, an existing image, an ISO as CD-ROM), resize
one, change a CD-ROM's media. Checked field by field first; a volume made for a disk whose attach
failed is removed again."""

from __future__ import annotations

import string
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum

import libvirt

from tuivirt.backend.live.connection import describe_error
from tuivirt.backend.numbers import parse_size_bytes
from tuivirt.backend.ops.common.host_offer import HostOffer
from tuivirt.backend.ops.editor.devices import attach, update
from tuivirt.backend.ops.editor.guest_config import DiskConfig, GuestConfig
from tuivirt.format import format_bytes

COLD_BUSES = ("sata", "ide")  # no hot-plug for these
BUS_PREFIX = {"virtio": "vd", "sata": "sd", "scsi": "sd", "usb": "sd", "ide": "hd"}


class DiskKind(StrEnum):
    NEW = "new volume"
    EXISTING = "existing image"
    CDROM = "CD-ROM (ISO)"


@dataclass(frozen=True)
class DiskRequest:
    kind: DiskKind
    target: str
    bus: str = "virtio"
    pool: str = ""
    size: str = ""  # NEW: "10G"
    format: str = "qcow2"
    path: str = ""  # EXISTING: an image; CDROM: an ISO, or empty for an empty drive


def next_target(disks: tuple[DiskConfig, ...], bus: str) -> str:
    prefix = BUS_PREFIX.get(bus, "sd")
    taken = {d.target for d in disks}
    return next((prefix + c for c in string.ascii_lowercase if prefix + c not in taken), prefix + "aa")


def check_disk(request: DiskRequest, config: GuestConfig, offer: HostOffer) -> dict[str, str]:
    errors = {}
    prefix = BUS_PREFIX.get(request.bus, "sd")
    if not request.target.startswith(prefix) or not request.target[len(prefix) :].isalpha():
        errors["target"] = f"{prefix}a, {prefix}b … on bus {request.bus}"
    elif request.target in {d.target for d in config.disks}:
        errors["target"] = "taken by another disk of this guest"
    if request.kind is DiskKind.NEW:
        size = parse_size_bytes(request.size)
        pool = offer.pools.get(request.pool)
        if size is None:
            errors["size"] = "a size such as 10G or 512M"
        elif pool is not None and request.format == "raw" and size > pool.free_bytes:
            errors["size"] = f"the pool has {format_bytes(pool.free_bytes)} free"
        if pool is None:
            errors["pool"] = "no such pool on this host"
        elif not pool.active:
            errors["pool"] = "the pool is not active"
    elif request.kind is DiskKind.EXISTING and not request.path.strip():
        errors["path"] = "the image's path on the host"
    elif request.kind is DiskKind.CDROM and request.bus == "virtio":
        errors["bus"] = "a CD-ROM goes on sata, scsi or ide"
    elif (
        request.kind is DiskKind.CDROM
        and request.bus == "scsi"
        and config.active
        and not request.path.strip()
    ):
        # QEMU refuses it ("argument key 'filename' must not have null value").
        errors["path"] = "an empty SCSI drive does not hot-plug: give an ISO, or use sata (at next boot)"
    return errors


def added_when(request: DiskRequest, config: GuestConfig) -> str:
    """When the disk is there, as the form's note says it: a sata or ide disk waits for next boot."""
    if config.active and request.bus in COLD_BUSES:
        return f"at next boot (a {request.bus} disk does not hot-plug)"
    return config.where


def volume_name(config: GuestConfig, request: DiskRequest, taken: set[str]) -> str:
    """GUEST-TARGET.FORMAT, or GUEST-TARGET-2.FORMAT … when a detached disk's file kept the name."""
    names = (
        f"{config.name}-{request.target}{'' if n == 1 else f'-{n}'}.{request.format}" for n in range(1, 1000)
    )
    return next(name for name in names if name not in taken)


def disk_xml(request: DiskRequest, source_path: str) -> str:
    device = "cdrom" if request.kind is DiskKind.CDROM else "disk"
    disk = ET.Element("disk", type="block" if source_path.startswith("/dev/") else "file", device=device)
    fmt = "raw" if request.kind is DiskKind.CDROM else request.format
    ET.SubElement(disk, "driver", name="qemu", type=fmt)
    if source_path:
        ET.SubElement(disk, "source", {"dev" if source_path.startswith("/dev/") else "file": source_path})
    ET.SubElement(disk, "target", dev=request.target, bus=request.bus)
    if device == "cdrom":
        ET.SubElement(disk, "readonly")
    return ET.tostring(disk, encoding="unicode")


def _volume_xml(name: str, request: DiskRequest, size: int) -> str:
    """A sparse volume (allocation 0) of ``size`` bytes."""
    volume = ET.Element("volume")
    ET.SubElement(volume, "name").text = name
    ET.SubElement(volume, "capacity", unit="bytes").text = str(size)
    ET.SubElement(volume, "allocation", unit="bytes").text = "0"
    ET.SubElement(ET.SubElement(volume, "target"), "format", type=request.format)
    return ET.tostring(volume, encoding="unicode")


def add_disk(conn: libvirt.virConnect, config: GuestConfig, request: DiskRequest) -> str:
    """Make the volume (NEW), attach the disk; on a failed attach the new volume goes again."""
    volume: libvirt.virStorageVol | None = None
    path = request.path.strip()
    if request.kind is DiskKind.NEW:
        size = parse_size_bytes(request.size) or 0
        pool = conn.storagePoolLookupByName(request.pool)
        name = volume_name(config, request, set(pool.listVolumes()))
        volume = pool.createXML(_volume_xml(name, request, size), 0)
        path = volume.path()
    # SATA and IDE drives do not hot-plug in QEMU: on a running guest they wait for its next boot
    # (a disc in an existing CD-ROM drive changes at once: change_media).
    hot = request.bus not in COLD_BUSES
    try:
        where = attach(conn, config, disk_xml(request, path), hot=hot)
    except libvirt.libvirtError as exc:
        if volume is not None:
            try:
                volume.delete(0)
            except libvirt.libvirtError as cleanup:
                raise RuntimeError(
                    f"{describe_error(exc)} (and the new volume {path} could not be removed: "
                    f"{describe_error(cleanup)})"
                ) from exc
        raise
    if config.active and not hot:
        where += f" ({request.bus} drives do not hot-plug)"
    return f"disk {request.target} ({path or 'empty'}) added {where}"


def check_resize(disk: DiskConfig, text: str) -> tuple[int | None, str]:
    """The new size in bytes, or why not."""
    if disk.device != "disk":
        return None, "only disks resize (not CD-ROMs)"
    size = parse_size_bytes(text)
    if size is None:
        return None, "a size such as 20G or 512M"
    if disk.capacity is not None and size == disk.capacity:
        return None, "that is its size now"
    return size, ""


def resize_disk(conn: libvirt.virConnect, config: GuestConfig, disk: DiskConfig, size: int) -> str:
    """A running guest's disk through qemu (the guest sees it at once); else its volume."""
    dom = conn.lookupByUUIDString(config.uuid)
    if config.active and disk.now:
        dom.blockResize(disk.target, size, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
        return f"disk {disk.target} resized to {format_bytes(size)} now (the guest sees it at once)"
    if not disk.path:
        raise ValueError(f"disk {disk.target} has no file to resize")
    volume = conn.storageVolLookupByPath(disk.path)
    shrink = disk.capacity is not None and size < disk.capacity
    volume.resize(size, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK if shrink else 0)
    return f"disk {disk.target} resized to {format_bytes(size)}"


def change_media(conn: libvirt.virConnect, config: GuestConfig, disk: DiskConfig, path: str) -> str:
    """Insert ``path`` into a CD-ROM drive, or eject it (``path`` empty)."""
    element = ET.fromstring(disk.xml)
    for old in element.findall("source"):
        element.remove(old)
    if path:
        source = ET.Element("source", file=path)
        element.insert(1 if element.find("driver") is not None else 0, source)
    where = update(
        conn, config, ET.tostring(element, encoding="unicode"), now=disk.now, next_boot=disk.next_boot
    )
    return f"{'inserted ' + path + ' in' if path else 'ejected'} {disk.target} {where}"
