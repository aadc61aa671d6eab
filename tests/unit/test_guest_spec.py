"""The spec checker and XML builder: rules by example, and properties over any input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import libvirt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuivirt.backend.ops.common.host_offer import (
    DISK_BUSES,
    DISK_FORMATS,
    NIC_MODELS,
    HostOffer,
    PoolOffer,
    read_offer,
)
from tuivirt.backend.ops.create.create_guest import CreateError, create_guest
from tuivirt.backend.ops.create.guest_spec import (
    DiskMode,
    Firmware,
    Graphics,
    GuestSpec,
    InstallMode,
    NetMode,
    check,
    domain_xml,
    volume_xml,
)
from tuivirt.cli import demo_uri

OFFER = HostOffer(
    host_name="kvm1",
    existing_names=frozenset({"web-01"}),
    free_memory_mib=4096,
    max_vcpus=8,
    virt_types=("kvm", "qemu"),
    arches=("x86_64",),
    machines={"x86_64": ("pc", "q35")},
    uefi_loader="/usr/share/OVMF/OVMF_CODE_4M.fd",
    pools={
        "default": PoolOffer("default", True, 50 * 1024**3, frozenset({"taken.qcow2"})),
        "off": PoolOffer("off", False, 0),
    },
    networks={"default": True, "lab": False},
    known_files=frozenset({"/isos/debian.iso", "/images/disk.qcow2", "/boot/vmlinuz"}),
)
GOOD = GuestSpec(name="new-guest", iso_path="/isos/debian.iso")


def errors(**changes: object) -> dict[str, str]:
    return check(replace(GOOD, **changes), OFFER).errors  # type: ignore[arg-type]


def test_good_spec_passes() -> None:
    assert check(GOOD, OFFER).ok


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": ""}, "name", "needed"),
        ({"name": "web-01"}, "name", "already has a guest called web-01"),
        ({"name": "bad name"}, "name", "letters, digits"),
        ({"name": "-lead"}, "name", "starting with"),
        ({"name": "x" * 65}, "name", "at most 64"),
        ({"memory_mib": 32}, "memory", "at least 64 MiB"),
        ({"vcpus": 0}, "vcpus", "1 to 8"),
        ({"vcpus": 9}, "vcpus", "1 to 8"),
        ({"virt_type": "xen"}, "virt_type", "kvm, qemu"),
        ({"machine": "virt"}, "machine", "not a x86_64 machine"),
        ({"disk_pool": "nope"}, "disk_pool", "no storage pool 'nope'"),
        ({"disk_pool": "off"}, "disk_pool", "not active"),
        ({"name": "taken"}, "disk_pool", "already has a volume taken.qcow2"),
        ({"disk_gib": 0}, "disk_gib", "above 0"),
        ({"disk_gib": 51}, "disk_gib", "50.0 GiB free"),
        ({"disk_mode": DiskMode.EXISTING, "disk_path": ""}, "disk_path", "path"),
        ({"iso_path": ""}, "iso_path", "ISO"),
        ({"install": InstallMode.IMPORT}, "install", "existing disk"),
        ({"install": InstallMode.KERNEL}, "kernel", "kernel"),
        ({"install": InstallMode.PXE, "net_mode": NetMode.NONE}, "install", "needs a network"),
        ({"network": "nope"}, "network", "no virtual network"),
        ({"net_mode": NetMode.BRIDGE, "bridge": "not a bridge!"}, "bridge", "br0"),
        ({"iso_path": "/isos/debian\t.iso"}, "iso_path", "no control characters"),
        (
            {"install": InstallMode.KERNEL, "kernel": "/boot/vmlinuz", "cmdline": "console=ttyS0\x00"},
            "cmdline",
            "no control characters",
        ),
    ],
)
def test_each_rule_names_its_field(changes: dict[str, object], field: str, words: str) -> None:
    found = errors(**changes)
    assert field in found, found
    assert words in found[field]


def test_missing_local_file_is_caught_but_remote_paths_are_left_to_libvirt(tmp_path: Path) -> None:
    iso = tmp_path / "here.iso"
    iso.write_bytes(b"")
    local = replace(OFFER, local=True)
    assert check(replace(GOOD, iso_path=str(iso)), local).ok
    assert (
        "no such file on kvm1"
        in check(replace(GOOD, iso_path=str(tmp_path / "gone.iso")), local).errors["iso_path"]
    )
    assert check(replace(GOOD, iso_path="/remote/only.iso"), OFFER).ok


def test_warnings_do_not_block() -> None:
    result = check(replace(GOOD, memory_mib=8192, network="lab"), OFFER)
    assert result.ok
    assert "free memory" in result.warnings["memory"]
    assert "not active" in result.warnings["network"]


def test_uefi_only_where_offered() -> None:
    assert check(replace(GOOD, firmware=Firmware.UEFI), OFFER).ok
    assert (
        "no UEFI"
        in check(replace(GOOD, firmware=Firmware.UEFI), replace(OFFER, uefi_loader="")).errors["firmware"]
    )


def test_xml_has_what_was_asked() -> None:
    spec = replace(GOOD, machine="q35", firmware=Firmware.UEFI, os_id="http://debian.org/debian/12")
    root = ET.fromstring(domain_xml(spec, OFFER, "/pool/new-guest.qcow2"))
    assert root.get("type") == "kvm" and root.findtext("name") == "new-guest"
    assert root.find("os").get("firmware") == "efi"  # type: ignore[union-attr]
    assert root.find("os/type").get("machine") == "q35"  # type: ignore[union-attr]
    assert [b.get("dev") for b in root.iterfind("os/boot")] == ["cdrom", "hd"]
    assert root.find("devices/disk[@device='disk']/source").get("file") == "/pool/new-guest.qcow2"  # type: ignore[union-attr]
    assert root.find("devices/disk[@device='cdrom']/source").get("file") == "/isos/debian.iso"  # type: ignore[union-attr]
    assert root.find("devices/interface/source").get("network") == "default"  # type: ignore[union-attr]
    assert root.find("devices/console/target").get("type") == "serial"  # type: ignore[union-attr]
    assert root.find("devices/graphics") is None
    vol = ET.fromstring(volume_xml(spec))
    assert vol.findtext("name") == "new-guest.qcow2" and vol.find("target/format").get("type") == "qcow2"  # type: ignore[union-attr]


def test_direct_kernel_boot_xml() -> None:
    spec = replace(
        GOOD, install=InstallMode.KERNEL, kernel="/boot/vmlinuz", initrd="", cmdline="console=ttyS0"
    )
    root = ET.fromstring(domain_xml(spec, OFFER))
    assert root.findtext("os/kernel") == "/boot/vmlinuz" and root.findtext("os/cmdline") == "console=ttyS0"
    assert root.find("os/boot") is None and root.find("devices/disk[@device='cdrom']") is None


# -- properties ------------------------------------------------------------------------------

TEXT = st.text(max_size=80)
SPECS = st.builds(
    GuestSpec,
    name=st.one_of(TEXT, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)),
    memory_mib=st.integers(-10, 10**7),
    vcpus=st.integers(-2, 64),
    virt_type=st.sampled_from(["test", "kvm", "qemu", "xen", ""]),
    arch=st.sampled_from(["i686", "x86_64", "aarch64"]),
    machine=st.sampled_from(["", "pc", "q35"]),
    firmware=st.sampled_from(Firmware),
    disk_mode=st.sampled_from(DiskMode),
    disk_pool=st.sampled_from(["demo-pool", "default", ""]),
    disk_gib=st.floats(allow_nan=True, allow_infinity=True),
    disk_format=st.sampled_from(["qcow2", "raw", "vmdk"]),
    disk_path=st.one_of(TEXT, st.just("/var/lib/libvirt/images/demo/backup.qcow2")),
    disk_bus=st.sampled_from(["virtio", "sata", "scsi", "ide", "usb"]),
    install=st.sampled_from(InstallMode),
    iso_path=TEXT,
    kernel=TEXT,
    initrd=TEXT,
    cmdline=TEXT,
    net_mode=st.sampled_from(NetMode),
    network=st.sampled_from(["demo-net", "default", ""]),
    bridge=TEXT,
    nic_model=st.sampled_from(["virtio", "e1000", "ne2k"]),
    autostart=st.booleans(),
    start=st.booleans(),
)


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[libvirt.virConnect, HostOffer]]:
    conn = libvirt.open(demo_uri())
    yield conn, read_offer(conn, "demo", demo_uri())
    conn.close()


@given(spec=SPECS)
@settings(max_examples=300, deadline=None)
def test_checker_never_crashes_and_names_fields(spec: GuestSpec) -> None:
    result = check(spec, OFFER)
    known = {f for f in GuestSpec.__dataclass_fields__} | {"memory"}
    assert set(result.errors) <= known
    assert all(isinstance(reason, str) and reason for reason in result.errors.values())


def specs_from(offer: HostOffer) -> st.SearchStrategy[GuestSpec]:
    """Specs a user could make from this host's offer: most pass the checker, some do not."""
    files = sorted(offer.known_files)
    pools = sorted(p.name for p in offer.pools.values() if p.active)
    return st.builds(
        GuestSpec,
        name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}", fullmatch=True),
        memory_mib=st.integers(64, 8192),
        vcpus=st.integers(1, offer.max_vcpus),
        virt_type=st.sampled_from(offer.virt_types),
        arch=st.sampled_from(offer.arches),
        machine=st.sampled_from(("", *offer.machines.get(offer.arches[0], ()))),
        firmware=st.sampled_from([Firmware.BIOS, Firmware.UEFI] if offer.uefi_loader else [Firmware.BIOS]),
        disk_mode=st.sampled_from(DiskMode),
        disk_pool=st.sampled_from(pools),
        disk_gib=st.floats(0.001, 50),
        disk_format=st.sampled_from(DISK_FORMATS),
        disk_path=st.sampled_from(files),
        disk_bus=st.sampled_from(DISK_BUSES),
        install=st.sampled_from(InstallMode),
        iso_path=st.sampled_from(files),
        kernel=st.sampled_from(files),
        initrd=st.sampled_from(["", *files]),
        cmdline=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=40),
        net_mode=st.sampled_from(NetMode),
        network=st.sampled_from(sorted(offer.networks)),
        bridge=st.from_regex(r"br[0-9]{1,2}", fullmatch=True),
        nic_model=st.sampled_from(NIC_MODELS),
        graphics=st.sampled_from(Graphics),
        autostart=st.just(False),
        start=st.just(False),
    )


def test_every_accepted_spec_is_accepted_by_libvirt(demo: tuple[libvirt.virConnect, HostOffer]) -> None:
    """On the test driver: what the checker passes, libvirt defines, and nothing is left behind.
    Fails unless most drawn specs really reached libvirt."""
    conn, offer = demo
    defined: list[str] = []

    @given(spec=specs_from(offer))
    @settings(max_examples=150, deadline=None, database=None)
    def define_and_remove(spec: GuestSpec) -> None:
        if spec.name in offer.existing_names or not check(spec, offer).ok:
            return
        try:
            uuid = create_guest(conn, spec, offer)
        except CreateError as exc:
            pytest.fail(f"checked spec refused by libvirt: {exc}\n{domain_xml(spec, offer)}")
        dom = conn.lookupByUUIDString(uuid)
        assert dom.name() == spec.name
        dom.undefine()
        if spec.disk_mode is DiskMode.NEW:
            conn.storagePoolLookupByName(spec.disk_pool).storageVolLookupByName(spec.volume_name).delete(0)
        defined.append(spec.name)

    define_and_remove()
    assert len(defined) >= 50, f"only {len(defined)} of 150 specs reached libvirt"
    assert {d.name() for d in conn.listAllDomains(0)} == offer.existing_names  # nothing left behind
    volumes = set(conn.storagePoolLookupByName("demo-pool").listVolumes())
    assert not volumes & {f"{name}.{fmt}" for name in defined for fmt in DISK_FORMATS}


@given(spec=SPECS, source=TEXT)
@settings(max_examples=300, deadline=None)
def test_xml_builder_survives_any_input(spec: GuestSpec, source: str) -> None:
    """Any spec gives XML text; one the checker passes parses and carries its values unchanged."""
    xml = domain_xml(spec, OFFER, source)
    volume_xml(spec)
    if not check(spec, OFFER).ok or not source.isprintable():
        return
    root = ET.fromstring(xml)
    assert root.findtext("name") == spec.name
    assert root.findtext("memory") == str(spec.memory_mib)
    if spec.install is InstallMode.KERNEL:
        assert root.findtext("os/kernel") == spec.kernel
        assert (root.findtext("os/cmdline") or "") == spec.cmdline
    if spec.install is InstallMode.CDROM:
        cdrom = root.find("devices/disk[@device='cdrom']/source")
        assert cdrom is not None and cdrom.get("file") == spec.iso_path
    vol = ET.fromstring(volume_xml(spec))
    assert vol.findtext("name") == spec.volume_name


def test_failed_step_removes_the_new_volume(demo: tuple[libvirt.virConnect, HostOffer]) -> None:
    conn, offer = demo
    spec = GuestSpec(
        name="clash-later",
        virt_type="test",
        arch="i686",
        disk_pool="demo-pool",
        network="demo-net",
        install=InstallMode.PXE,
    )
    assert check(spec, offer).ok
    # Another client takes the name after the form read the host: only the daemon sees the clash.
    conn.defineXML(
        "<domain type='test'><name>clash-later</name><memory>65536</memory><os><type>hvm</type></os></domain>"
    )
    with pytest.raises(CreateError, match="defining clash-later failed"):
        create_guest(conn, spec, offer)
    assert "clash-later.qcow2" not in conn.storagePoolLookupByName("demo-pool").listVolumes()


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("1024", 1024),
        ("512M", 512),
        ("2 GiB", 2048),
        ("1.5G", 1536),
        ("1t", 1024 * 1024),
        ("65536K", 64),
        ("x", None),
        ("", None),
        ("-5", None),
    ],
)
def test_parse_memory(text: str, mib: int | None) -> None:
    from tuivirt.backend.numbers import parse_memory_mib

    assert parse_memory_mib(text) == mib
