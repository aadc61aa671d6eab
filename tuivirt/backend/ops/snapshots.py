"""Guest snapshots: the tree, create, revert, delete (virsh snapshot-list/-create/-revert/-delete).

Plain functions on a connection, called on a host's thread. What libvirt cannot do on this host is
said before anything is tried: reverting an external snapshot needs libvirt 9.7 (this Debian has
9.0, whose error is "revert to external snapshot not supported yet").
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from enum import StrEnum

import libvirt

from tuivirt.backend.live.models import DomainState

EXTERNAL_REVERT_VERSION = 9_007_000  # libvirt 9.7.0: the first to revert external snapshots
# libvirt refuses "/" in a snapshot name; a leading "." or "-" would read as a file or an option.
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]*")
STATES = {
    "running": DomainState.RUNNING,
    "blocked": DomainState.BLOCKED,
    "paused": DomainState.PAUSED,
    "shutdown": DomainState.SHUTDOWN,
    "shutoff": DomainState.SHUTOFF,
    "crashed": DomainState.CRASHED,
    "pmsuspended": DomainState.PMSUSPENDED,
    "disk-snapshot": DomainState.SHUTOFF,  # a disk-only snapshot records no running state
}


class DeleteMode(StrEnum):
    ALONE = "the snapshot alone (its children move to its parent)"
    WITH_CHILDREN = "the snapshot and its children"
    CHILDREN_ONLY = "its children only"
    METADATA_ONLY = "libvirt's record only (the disk data stays)"


DELETE_FLAGS = {
    DeleteMode.ALONE: 0,
    DeleteMode.WITH_CHILDREN: libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
    DeleteMode.CHILDREN_ONLY: libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
    DeleteMode.METADATA_ONLY: libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY,
}


@dataclass(frozen=True)
class Snapshot:
    name: str
    parent: str | None
    created: int  # seconds since the epoch
    state: DomainState  # the guest's state when taken
    external: bool  # some disk (or the memory) lives in a file of its own
    memory: bool  # the guest's memory was saved: a revert resumes where it was
    description: str
    current: bool
    depth: int = 0  # in the tree: 0 for a root

    @property
    def kind(self) -> str:
        where = "external" if self.external else "internal"
        return f"{where}, {'with memory' if self.memory else 'disk only'}"


@dataclass(frozen=True)
class SnapshotRequest:
    name: str
    description: str = ""
    memory: bool = True  # for a running guest; else disk-only
    external: bool = False  # disk-only, each disk gets an overlay file
    quiesce: bool = False  # disk-only, and needs the guest agent


def parse(xml: str, current: bool) -> Snapshot:
    root = ET.fromstring(xml)
    memory = root.find("memory")
    memory_kind = memory.get("snapshot", "no") if memory is not None else "no"
    disks = [d.get("snapshot", "") for d in root.iterfind("disks/disk")]
    return Snapshot(
        name=root.findtext("name", ""),
        parent=root.findtext("parent/name"),
        created=int(root.findtext("creationTime", "0")),
        state=STATES.get(root.findtext("state", ""), DomainState.NOSTATE),
        external=memory_kind == "external" or "external" in disks,
        memory=memory_kind in ("internal", "external"),
        description=root.findtext("description", ""),
        current=current,
    )


def in_tree_order(snapshots: list[Snapshot]) -> list[Snapshot]:
    """Parents before their children (siblings oldest first, by name within one second), each
    with its depth."""
    children: dict[str | None, list[Snapshot]] = {}
    names = {s.name for s in snapshots}
    for s in snapshots:
        children.setdefault(s.parent if s.parent in names else None, []).append(s)
    ordered: list[Snapshot] = []

    def walk(parent: str | None, depth: int) -> None:
        for s in sorted(children.get(parent, []), key=lambda s: (s.created, s.name)):
            ordered.append(replace(s, depth=depth))
            walk(s.name, depth + 1)

    walk(None, 0)
    return ordered


def list_snapshots(conn: libvirt.virConnect, uuid: str) -> list[Snapshot]:
    dom = conn.lookupByUUIDString(uuid)
    found = [parse(s.getXMLDesc(0), bool(s.isCurrent())) for s in dom.listAllSnapshots(0)]
    return in_tree_order(found)


def default_name(taken: set[str], now: float | None = None) -> str:
    """snap-20261201-1432, or with -2, -3 … when that is taken."""
    base = time.strftime("snap-%Y%m%d-%H%M", time.localtime(now))
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def name_problem(name: str, taken: set[str]) -> str:
    """What is wrong with a new snapshot's name ("" when nothing)."""
    if not name:
        return "a name is needed"
    if not NAME.fullmatch(name):
        return "letters, digits and _ . : + - only, not first . or -"
    if name in taken:
        return f"this guest already has a snapshot called {name}"
    return ""


def revert_refusal(snapshot: Snapshot, lib_version: int) -> str:
    """Why this host's libvirt cannot revert to ``snapshot`` ("" when it can)."""
    if snapshot.external and lib_version < EXTERNAL_REVERT_VERSION:
        major, minor = lib_version // 1_000_000, lib_version // 1000 % 1000
        return f"reverting an external snapshot needs libvirt 9.7 or later; this host has {major}.{minor}"
    return ""


def snapshot_xml(request: SnapshotRequest) -> str:
    root = ET.Element("domainsnapshot")
    ET.SubElement(root, "name").text = request.name
    if request.description:
        ET.SubElement(root, "description").text = request.description
    return ET.tostring(root, encoding="unicode")


def create_flags(request: SnapshotRequest, running: bool) -> int:
    """Internal with the memory of a running guest by default; disk-only (external overlay files,
    the guest's memory not saved) when asked or when external. Quiescing needs disk-only."""
    disk_only = request.external or (running and not request.memory)
    flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY if disk_only else 0
    if disk_only and request.quiesce:
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
    return flags


def create_snapshot(conn: libvirt.virConnect, uuid: str, request: SnapshotRequest) -> str:
    dom = conn.lookupByUUIDString(uuid)
    running = bool(dom.isActive())
    snapshot = dom.snapshotCreateXML(snapshot_xml(request), create_flags(request, running))
    return str(snapshot.getName())


def revert_snapshot(conn: libvirt.virConnect, uuid: str, name: str, *, paused: bool = False) -> None:
    dom = conn.lookupByUUIDString(uuid)
    snapshot = dom.snapshotLookupByName(name, 0)
    refusal = revert_refusal(parse(snapshot.getXMLDesc(0), False), conn.getLibVersion())
    if refusal:
        raise ValueError(refusal)
    dom.revertToSnapshot(snapshot, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED if paused else 0)


def delete_snapshot(conn: libvirt.virConnect, uuid: str, name: str, mode: DeleteMode) -> None:
    dom = conn.lookupByUUIDString(uuid)
    busy = block_jobs(dom)
    if busy:
        raise ValueError(f"a block job runs on {', '.join(busy)}: wait for it to end")
    dom.snapshotLookupByName(name, 0).delete(DELETE_FLAGS[mode])


def block_jobs(dom: libvirt.virDomain) -> list[str]:
    """The guest's disks with a block job under way (a copy, a commit, a pull)."""
    if not dom.isActive():
        return []
    targets = [t.get("dev", "") for t in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/disk/target")]
    busy = []
    for target in targets:
        try:
            if dom.blockJobInfo(target, 0):
                busy.append(target)
        except libvirt.libvirtError:
            continue  # a disk that has no job support (the test driver): none running
    return busy
