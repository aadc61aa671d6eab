"""What a host offers a guest (the new-guest form and the editor both check against it), read once
when a form opens (a dozen RPCs and one per volume)."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import libvirt

PREFERRED_TYPES = ("kvm", "qemu")  # kvm first where the host has it
NIC_MODELS = ("virtio", "e1000e", "e1000", "rtl8139")
DISK_BUSES = ("virtio", "sata", "scsi", "ide")
DISK_FORMATS = ("qcow2", "raw")


@dataclass(frozen=True)
class PoolOffer:
    name: str
    active: bool
    free_bytes: int
    volumes: frozenset[str] = frozenset()  # volume names, to refuse a clash before creating


@dataclass(frozen=True)
class HostOffer:
    """What one host can give a new guest, read once when the form opens."""

    host_name: str = "host"
    existing_names: frozenset[str] = frozenset()
    free_memory_mib: int = 0
    max_vcpus: int = 1
    virt_types: tuple[str, ...] = ("qemu",)
    arches: tuple[str, ...] = ("x86_64",)
    machines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    uefi_loader: str = ""  # empty: the host offers no UEFI firmware
    pools: dict[str, PoolOffer] = field(default_factory=dict)
    networks: dict[str, bool] = field(default_factory=dict)  # name -> active
    max_vcpus_by_type: dict[str, int] = field(default_factory=dict)
    known_files: frozenset[str] = frozenset()  # volume paths on the host (ISOs, images, kernels)
    local: bool = False  # the host is this machine: any other path is checked on this filesystem


def is_local(uri: str) -> bool:
    """A URI without a host part talks to this machine: its paths can be checked here."""
    return not urlsplit(uri).hostname


def _capabilities(
    conn: libvirt.virConnect,
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, tuple[str, ...]]]:
    """(virt types, arches, machines by arch) for hvm guests."""
    types: list[str] = []
    arches: list[str] = []
    machines: dict[str, tuple[str, ...]] = {}
    for guest in ET.fromstring(conn.getCapabilities()).iterfind("guest"):
        if guest.findtext("os_type") != "hvm":
            continue
        arch = guest.find("arch")
        if arch is None:
            continue
        name = arch.get("name", "")
        arches.append(name)
        machines[name] = tuple(dict.fromkeys(m.text or "" for m in arch.iterfind("machine") if m.text))
        types += [d.get("type", "") for d in arch.iterfind("domain") if d.get("type") not in types]
    types.sort(key=lambda t: PREFERRED_TYPES.index(t) if t in PREFERRED_TYPES else len(PREFERRED_TYPES))
    arches.sort(key=lambda a: a != "x86_64")
    return tuple(types), tuple(dict.fromkeys(arches)), machines


def _uefi_loader(conn: libvirt.virConnect, arch: str, virt_type: str) -> str:
    with contextlib.suppress(libvirt.libvirtError):  # the test driver has no domain capabilities
        caps = ET.fromstring(conn.getDomainCapabilities(None, arch, None, virt_type, 0))
        values = [v.text or "" for v in caps.iterfind("os/loader/value")]
        return next((v for v in values if "OVMF" in v or "edk2" in v or "AAVMF" in v), "")
    return ""


def _pools(conn: libvirt.virConnect) -> tuple[dict[str, PoolOffer], frozenset[str]]:
    pools: dict[str, PoolOffer] = {}
    files: set[str] = set()
    for pool in conn.listAllStoragePools(0):
        active = bool(pool.isActive())
        names: set[str] = set()
        if active:
            with contextlib.suppress(libvirt.libvirtError):
                pool.refresh(0)
            for volume in pool.listAllVolumes(0):
                names.add(volume.name())
                files.add(volume.path())
        pools[pool.name()] = PoolOffer(pool.name(), active, pool.info()[3] if active else 0, frozenset(names))
    return pools, frozenset(files)


def read_offer(conn: libvirt.virConnect, host_name: str, uri: str) -> HostOffer:
    types, arches, machines = _capabilities(conn)
    pools, files = _pools(conn)
    max_by_type = {}
    for virt_type in types:
        with contextlib.suppress(libvirt.libvirtError):
            max_by_type[virt_type] = conn.getMaxVcpus(virt_type)
    host_cpus = conn.getInfo()[2]
    return HostOffer(
        host_name=host_name,
        existing_names=frozenset(dom.name() for dom in conn.listAllDomains(0)),
        free_memory_mib=conn.getFreeMemory() // (1024 * 1024),
        max_vcpus=host_cpus,
        max_vcpus_by_type={t: min(v, host_cpus) if v > 0 else host_cpus for t, v in max_by_type.items()},
        virt_types=types,
        arches=arches,
        machines=machines,
        uefi_loader=_uefi_loader(conn, arches[0], types[0]) if arches and types else "",
        pools=pools,
        networks={net.name(): bool(net.isActive()) for net in conn.listAllNetworks(0)},
        known_files=files,
        local=is_local(uri),
    )
