"""Deleting a guest: undefine it, and remove only the storage and metadata the user ticked."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

import libvirt

from tuivirt.backend.live.connection import describe_error
from tuivirt.backend.ops.common.volumes import disk_users, overlay_users


class DeleteRefused(Exception):
    """The delete would remove something the user did not tick; nothing was changed."""


@dataclass(frozen=True)
class GuestStorage:
    """A disk of the guest that is a storage volume libvirt knows (so it can be deleted)."""

    target: str  # vda
    source: str  # the path, or pool/volume
    pool: str = ""
    volume: str = ""
    needed_by: tuple[str, ...] = ()  # other guests whose disk is it or reads it (a linked clone's base)


@dataclass(frozen=True)
class DeleteOptions:
    volumes: tuple[GuestStorage, ...] = ()  # only these are deleted
    snapshot_metadata: bool = False
    nvram: bool = False


@dataclass(frozen=True)
class DeletePlan:
    """What the delete dialog offers for one guest."""

    disks: tuple[GuestStorage, ...]
    snapshots: int  # how many libvirt records (as the snapshots screen lists them)
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
    disks = guest_disks(xml)
    with contextlib.suppress(libvirt.libvirtError):  # (a plan without the names: delete_guest checks again)
        disks = _with_dependents(conn, dom.name(), disks)
    return DeletePlan(
        disks=disks,
        snapshots=dom.snapshotNum(0),
        has_nvram=root.find("os/nvram") is not None,
        active=bool(dom.isActive()),
    )


def _with_dependents(
    conn: libvirt.virConnect, name: str, disks: tuple[GuestStorage, ...]
) -> tuple[GuestStorage, ...]:
    paths = {}
    for disk in disks:
        with contextlib.suppress(libvirt.libvirtError):  # not a volume libvirt knows: not offered
            paths[disk] = _lookup_volume(conn, disk).path()
    needed = _needed(conn, set(paths.values()), name) if paths else {}  # (one pass over the host)
    return tuple(
        replace(disk, needed_by=tuple(sorted(needed[paths[disk]])))
        if disk in paths and paths[disk] in needed
        else disk
        for disk in disks
    )


def _needed(conn: libvirt.virConnect, paths: set[str], name: str) -> dict[str, set[str]]:
    """Path -> the other guests (not ``name``) whose disk is it or an overlay of it."""
    shared, _running = disk_users(conn)
    overlays = overlay_users(conn, paths, shared)
    needed = {path: (overlays.get(path, set()) | shared.get(path, set())) - {name} for path in paths}
    return {path: users for path, users in needed.items() if users}


def _lookup_volume(conn: libvirt.virConnect, disk: GuestStorage) -> libvirt.virStorageVol:
    if disk.pool:
        return conn.storagePoolLookupByName(disk.pool).storageVolLookupByName(disk.volume)
    return conn.storageVolLookupByPath(disk.source)


def delete_guest(conn: libvirt.virConnect, uuid: str, options: DeleteOptions) -> DeleteResult:
    """Undefine, force off if it was running, then delete the ticked volumes.

    Undefine comes first: if libvirt refuses it (snapshots the user chose to keep, say) the guest
    keeps running and every disk stays. A running guest it succeeds on is left transient, and
    the force off then removes it. Volumes are looked up before and deleted after.
    """
    dom = conn.lookupByUUIDString(uuid)
    snapshots = dom.snapshotNum(0)
    if snapshots and not options.snapshot_metadata:
        # libvirt would refuse only while the guest is shut off: say it first, in every state.
        raise DeleteRefused(
            f"it has {snapshots} snapshot(s): tick 'also forget its snapshots', or delete them first (t)"
        )
    volumes = []
    result = DeleteResult()
    for disk in options.volumes:
        try:
            volumes.append((disk, _lookup_volume(conn, disk)))
        except libvirt.libvirtError as exc:
            result.problems.append(f"{disk.source}: {describe_error(exc)}")
    # The storage screen's own guard: a volume another guest's disk reads (a linked clone's base)
    # or has as its disk is never deleted with this guest.
    paths = {volume.path(): disk for disk, volume in volumes}
    if broken := _needed(conn, set(paths), dom.name()):
        raise DeleteRefused(
            "; ".join(f"{paths[p].source} is needed by {', '.join(sorted(u))}" for p, u in broken.items())
            + ": untick it (the guest can go without it), or delete those guests first"
        )
    flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
    if options.snapshot_metadata:
        flags |= libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    if ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).find("os/nvram") is not None:
        # Only guests with NVRAM get an NVRAM flag: some drivers (the test driver) refuse them all.
        keep_or_drop = (
            libvirt.VIR_DOMAIN_UNDEFINE_NVRAM if options.nvram else libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM
        )
        flags |= keep_or_drop
    was_active = dom.isActive()
    dom.undefineFlags(flags)
    result.undefined = True
    if was_active:
        dom.destroy()  # transient now: this removes it
    for disk, volume in volumes:
        try:
            volume.delete(0)
        except libvirt.libvirtError as exc:
            result.problems.append(f"{disk.source}: {describe_error(exc)}")
    return result
