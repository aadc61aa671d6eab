"""What a clone starts from: the source guest's definition, its disks with their volumes and pools,
its UEFI variables file, and the checks made before anything is copied."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

import libvirt

from tuivirt.backend.live.models import DomainState
from tuivirt.backend.ops.common.volumes import source_path
from tuivirt.backend.ops.storage.pools import PoolInfo, list_pools
from tuivirt.format import format_bytes

GUEST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
OVERLAY_ROOM = 1024 * 1024  # a new qcow2 overlay's header and first tables: little, but not nothing
# Not paused: QEMU keeps its write lock on a paused guest's disks, and qemu-img refuses to read them
# ("Failed to get shared 'write' lock"): every clone of a paused guest failed.
CLONABLE_STATES = (DomainState.SHUTOFF, DomainState.CRASHED)


class CloneMode(StrEnum):
    FULL = "full copy"
    LINKED = "linked (qcow2 overlay)"


@dataclass(frozen=True)
class SourceDisk:
    target: str
    path: str
    format: str
    shared: bool  # a CD-ROM, a read-only or shareable disk: the clone uses the same file
    pool: str  # "" when the file is in no storage pool
    volume: str
    capacity: int
    allocation: int


@dataclass(frozen=True)
class CloneSource:
    uuid: str
    name: str
    state: DomainState
    xml: str  # the next boot's definition, with secrets (as virsh edit reads it)
    disks: tuple[SourceDisk, ...]
    nvram: str  # the UEFI variables file, or ""
    taken: frozenset[str]  # guest names on the host
    pools: dict[str, PoolInfo]

    @property
    def copied(self) -> tuple[SourceDisk, ...]:
        return tuple(d for d in self.disks if not d.shared)


@dataclass(frozen=True)
class CloneRequest:
    name: str
    mode: CloneMode
    pool: str = ""  # where the new volumes go; "": each in its source's pool


def _source_disk(conn: libvirt.virConnect, disk: ET.Element) -> SourceDisk | None:
    path = source_path(conn, disk.find("source"))
    if not path:
        return None  # an empty CD-ROM drive, a network disk: nothing to copy or to point at
    shared = disk.get("device") in ("cdrom", "floppy") or disk.find("readonly") is not None
    shared = shared or disk.find("shareable") is not None
    driver = disk.find("driver")
    fmt = "raw" if driver is None else driver.get("type", "raw")
    pool = volume = ""
    capacity = allocation = 0
    try:
        vol = conn.storageVolLookupByPath(path)
        pool, volume = vol.storagePoolLookupByVolume().name(), vol.name()
        _kind, capacity, allocation = vol.info()
    except libvirt.libvirtError:
        pass  # in no pool: said by check_clone when it would be copied
    target = disk.find("target")
    return SourceDisk(
        target="" if target is None else target.get("dev", ""),
        path=path,
        format=fmt,
        shared=shared,
        pool=pool,
        volume=volume,
        capacity=capacity,
        allocation=allocation,
    )


def read_clone_source(conn: libvirt.virConnect, uuid: str) -> CloneSource:
    dom = conn.lookupByUUIDString(uuid)
    flags = libvirt.VIR_DOMAIN_XML_SECURE
    if dom.isPersistent():
        flags |= libvirt.VIR_DOMAIN_XML_INACTIVE
    xml = dom.XMLDesc(flags)
    root = ET.fromstring(xml)
    disks = tuple(d for d in (_source_disk(conn, e) for e in root.iterfind("devices/disk")) if d)
    return CloneSource(
        uuid=uuid,
        name=dom.name(),
        state=DomainState.of(dom.state()[0]),
        xml=xml,
        disks=disks,
        nvram=root.findtext("os/nvram", "") or "",
        taken=frozenset(d.name() for d in conn.listAllDomains(0)),
        pools={p.name: p for p in list_pools(conn)},
    )


def clone_refusal(state: DomainState) -> str:
    """Why a guest in ``state`` cannot be cloned now, or ""."""
    if state in CLONABLE_STATES:
        return ""
    if state is DomainState.PAUSED:
        return "it is paused: shut it down first (QEMU keeps its disks locked while it is paused)"
    why = "a running guest's disks change while they are copied"
    return f"it is {state.label}: shut it down first ({why})"


def submit_refusal(conn: libvirt.virConnect, source: CloneSource) -> str:
    """Why the clone cannot go ahead now, read again at submit: the guest started outside since
    the form opened, was undefined, or its definition changed (a stale XML would be cloned)."""
    try:
        now = read_clone_source(conn, source.uuid)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return f"{source.name} is gone from the host (undefined since the form opened)"
        raise
    if refusal := clone_refusal(now.state):
        return refusal
    if now.xml != source.xml:
        return f"the definition of {source.name} changed since the form opened: press C again"
    return ""


def space_needed(source: CloneSource, request: CloneRequest) -> dict[str, int]:
    """Bytes each pool must have free: a full copy takes what the source uses (sparse stays
    sparse), an overlay a little."""
    need: dict[str, int] = defaultdict(int)
    for disk in source.copied:
        pool = request.pool or disk.pool
        if not pool:
            continue  # in no pool: check_clone says so
        need[pool] += disk.allocation if request.mode is CloneMode.FULL else OVERLAY_ROOM
    return dict(need)


def check_clone(request: CloneRequest, source: CloneSource) -> dict[str, str]:
    errors = {}
    if not GUEST_NAME.match(request.name):
        errors["name"] = "letters, digits and _ . + - (a letter or digit first)"
    elif request.name in source.taken:
        errors["name"] = "a guest of that name is on this host"
    outside = [d for d in source.copied if not d.pool]
    if outside:
        disk = outside[0]
        errors["mode"] = f"{disk.target} ({disk.path}) is in no storage pool: define one for its folder (P)"
    for pool_name, need in space_needed(source, request).items():
        pool = source.pools.get(pool_name)
        if pool is None or not pool.active:
            errors["pool"] = f"pool {pool_name} is not running"
        elif need > pool.available:
            errors["pool"] = f"{pool_name}: {format_bytes(need)} needed, {format_bytes(pool.available)} free"
    return errors
