"""A new guest as a typed spec: checked field by field against what the host offers, then XML.

Pure: the host's offer (``HostOffer``) is read once elsewhere (host_offer.py); nothing here
calls libvirt, so every rule is tested directly and the form and scripts share it.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tuivirt.backend.ops.common.host_offer import DISK_BUSES, DISK_FORMATS, NIC_MODELS, HostOffer

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
NAME_MAX = 64
MEMORY_MIN_MIB = 64
BRIDGE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


class DiskMode(StrEnum):
    NEW = "new volume"
    EXISTING = "existing volume or image"
    NONE = "no disk"


class InstallMode(StrEnum):
    CDROM = "ISO as CD-ROM"
    IMPORT = "import existing disk"
    KERNEL = "direct kernel boot"
    PXE = "network boot (PXE)"


class NetMode(StrEnum):
    NETWORK = "virtual network"
    BRIDGE = "host bridge"
    NONE = "no network"


class Firmware(StrEnum):
    BIOS = "bios"
    UEFI = "uefi"


class Graphics(StrEnum):
    NONE = "none"
    VNC = "vnc"
    SPICE = "spice"


@dataclass(frozen=True)
class GuestSpec:
    """Every choice of the new-guest form, with virt-install's usual defaults."""

    name: str = ""
    memory_mib: int = 1024
    vcpus: int = 1
    virt_type: str = "kvm"
    arch: str = "x86_64"
    machine: str = ""  # empty: the hypervisor's default
    firmware: Firmware = Firmware.BIOS
    os_variant: str = "generic"  # osinfo short id
    os_id: str = ""  # osinfo id (a URL), recorded in the metadata
    disk_mode: DiskMode = DiskMode.NEW
    disk_pool: str = "default"
    disk_gib: float = 10.0
    disk_format: str = "qcow2"
    disk_path: str = ""  # EXISTING: a volume path or an image file
    disk_bus: str = "virtio"
    install: InstallMode = InstallMode.CDROM
    iso_path: str = ""
    kernel: str = ""
    initrd: str = ""
    cmdline: str = ""
    net_mode: NetMode = NetMode.NETWORK
    network: str = "default"
    bridge: str = ""
    nic_model: str = "virtio"
    graphics: Graphics = Graphics.NONE
    autostart: bool = False
    start: bool = True

    @property
    def volume_name(self) -> str:
        return f"{self.name}.{self.disk_format}"


@dataclass(frozen=True)
class Checked:
    """Errors block creation; warnings do not. Both name their field."""

    errors: dict[str, str]
    warnings: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_known(path: str, offer: HostOffer) -> bool:
    """A volume of the host, or a file here when the host is local; elsewhere libvirt will tell."""
    if path in offer.known_files:
        return True
    return Path(path).is_file() if offer.local else True


def check(spec: GuestSpec, offer: HostOffer) -> Checked:
    """Every rule, field by field; never raises."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}

    if not spec.name:
        errors["name"] = "a name is needed"
    elif len(spec.name) > NAME_MAX:
        errors["name"] = f"at most {NAME_MAX} characters"
    elif not NAME_PATTERN.match(spec.name):
        errors["name"] = "letters, digits and - _ . only, starting with a letter or digit"
    elif spec.name in offer.existing_names:
        errors["name"] = f"{offer.host_name} already has a guest called {spec.name}"

    if spec.memory_mib < MEMORY_MIN_MIB:
        errors["memory"] = f"at least {MEMORY_MIN_MIB} MiB"
    elif offer.free_memory_mib and spec.memory_mib > offer.free_memory_mib:
        warnings["memory"] = f"more than the host's free memory ({offer.free_memory_mib} MiB)"

    max_vcpus = offer.max_vcpus_by_type.get(spec.virt_type, offer.max_vcpus)
    if not 1 <= spec.vcpus <= max_vcpus:
        errors["vcpus"] = f"1 to {max_vcpus} on this host"

    if spec.virt_type not in offer.virt_types:
        errors["virt_type"] = f"this host offers {', '.join(offer.virt_types) or 'none'}"
    if spec.arch not in offer.arches:
        errors["arch"] = f"this host offers {', '.join(offer.arches) or 'none'}"
    elif spec.machine and spec.machine not in offer.machines.get(spec.arch, ()):
        errors["machine"] = f"not a {spec.arch} machine of this host"
    if spec.firmware is Firmware.UEFI and not offer.uefi_loader:
        errors["firmware"] = "this host offers no UEFI firmware"

    _check_disk(spec, offer, errors)
    _check_install(spec, offer, errors)
    _check_network(spec, offer, errors, warnings)
    for field_id in _text_fields_in_use(spec):
        if field_id not in errors and not getattr(spec, field_id).isprintable():
            # XML cannot carry most control characters, and a tab or newline in a path is a typo.
            errors[field_id] = "no control characters (tab, newline …)"
    return Checked(errors, warnings)


def _text_fields_in_use(spec: GuestSpec) -> list[str]:
    """The free-text fields this spec writes into the XML."""
    fields = ["disk_path"] if spec.disk_mode is DiskMode.EXISTING else []
    if spec.install is InstallMode.CDROM:
        fields.append("iso_path")
    elif spec.install is InstallMode.KERNEL:
        fields += ["kernel", "initrd", "cmdline"]
    return fields


def _check_disk(spec: GuestSpec, offer: HostOffer, errors: dict[str, str]) -> None:
    if spec.disk_bus not in DISK_BUSES:
        errors["disk_bus"] = f"one of {', '.join(DISK_BUSES)}"
    if spec.disk_mode is DiskMode.NEW:
        pool = offer.pools.get(spec.disk_pool)
        if pool is None:
            errors["disk_pool"] = f"no storage pool {spec.disk_pool!r} on {offer.host_name}"
        elif not pool.active:
            errors["disk_pool"] = f"pool {spec.disk_pool} is not active"
        elif spec.name and spec.volume_name in pool.volumes:
            errors["disk_pool"] = f"pool {spec.disk_pool} already has a volume {spec.volume_name}"
        if spec.disk_format not in DISK_FORMATS:
            errors["disk_format"] = "qcow2 or raw"
        if not spec.disk_gib > 0:
            errors["disk_gib"] = "a size above 0 GiB"
        elif pool is not None and pool.active and spec.disk_gib * 1024**3 > pool.free_bytes:
            errors["disk_gib"] = f"pool {pool.name} has {pool.free_bytes / 1024**3:.1f} GiB free"
    elif spec.disk_mode is DiskMode.EXISTING:
        if not spec.disk_path:
            errors["disk_path"] = "the path of a volume or image file"
        elif not _file_known(spec.disk_path, offer):
            errors["disk_path"] = f"no such file on {offer.host_name}"


def _check_install(spec: GuestSpec, offer: HostOffer, errors: dict[str, str]) -> None:
    if spec.install is InstallMode.CDROM:
        if not spec.iso_path:
            errors["iso_path"] = "the path of an ISO image"
        elif not _file_known(spec.iso_path, offer):
            errors["iso_path"] = f"no such file on {offer.host_name}"
    elif spec.install is InstallMode.IMPORT:
        if spec.disk_mode is not DiskMode.EXISTING:
            errors["install"] = "importing needs an existing disk"
    elif spec.install is InstallMode.KERNEL:
        if not spec.kernel:
            errors["kernel"] = "the path of a kernel"
        elif not _file_known(spec.kernel, offer):
            errors["kernel"] = f"no such file on {offer.host_name}"
        if spec.initrd and not _file_known(spec.initrd, offer):
            errors["initrd"] = f"no such file on {offer.host_name}"
    elif spec.install is InstallMode.PXE and spec.net_mode is NetMode.NONE:
        errors["install"] = "network boot needs a network"


def _check_network(
    spec: GuestSpec, offer: HostOffer, errors: dict[str, str], warnings: dict[str, str]
) -> None:
    if spec.net_mode is NetMode.NETWORK:
        if spec.network not in offer.networks:
            errors["network"] = f"no virtual network {spec.network!r} on {offer.host_name}"
        elif not offer.networks[spec.network]:
            warnings["network"] = f"{spec.network} is not active: the guest cannot start until it is"
    elif spec.net_mode is NetMode.BRIDGE and not BRIDGE_PATTERN.match(spec.bridge):
        errors["bridge"] = "a bridge interface name such as br0"
    if spec.net_mode is not NetMode.NONE and spec.nic_model not in NIC_MODELS:
        errors["nic_model"] = f"one of {', '.join(NIC_MODELS)}"


def volume_xml(spec: GuestSpec) -> str:
    """The new volume (sparse: allocation 0)."""
    volume = ET.Element("volume")
    ET.SubElement(volume, "name").text = spec.volume_name
    size = spec.disk_gib * 1024**3
    ET.SubElement(volume, "capacity", unit="bytes").text = str(int(size) if math.isfinite(size) else 0)
    ET.SubElement(volume, "allocation", unit="bytes").text = "0"
    target = ET.SubElement(volume, "target")
    ET.SubElement(target, "format", type=spec.disk_format)
    return ET.tostring(volume, encoding="unicode")


def domain_xml(spec: GuestSpec, offer: HostOffer, disk_source: str = "") -> str:
    """The domain XML to define. ``disk_source``: the new volume's path once it exists."""
    domain = ET.Element("domain", type=spec.virt_type)
    ET.SubElement(domain, "name").text = spec.name
    ET.SubElement(domain, "memory", unit="MiB").text = str(spec.memory_mib)
    ET.SubElement(domain, "vcpu").text = str(spec.vcpus)
    if spec.os_id:  # as virt-install records it, for tools that read it later
        metadata = ET.SubElement(domain, "metadata")
        info = ET.SubElement(
            metadata,
            "libosinfo:libosinfo",
            {"xmlns:libosinfo": "http://libosinfo.org/xmlns/libvirt/domain/1.0"},
        )
        ET.SubElement(info, "libosinfo:os", id=spec.os_id)
    os_el = ET.SubElement(domain, "os", {"firmware": "efi"} if spec.firmware is Firmware.UEFI else {})
    ET.SubElement(
        os_el, "type", {"arch": spec.arch, **({"machine": spec.machine} if spec.machine else {})}
    ).text = "hvm"
    if spec.install is InstallMode.KERNEL:
        ET.SubElement(os_el, "kernel").text = spec.kernel
        if spec.initrd:
            ET.SubElement(os_el, "initrd").text = spec.initrd
        if spec.cmdline:
            ET.SubElement(os_el, "cmdline").text = spec.cmdline
    else:
        first = {InstallMode.CDROM: "cdrom", InstallMode.PXE: "network"}.get(spec.install, "hd")
        ET.SubElement(os_el, "boot", dev=first)
        if first != "hd":
            ET.SubElement(os_el, "boot", dev="hd")
    features = ET.SubElement(domain, "features")
    ET.SubElement(features, "acpi")
    ET.SubElement(features, "apic")
    if spec.virt_type == "kvm":
        ET.SubElement(domain, "cpu", mode="host-passthrough", check="none")
    ET.SubElement(domain, "clock", offset="utc")
    devices = ET.SubElement(domain, "devices")
    _disks(devices, spec, disk_source)
    _nic(devices, spec)
    serial = ET.SubElement(devices, "serial", type="pty")
    ET.SubElement(serial, "target", port="0")
    console = ET.SubElement(devices, "console", type="pty")
    ET.SubElement(console, "target", type="serial", port="0")
    if spec.graphics is not Graphics.NONE:
        ET.SubElement(devices, "graphics", type=spec.graphics.value, autoport="yes", listen="127.0.0.1")
        ET.SubElement(
            ET.SubElement(devices, "video"),
            "model",
            type="virtio" if spec.graphics is Graphics.SPICE else "vga",
        )
    ET.SubElement(devices, "memballoon", model="virtio")
    ET.indent(domain)
    return ET.tostring(domain, encoding="unicode")


def _disks(devices: ET.Element, spec: GuestSpec, disk_source: str) -> None:
    if spec.disk_mode is not DiskMode.NONE:
        path = disk_source or spec.disk_path or f"(new volume {spec.disk_pool}/{spec.volume_name})"
        disk = ET.SubElement(devices, "disk", type="file", device="disk")
        fmt = (
            spec.disk_format
            if spec.disk_mode is DiskMode.NEW
            else ("raw" if path.endswith((".img", ".raw")) else "qcow2")
        )
        ET.SubElement(disk, "driver", name="qemu", type=fmt)
        ET.SubElement(disk, "source", file=path)
        prefix = "vd" if spec.disk_bus == "virtio" else ("hd" if spec.disk_bus == "ide" else "sd")
        ET.SubElement(disk, "target", dev=f"{prefix}a", bus=spec.disk_bus)
    if spec.install is InstallMode.CDROM:
        cdrom = ET.SubElement(devices, "disk", type="file", device="cdrom")
        ET.SubElement(cdrom, "driver", name="qemu", type="raw")
        ET.SubElement(cdrom, "source", file=spec.iso_path)
        ET.SubElement(cdrom, "target", dev="sdb" if spec.disk_bus in ("sata", "scsi") else "sda", bus="sata")
        ET.SubElement(cdrom, "readonly")


def _nic(devices: ET.Element, spec: GuestSpec) -> None:
    if spec.net_mode is NetMode.NONE:
        return
    kind = "network" if spec.net_mode is NetMode.NETWORK else "bridge"
    nic = ET.SubElement(devices, "interface", type=kind)
    ET.SubElement(nic, "source", {kind: spec.network if kind == "network" else spec.bridge})
    ET.SubElement(nic, "model", type=spec.nic_model)
