"""Delete on libvirt's test driver: only what is ticked goes."""

from collections.abc import Iterator

import libvirt
import pytest

from tuivirt.backend.ops.lifecycle.delete import (
    DeleteOptions,
    DeleteRefused,
    delete_guest,
    guest_disks,
    plan_delete,
)
from tuivirt.cli import demo_uri


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())
    yield conn
    conn.close()


def volumes(conn: libvirt.virConnect) -> set[str]:
    return set(conn.storagePoolLookupByName("demo-pool").listVolumes())


def test_guest_disks_skip_cdroms() -> None:
    xml = """<domain><devices>
      <disk type='file' device='disk'><source file='/img/a.qcow2'/><target dev='vda'/></disk>
      <disk type='file' device='cdrom'><source file='/iso/x.iso'/><target dev='sda'/></disk>
      <disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='vdb'/></disk>
    </devices></domain>"""
    disks = guest_disks(xml)
    assert [(d.target, d.source, d.pool, d.volume) for d in disks] == [
        ("vda", "/img/a.qcow2", "", ""),
        ("vdb", "p/v", "p", "v"),
    ]


def test_delete_without_volumes_keeps_them(conn: libvirt.virConnect) -> None:
    uuid = conn.lookupByName("web-01").UUIDString()
    plan = plan_delete(conn, uuid)
    assert plan.active and [d.volume for d in plan.disks] == ["web-01.qcow2"]
    result = delete_guest(conn, uuid, DeleteOptions())
    assert result.undefined and result.problems == []
    assert "web-01" not in [d.name() for d in conn.listAllDomains()]
    assert "web-01.qcow2" in volumes(conn)


def test_delete_with_ticked_volume(conn: libvirt.virConnect) -> None:
    uuid = conn.lookupByName("backup").UUIDString()
    plan = plan_delete(conn, uuid)
    delete_guest(conn, uuid, DeleteOptions(volumes=plan.disks))
    assert "backup.qcow2" not in volumes(conn)
    assert "web-01.qcow2" in volumes(conn)


def test_snapshots_must_be_ticked(conn: libvirt.virConnect) -> None:
    dom = conn.lookupByName("web-02")
    dom.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>")
    with pytest.raises(DeleteRefused, match="1 snapshot"):
        delete_guest(conn, dom.UUIDString(), DeleteOptions())
    assert dom.isActive()  # untouched
    delete_guest(conn, dom.UUIDString(), DeleteOptions(snapshot_metadata=True))
    assert "web-02" not in [d.name() for d in conn.listAllDomains()]


def test_a_linked_clones_base_is_never_deleted_with_its_guest(conn: libvirt.virConnect) -> None:
    """Deleting a guest "with storage" once took its linked clone's base: the clone no longer started."""
    pool = conn.storagePoolLookupByName("demo-pool")
    base = pool.storageVolLookupByName("backup.qcow2").path()
    overlay = pool.createXML(
        "<volume><name>backup-linked.qcow2</name><capacity unit='GiB'>1</capacity>"
        f"<target><format type='qcow2'/></target><backingStore><path>{base}</path>"
        "<format type='qcow2'/></backingStore></volume>"
    )
    conn.defineXML(
        "<domain type='test'><name>backup-linked</name><memory>65536</memory><os><type>hvm</type></os>"
        f"<devices><disk type='file' device='disk'><source file='{overlay.path()}'/>"
        "<target dev='vda'/></disk></devices></domain>"
    )
    uuid = conn.lookupByName("backup").UUIDString()
    plan = plan_delete(conn, uuid)
    assert [d.needed_by for d in plan.disks] == [("backup-linked",)]  # the dialog says so, and greys it
    with pytest.raises(DeleteRefused, match="needed by backup-linked"):
        delete_guest(conn, uuid, DeleteOptions(volumes=plan.disks))
    assert "backup.qcow2" in volumes(conn) and conn.lookupByName("backup")  # nothing was changed
    delete_guest(conn, uuid, DeleteOptions())  # without its volume it may go
    assert "backup.qcow2" in volumes(conn)
