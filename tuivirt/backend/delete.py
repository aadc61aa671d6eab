"""Deleting a guest: undefine it, and remove only the storage and metadata the user ticked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import libvirt

from tuivirt.backend.connection import describe_error


@dataclass(frozen=True)
class GuestStorage:
    """A disk of the guest that is a storage volume libvirt knows (so it can be deleted)."""

    target: str  # vda
    source: str  # the path, or pool/volume
    pool: str = ""
    volume: str = ""


@dataclass(frozen=True)
class DeleteOptions:
    volumes: tuple[GuestStorage, ...] = ()  # only these are deleted
    snapshot_metadata: bool = False
    nvram: bool = False


@dataclass(frozen=True)
class DeletePlan:
    """What the delete dialog offers for one guest."""

    disks: tuple[GuestStorage, ...]
    has_snapshots: bool
    has_nvram: bool
    active: bool


@dataclass
class DeleteResult:
    undefined: bool = False
    problems: list[str] = field(default_factory=list)  # volumes that could not be deleted


def guest_disks(xml: str) -> tuple[GuestStorage, ...]:
    """The guest's hard disks (not CD-ROMs or floppies: install media are usually shared)."""
    disks = []
    for disk in ET.fromstring(xml).iterfind("devices/disk"):
        if disk.get("device", "disk") != "disk":
            continue
        source = disk.find("source")
        target = disk.find("target")
        if source is None or target is None:
            continue
        if disk.get("type") == "volume":
            pool, volume = source.get("pool", ""), source.get("volume", "")
            disks.append(GuestStorage(target.get("dev", "?"), f"{pool}/{volume}", pool, volume))
        elif source.get("file") or source.get("dev"):
            disks.append(GuestStorage(target.get("dev", "?"), source.get("file") or source.get("dev") or ""))
    return tuple(disks)


def plan_delete(conn: libvirt.virConnect, uuid: str) -> DeletePlan:
    dom = conn.lookupByUUIDString(uuid)
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    root = ET.fromstring(xml)
    return DeletePlan(
        disks=guest_disks(xml),
        has_snapshots=dom.snapshotNum(0) > 0,
        has_nvram=root.find("os/nvram") is not None,
        active=bool(dom.isActive()),
    )


def _lookup_volume(conn: libvirt.virConnect, disk: GuestStorage) -> libvirt.virStorageVol:
    if disk.pool:
        return conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume)
    return conn.storageVolLookupByPath(disk.source)


def delete_guest(conn: libvirt.virConnect, uuid: str, options: DeleteOptions) -> DeleteResult:
    """Force off if running, undefine, then delete the ticked volumes.

    Volumes are looked up before the undefine (a pool/volume name needs nothing from the guest,
    but a path may only resolve while libvirt still knows it) and deleted after it, so a refused
    undefine (snapshots the user chose to keep, say) leaves every disk in place.
    """
    dom = conn.lookupByUUIDString(uuid)
    volumes = []
    result = DeleteResult()
    for disk in options.volumes:
        try:
            volumes.append((disk, _lookup_volume(conn, disk)))
        except libvirt.libvirtError as exc:
            result.problems.append(f"{disk.source}: {describe_error(exc)}")
    if dom.isActive():
        dom.destroy()
    flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
    if options.snapshot_metadata:
        flags |= libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM if options.nvram else libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM
    dom.undefineFlags(flags)
    result.undefined = True
    for disk, volume in volumes:
        try:
            volume.delete(0)
        except libvirt.libvirtError as exc:
            result.problems.append(f"{disk.source}: {describe_error(exc)}")
    return result
