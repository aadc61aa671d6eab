"""The osinfo reader (a database of our own and Debian's), the details reader on the test driver,
and which figure the memory % comes from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tuivirt.backend.live.poller import _memory_used
from tuivirt.backend.ops.create.osinfo import GENERIC, find_variant, load_variants
from tuivirt.backend.ops.details.guest_details import read_details
from tuivirt.cli import demo_uri

GIB = 1024**3


def _os(folder: Path, name: str, body: str) -> None:
    path = folder / "example.org" / f"{name}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<libosinfo version='0.0.1'>{body}</libosinfo>")


def test_variants_inherit_resources_and_virtio_along_derives_from(tmp_path: Path) -> None:
    _os(
        tmp_path,
        "base",
        "<os id='http://example.org/base/1'><short-id>base1</short-id><name>Base 1</name>"
        "<devices><device id='http://pcisig.com/pci/1af4/1041'/></devices>"
        "<resources arch='aarch64'><recommended><ram>99999999999</ram></recommended></resources>"
        f"<resources arch='all'><minimum><ram>{512 * 1024**2}</ram><n-cpus>1</n-cpus></minimum>"
        f"<recommended><ram>{2 * GIB}</ram><n-cpus>2</n-cpus><storage>{20 * GIB}</storage></recommended>"
        "</resources></os>",
    )
    _os(
        tmp_path,
        "child",
        "<os id='http://example.org/child/2'><short-id>child2</short-id><name>a Child 2</name>"
        "<derives-from id='http://example.org/base/1'/></os>",
    )
    _os(tmp_path, "old", "<os id='http://example.org/old/1'><short-id>old1</short-id><name>Old</name></os>")
    (tmp_path / "example.org" / "broken.xml").write_text("<libosinfo><os")
    variants = load_variants((tmp_path, tmp_path / "missing"))
    assert [v.short_id for v in variants] == ["generic", "child2", "base1", "old1"]  # generic, then by name
    base, child, old = variants[2], variants[1], variants[3]
    assert (base.memory_mib, base.vcpus, base.disk_gib, base.virtio) == (2048, 2, 20, True)
    assert (child.memory_mib, child.vcpus, child.disk_gib, child.virtio) == (2048, 2, 20, True)
    assert child.os_id == "http://example.org/child/2"
    assert (old.memory_mib, old.vcpus, old.disk_gib, old.virtio) == (1024, 1, 10, False)  # generic sizes


def test_debian_osinfo_database_is_read() -> None:
    """setup-host.sh installs osinfo-db: the form's variants come from it."""
    debian = find_variant("debian11")
    assert debian is not None and debian.virtio and debian.memory_mib >= 512
    assert find_variant("generic") is GENERIC and find_variant("no-such-os") is None
    assert len(load_variants()) > 100


@pytest.fixture
def demo() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())
    yield conn
    conn.close()


def test_details_of_disks_and_interfaces(demo: libvirt.virConnect) -> None:
    dom = demo.defineXML(
        "<domain type='test'><name>details</name><memory>65536</memory><os><type>hvm</type></os><devices>"
        "<disk type='volume' device='disk'><source pool='demo-pool' volume='backup.qcow2'/>"
        "<target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>"
        "<disk type='file' device='disk'><source file='/images/data.raw'/>"
        "<target dev='vdb' bus='virtio'/></disk>"
        "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:AA:00:01'/>"
        "<model type='e1000'/></interface>"
        "</devices></domain>"
    )
    details = read_details(demo, dom.UUIDString())
    assert sorted((d.target, d.device, d.source) for d in details.disks) == [
        ("sda", "cdrom", "(empty)"),
        ("vda", "disk", "demo-pool/backup.qcow2"),
        ("vdb", "disk", "/images/data.raw"),
    ]
    volume = next(d for d in details.disks if d.target == "vda")
    assert volume.capacity is not None and volume.capacity > 0
    (nic,) = details.nics
    assert (nic.mac, nic.source, nic.model, nic.addresses) == ("52:54:00:aa:00:01", "bridge br0", "e1000", ())
    assert "<name>details</name>" in details.xml


def test_a_running_guest_shows_its_addresses(demo: libvirt.virConnect) -> None:
    uuid = demo.lookupByName("db-primary").UUIDString()
    (nic,) = read_details(demo, uuid).nics
    expected = demo.lookupByName("db-primary").interfaceAddresses(0)["testnet0"]["addrs"][0]
    assert nic.addresses == (f"{expected['addr']}/{expected['prefix']}",)


@pytest.mark.parametrize(
    ("stats", "used"),
    [
        ({"balloon.available": 1000, "balloon.unused": 300, "balloon.rss": 900}, 700),  # the guest's view
        ({"balloon.rss": 900, "balloon.current": 1024}, 900),  # no balloon driver: QEMU's resident size
        ({"balloon.unused": 300, "balloon.rss": 900}, 900),  # half a report is no report
        ({"balloon.current": 1024}, None),
    ],
)
def test_memory_in_use_prefers_the_guests_own_figure(stats: dict[str, int], used: int | None) -> None:
    assert _memory_used(stats) == used
