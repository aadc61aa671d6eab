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
    memory: bool = True  # a running guest's memory too (internal); else its disks only
    external: bool = False  # each disk gets an overlay file (always so for disk-only of a running guest)


@dataclass(frozen=True)
class SnapshotTaken:
    name: str
    note: str  # how consistent it is: "with memory", "file systems quiesced", "crash-consistent only: …"


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


def memory_snapshot_refusal(conn: libvirt.virConnect, uuid: str) -> str:
    """Why a snapshot with memory cannot be taken of the guest ("" when it can): it is internal,
    and internal snapshots live in qcow2 files. Read with the list, so the form offers only what works."""
    if internal_capable(conn.lookupByUUIDString(uuid).XMLDesc(0)):
        return ""
    return "with memory needs every disk in qcow2 (an internal snapshot): this guest has another kind"


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


def internal_capable(domain_xml: str) -> bool:
    """Internal snapshots live inside qcow2 files: every writable disk must be one."""
    for disk in ET.fromstring(domain_xml).iterfind("devices/disk"):
        if disk.get("device", "disk") != "disk" or disk.find("readonly") is not None:
            continue
        driver = disk.find("driver")
        if driver is None or driver.get("type") != "qcow2":
            return False
    return True


def create_flags(request: SnapshotRequest, running: bool, internal_ok: bool) -> int:
    """A running guest: internal with its memory, or disk-only (which QEMU makes external). A shut-off
    guest: internal where every disk is qcow2 and external was not chosen, else external overlays."""
    if running and request.memory:
        if not internal_ok:
            raise ValueError(
                "a snapshot with memory is internal and needs every disk in qcow2: take a disk-only one"
            )
        return 0
    if running or request.external or not internal_ok:
        return int(libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    return 0


# The guest agent is not configured, not connected, or does not answer: quiescing cannot happen.
AGENT_ERRORS = {
    libvirt.VIR_ERR_AGENT_UNRESPONSIVE,
    libvirt.VIR_ERR_AGENT_UNSYNCED,
    libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
    libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
}


def create_snapshot(conn: libvirt.virConnect, uuid: str, request: SnapshotRequest) -> SnapshotTaken:
    """Take the snapshot. A running guest's disk-only snapshot first asks the guest agent to freeze
    its file systems; without an agent it is taken anyway and said to be crash-consistent only."""
    dom = conn.lookupByUUIDString(uuid)
    running = bool(dom.isActive())
    flags = create_flags(request, running, internal_capable(dom.XMLDesc(0)))
    xml = snapshot_xml(request)
    if flags == 0:
        note = "with its memory" if running else "internal, of a shut-off guest"
        return SnapshotTaken(str(dom.snapshotCreateXML(xml, 0).getName()), note)
    if not running:
        taken = dom.snapshotCreateXML(xml, flags)
        return SnapshotTaken(str(taken.getName()), "external, of a shut-off guest")
    try:
        quiesced = dom.snapshotCreateXML(xml, flags | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE)
        return SnapshotTaken(str(quiesced.getName()), "file systems quiesced by the guest agent")
    except libvirt.libvirtError as exc:
        if exc.get_error_code() not in AGENT_ERRORS:
            raise
        why = (exc.get_error_message() or "no guest agent").split(": ")[-1]
    crash_consistent = dom.snapshotCreateXML(xml, flags)
    return SnapshotTaken(str(crash_consistent.getName()), f"crash-consistent only (not quiesced: {why})")


def revert_snapshot(conn: libvirt.virConnect, uuid: str, name: str, *, paused: bool = False) -> None:
    dom = conn.lookupByUUIDString(uuid)
    snapshot = dom.snapshotLookupByName(name, 0)
    refusal = revert_refusal(parse(snapshot.getXMLDesc(0), False), conn.getLibVersion())
    if refusal:
        raise ValueError(refusal)
    dom.revertToSnapshot(snapshot, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED if paused else 0)


def delete_snapshot(conn: libvirt.virConnect, uuid: str, name: str, mode: DeleteMode) -> str:
    """What libvirt deleted, by name, as its snapshot list says after ("Children" once reported the
    parent deleted: it stays, its children go)."""
    dom = conn.lookupByUUIDString(uuid)
    busy = block_jobs(dom)
    if busy:
        raise ValueError(f"a block job runs on {', '.join(busy)}: wait for it to end")
    before = [s.getName() for s in dom.listAllSnapshots(0)]
    dom.snapshotLookupByName(name, 0).delete(DELETE_FLAGS[mode])
    after = {s.getName() for s in dom.listAllSnapshots(0)}
    gone = sorted(n for n in before if n not in after)
    if not gone:
        return "nothing was deleted (it has no children)" if mode is DeleteMode.CHILDREN_ONLY else "none gone"
    words = f"deleted {', '.join(gone)}"
    if mode is DeleteMode.METADATA_ONLY:
        words = f"libvirt forgot {', '.join(gone)} (the disk data stays)"
    return words + (f"; {name} stays" if name in after else "")


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
