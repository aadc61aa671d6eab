"""The editor's checks and libvirt calls on the test driver: every rule says which field, nothing is
called for a change that fails one, and the next-boot comparison names what differs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import libvirt
import pytest

from tuivirt.backend.live.next_boot import next_boot_changes
from tuivirt.backend.numbers import parse_size_bytes
from tuivirt.backend.ops.common.host_offer import read_offer
from tuivirt.backend.ops.editor.disks import (
    DiskKind,
    DiskRequest,
    added_when,
    check_disk,
    next_target,
    volume_name,
)
from tuivirt.backend.ops.editor.guest_config import GuestConfig, read_config
from tuivirt.backend.ops.editor.nics import NicRequest, check_nic, new_mac, used_macs
from tuivirt.backend.ops.editor.settings import (
    CpuMemoryChange,
    OverviewChange,
    Where,
    apply_boot,
    apply_cpu_memory,
    check_cpu_memory,
    check_overview,
)
from tuivirt.backend.ops.editor.xml_edit import define_edited, xml_diff
from tuivirt.cli import demo_uri

GIB = 1024 * 1024  # KiB


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())  # a fresh in-memory copy of the demo node each time
    yield conn
    conn.close()


def config_of(conn: libvirt.virConnect, name: str) -> GuestConfig:
    return read_config(conn, conn.lookupByName(name).UUIDString())


def values(
    vcpus: str = "2", vcpus_max: str = "2", memory: str = "2G", memory_max: str = "2G"
) -> dict[str, str]:
    return {"vcpus": vcpus, "vcpus_max": vcpus_max, "memory": memory, "memory_max": memory_max}


def test_read_config_of_a_running_guest(conn: libvirt.virConnect) -> None:
    config = config_of(conn, "web-01")
    assert (config.active, config.persistent, config.vcpus, config.memory_kib) == (True, True, 2, 2 * GIB)
    assert [d.target for d in config.disks] == ["vda"] and config.disks[0].now and config.disks[0].next_boot
    assert config.disks[0].path == "/var/lib/libvirt/images/demo/web-01.qcow2"  # a volume disk's file
    assert [n.mac for n in config.nics] == ["52:54:00:00:00:01"] and config.nics[0].link_up
    assert config.where == "now and at next boot"


def test_cpu_memory_rules_name_their_field(conn: libvirt.virConnect) -> None:
    config = config_of(conn, "web-01")  # running, 2 vCPUs of 2, 2 GiB of 2 GiB
    _change, errors = check_cpu_memory(values(vcpus="3", memory="3G"), config, Where.BOTH, 28, 128 * GIB)
    assert errors == {
        "vcpus": "above the maximum of the running guest (2)",
        "memory": "above the maximum of the running guest (2.0 GiB)",
    }
    _change, errors = check_cpu_memory(
        values(vcpus="30", memory_max="200G"), config, Where.NEXT_BOOT, 28, 128 * GIB
    )
    assert errors == {
        "vcpus": "above the host's 28 CPUs",
        "memory_max": "above the host's memory (128.0 GiB)",
    }
    _change, errors = check_cpu_memory(
        values(vcpus="0", memory="lots"), config, Where.NEXT_BOOT, 28, 128 * GIB
    )
    assert errors == {"vcpus": "a whole number, 1 to 4096", "memory": "a size such as 512M or 2G"}
    _change, errors = check_cpu_memory(values(memory_max="4G"), config, Where.NOW, 28, 128 * GIB)
    assert errors == {"memory_max": "a maximum changes at next boot only"}


def test_a_form_left_as_it_was_is_no_change(conn: libvirt.virConnect) -> None:
    config = config_of(conn, "web-01")
    change, errors = check_cpu_memory(values(), config, Where.BOTH, 28, 128 * GIB)
    assert change.empty and not errors


def test_memory_for_the_next_boot_only_is_a_pending_change(conn: libvirt.virConnect) -> None:
    config = config_of(conn, "web-01")
    change, errors = check_cpu_memory(
        values(memory="3G", memory_max="4G"), config, Where.NEXT_BOOT, 28, 128 * GIB
    )
    assert not errors
    apply_cpu_memory(conn, config, change)
    dom = conn.lookupByName("web-01")
    assert dom.info()[2] == 2 * GIB  # running: as it was
    changes = next_boot_changes(dom.XMLDesc(0), dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert changes == ("maximum memory 2.0 GiB → 4.0 GiB", "memory 2.0 GiB → 3.0 GiB")


def test_overview_rules(conn: libvirt.virConnect) -> None:
    running, shut_off = config_of(conn, "web-01"), config_of(conn, "backup")
    taken = frozenset({"web-01", "backup", "web-02"})
    assert check_overview(OverviewChange("web-9", "", "", False), running, taken) == {
        "name": "rename needs the guest shut off"
    }
    assert check_overview(OverviewChange("web-02", "", "", True), shut_off, taken)["name"] == (
        "another guest on this host has this name"
    )
    assert "name" in check_overview(OverviewChange("-bad name", "", "", True), shut_off, taken)
    assert check_overview(OverviewChange("archive", "t", "d", True), shut_off, taken) == {}


def test_boot_order_is_written_in_order(conn: libvirt.virConnect) -> None:
    config = config_of(conn, "backup")
    apply_boot(conn, config, ("cdrom", "hd", "network"), True)
    after = config_of(conn, "backup")
    assert after.boot_order == ("cdrom", "hd", "network") and after.boot_menu


def test_disk_rules(conn: libvirt.virConnect) -> None:
    config, offer = config_of(conn, "backup"), read_offer(conn, "demo", demo_uri())
    assert next_target(config.disks, "virtio") == "vdb" and next_target(config.disks, "sata") == "sda"
    request = DiskRequest(DiskKind.NEW, "vda", "virtio", "demo-pool", "5G")
    assert check_disk(request, config, offer) == {"target": "taken by another disk of this guest"}
    assert check_disk(replace(request, target="sdb"), config, offer) == {"target": "vda, vdb … on bus virtio"}
    assert check_disk(replace(request, target="vdb", size="x", pool="nope"), config, offer) == {
        "size": "a size such as 10G or 512M",
        "pool": "no such pool on this host",
    }
    assert check_disk(replace(request, target="vdb", size="100G", format="raw"), config, offer) == {
        "size": "the pool has 60.0 GiB free"
    }
    cdrom = DiskRequest(DiskKind.CDROM, "vdb", "virtio")
    assert check_disk(cdrom, config, offer) == {"bus": "a CD-ROM goes on sata, scsi or ide"}
    running = config_of(conn, "web-01")  # an empty SCSI CD-ROM does not hot-plug; sata waits for next boot
    empty_scsi = DiskRequest(DiskKind.CDROM, "sdb", "scsi")
    assert "does not hot-plug" in check_disk(empty_scsi, running, offer)["path"]
    assert check_disk(replace(empty_scsi, path="/iso/x.iso"), running, offer) == {}
    assert check_disk(empty_scsi, config, offer) == {}  # shut off: at next boot, as any drive
    assert (
        added_when(replace(empty_scsi, bus="sata"), running) == "at next boot (a sata disk does not hot-plug)"
    )
    assert added_when(empty_scsi, running) == running.where
    assert parse_size_bytes("10") == 10 * 1024**3 and parse_size_bytes("512M") == 512 * 1024**2
    assert parse_size_bytes("lots") is None
    taken = {"backup-vdb.qcow2", "backup-vdb-2.qcow2"}
    assert volume_name(config, replace(request, target="vdb"), taken) == "backup-vdb-3.qcow2"


def test_nic_rules(conn: libvirt.virConnect) -> None:
    offer = read_offer(conn, "demo", demo_uri())
    macs = used_macs(conn)
    assert "52:54:00:00:00:01" in macs and new_mac(macs) not in macs
    request = NicRequest("network", "demo-net", "virtio", "52:54:00:00:00:01")
    assert check_nic(request, offer, macs) == {"mac": "already used on this host"}
    assert check_nic(replace(request, mac="53:54:00:00:00:99"), offer, macs) == {
        "mac": "a multicast address (odd first byte)"
    }
    assert check_nic(replace(request, mac="00:00:00:00:00:00"), offer, macs) == {
        "mac": "the all-zero address is no interface's"
    }
    assert check_nic(replace(request, mac="52:54"), offer, macs) == {
        "mac": "six hex pairs: 52:54:00:12:34:56"
    }
    assert check_nic(replace(request, mac="", source="nope"), offer, macs) == {
        "source": "no such network on this host"
    }
    assert check_nic(NicRequest("bridge", "", "virtio"), offer, macs) == {"source": "the bridge's name (br0)"}


def test_an_edit_that_changes_the_uuid_is_refused(conn: libvirt.virConnect) -> None:
    dom = conn.lookupByName("backup")
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    other = xml.replace(dom.UUIDString(), "6d3c5a5e-0000-4000-8000-0000000000ff")
    with pytest.raises(ValueError, match="the UUID changed"):
        define_edited(conn, dom.UUIDString(), other)
    with pytest.raises(ValueError, match="not well-formed"):
        define_edited(conn, dom.UUIDString(), "<domain>")
    assert xml_diff(xml, xml, "backup") == ""
    assert "+  <title>x</title>" in xml_diff(
        xml, xml.replace("</name>", "</name>\n  <title>x</title>"), "backup"
    )


def test_a_refused_step_undoes_the_ones_before(conn: libvirt.virConnect) -> None:
    """The maximum is raised first; the running guest then refuses 3 vCPUs (its own maximum is 2):
    the raised maximum goes back, nothing is left half-changed."""
    config = config_of(conn, "web-01")
    change = CpuMemoryChange(Where.BOTH, vcpus=3, vcpus_max=4)
    with pytest.raises(libvirt.libvirtError):
        apply_cpu_memory(conn, config, change)
    assert config_of(conn, "web-01").vcpus_max == 2
