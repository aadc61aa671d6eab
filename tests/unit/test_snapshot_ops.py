"""Guest snapshots on libvirt's test driver (it keeps snapshots in memory, like the QEMU driver's
metadata): the tree, create, revert, delete, and what is refused before it is tried. The test
driver has no metadata-only delete (VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY): the real daemon's
tests cover that mode."""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from tuivirt.backend.live.connection import describe_error, open_connection
from tuivirt.backend.live.models import DomainState
from tuivirt.backend.ops.snapshots.snapshots import (
    DeleteMode,
    Snapshot,
    SnapshotRequest,
    SnapshotTaken,
    create_flags,
    create_snapshot,
    default_name,
    delete_snapshot,
    internal_capable,
    list_snapshots,
    name_problem,
    revert_refusal,
    revert_snapshot,
)
from tuivirt.cli import demo_uri


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())  # a fresh in-memory copy of the demo node each time
    yield conn
    conn.close()


def uuid_of(conn: libvirt.virConnect, name: str) -> str:
    return str(conn.lookupByName(name).UUIDString())


def tree(conn: libvirt.virConnect, uuid: str) -> list[tuple[int, str, bool]]:
    return [(s.depth, s.name, s.current) for s in list_snapshots(conn, uuid)]


def test_the_tree_nests_children_and_marks_the_current_one(conn: libvirt.virConnect) -> None:
    web = uuid_of(conn, "web-01")
    create_snapshot(conn, web, SnapshotRequest("one", "before the upgrade"))
    create_snapshot(conn, web, SnapshotRequest("two"))
    revert_snapshot(conn, web, "one")
    create_snapshot(conn, web, SnapshotRequest("three"))
    # Siblings oldest first; libvirt counts in seconds, so these three tie and go by name.
    assert tree(conn, web) == [(0, "one", False), (1, "three", True), (1, "two", False)]
    one = list_snapshots(conn, web)[0]
    assert one.description == "before the upgrade" and one.state is DomainState.RUNNING
    assert one.kind == "internal, with memory" and one.created > 0


def test_revert_brings_back_the_recorded_state_or_keeps_it_paused(conn: libvirt.virConnect) -> None:
    backup = uuid_of(conn, "backup")  # shut off
    dom = conn.lookupByUUIDString(backup)
    create_snapshot(conn, backup, SnapshotRequest("off"))
    dom.create()
    revert_snapshot(conn, backup, "off")
    assert dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    web = uuid_of(conn, "web-01")
    create_snapshot(conn, web, SnapshotRequest("up"))
    revert_snapshot(conn, web, "up", paused=True)
    assert conn.lookupByUUIDString(web).state()[0] == libvirt.VIR_DOMAIN_PAUSED


@pytest.mark.parametrize(
    ("mode", "left", "said"),
    [
        (DeleteMode.ALONE, [(0, "root"), (1, "b"), (1, "c")], "deleted a"),  # a's child moves up to root
        (DeleteMode.WITH_CHILDREN, [(0, "root"), (1, "c")], "deleted a, b"),
        (DeleteMode.CHILDREN_ONLY, [(0, "root"), (1, "a"), (1, "c")], "deleted b; a stays"),
    ],
)
def test_delete_in_each_mode_says_what_went(
    conn: libvirt.virConnect, mode: DeleteMode, left: list[tuple[int, str]], said: str
) -> None:
    web = uuid_of(conn, "web-01")
    for name, parent in [("root", None), ("a", "root"), ("b", "a"), ("c", "root")]:
        if parent is not None:
            revert_snapshot(conn, web, parent)
        create_snapshot(conn, web, SnapshotRequest(name))
    assert delete_snapshot(conn, web, "a", mode) == said
    assert [(depth, name) for depth, name, _current in tree(conn, web)] == left


def test_names_are_checked_before_libvirt_sees_them() -> None:
    taken = {"before-upgrade"}
    assert name_problem("", taken) == "a name is needed"
    assert "already has" in name_problem("before-upgrade", taken)
    assert name_problem("a/b", taken) and name_problem("-x", taken) and name_problem(".hidden", taken)
    assert name_problem("pre_9.0:upgrade+1", taken) == ""
    first = default_name(set(), now=0)
    assert first.startswith("snap-") and default_name({first}, now=0) == f"{first}-2"


def test_an_external_snapshot_cannot_be_reverted_before_libvirt_9_7() -> None:
    external = Snapshot("disk", None, 0, DomainState.RUNNING, True, False, "", False)
    assert revert_refusal(external, 9_000_000) == (
        "reverting an external snapshot needs libvirt 9.7 or later; this host has 9.0"
    )
    assert revert_refusal(external, 9_007_000) == ""
    assert (
        revert_refusal(Snapshot("mem", None, 0, DomainState.RUNNING, False, True, "", True), 9_000_000) == ""
    )


def test_a_name_libvirt_already_has_is_its_error(conn: libvirt.virConnect) -> None:
    web = uuid_of(conn, "web-01")
    create_snapshot(conn, web, SnapshotRequest("one"))
    with pytest.raises(libvirt.libvirtError, match="already exists"):
        create_snapshot(conn, web, SnapshotRequest("one"))


RAW_DISK = (
    "<domain><devices><disk device='disk'><driver name='qemu' type='raw'/></disk>"
    "<disk device='cdrom'><driver name='qemu' type='raw'/><readonly/></disk></devices></domain>"
)
QCOW2_DISK = RAW_DISK.replace("type='raw'/></disk><disk", "type='qcow2'/></disk><disk")


def test_internal_where_every_writable_disk_is_qcow2_external_otherwise() -> None:
    assert internal_capable(QCOW2_DISK) and not internal_capable(RAW_DISK)  # the CD-ROM does not count
    disk_only = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
    assert create_flags(SnapshotRequest("m"), running=True, internal_ok=True) == 0
    assert create_flags(SnapshotRequest("d", memory=False), running=True, internal_ok=True) == disk_only
    assert create_flags(SnapshotRequest("off"), running=False, internal_ok=True) == 0
    assert create_flags(SnapshotRequest("off", external=True), running=False, internal_ok=True) == disk_only
    assert create_flags(SnapshotRequest("off"), running=False, internal_ok=False) == disk_only
    with pytest.raises(ValueError, match="needs every disk in qcow2: take a disk-only one"):
        create_flags(SnapshotRequest("m"), running=True, internal_ok=False)


def test_what_was_taken_says_how_consistent_it_is(conn: libvirt.virConnect) -> None:
    assert create_snapshot(conn, uuid_of(conn, "web-01"), SnapshotRequest("m")).note == "with its memory"
    off = create_snapshot(conn, uuid_of(conn, "backup"), SnapshotRequest("off"))
    assert off == SnapshotTaken("off", "internal, of a shut-off guest")


def test_a_read_only_connection_is_refused_by_libvirt_in_one_line() -> None:
    conn = open_connection(demo_uri(), readonly=True)
    try:
        with pytest.raises(libvirt.libvirtError) as raised:
            create_snapshot(conn, uuid_of(conn, "web-01"), SnapshotRequest("ro"))
        message = describe_error(raised.value)
        assert "read only access prevents" in message and "\n" not in message
    finally:
        conn.close()
