"""What a guest needs from a host it moves to, what each host offers, and why a host will not do.

Read once when ``M`` is pressed (the guest on its host, every other connected host on its own), then
compared without another call: the form shows each host with its refusal, if any.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

from tuivirt.backend.ops.migrate.options import MigrationOptions
from tuivirt.format import format_bytes


@dataclass(frozen=True)
class GuestNeeds:
    uuid: str
    name: str
    host_uri: str
    host_uuid: str  # the source host's (capabilities), "" when the driver has none
    hypervisor: str  # conn.getType(): "QEMU", "Test"
    running: bool
    persistent: bool
    memory_kib: int
    cpu_xml: str  # the guest's <cpu> with a model, to compare on the target; "" for none
    arch: str
    machine: str
    virt_type: str  # the domain type: "kvm", "qemu"
    networks: tuple[str, ...]  # libvirt networks its interfaces use
    pools: tuple[str, ...]  # pools its volume disks name
    disk_dirs: tuple[str, ...]  # folders of its file disks (a copy needs a pool there)
    snapshots: int = 0  # libvirt's QEMU driver will not migrate a guest that has any


@dataclass(frozen=True)
class HostOffer:
    uri: str
    host_uuid: str
    hypervisor: str
    free_memory_kib: int
    networks: frozenset[str]
    pools: frozenset[str]
    pool_dirs: frozenset[str]
    guests: dict[str, str]  # name -> UUID of each guest defined or running there
    cpu_refusals: dict[str, str]  # guest UUID -> why its CPU will not run there


def host_uuid(conn: libvirt.virConnect) -> str:
    found = ET.fromstring(conn.getCapabilities()).find("host/uuid")
    return (found.text or "").strip() if found is not None else ""


def read_needs(conn: libvirt.virConnect, uuid: str, host_uri: str) -> GuestNeeds:
    dom = conn.lookupByUUIDString(uuid)
    root = ET.fromstring(dom.XMLDesc(0))
    os_type = root.find("os/type")
    cpu = root.find("cpu")
    usable_cpu = cpu is not None and cpu.find("model") is not None and cpu.get("mode") != "host-passthrough"
    files = [s.get("file", "") for s in root.findall("devices/disk[@device='disk']/source")]
    return GuestNeeds(
        uuid=uuid,
        name=dom.name(),
        host_uri=host_uri,
        host_uuid=host_uuid(conn),
        hypervisor=conn.getType(),
        running=bool(dom.isActive()),
        persistent=bool(dom.isPersistent()),
        memory_kib=int(dom.maxMemory()),
        cpu_xml=ET.tostring(cpu, encoding="unicode") if cpu is not None and usable_cpu else "",
        arch=os_type.get("arch", "") if os_type is not None else "",
        machine=os_type.get("machine", "") if os_type is not None else "",
        virt_type=root.get("type", ""),
        networks=tuple(
            dict.fromkeys(
                s.get("network", "") for s in root.findall("devices/interface[@type='network']/source")
            )
        ),
        pools=tuple(
            dict.fromkeys(s.get("pool", "") for s in root.findall("devices/disk[@type='volume']/source"))
        ),
        disk_dirs=tuple(dict.fromkeys(os.path.dirname(f) for f in files if f)),
        snapshots=int(dom.snapshotNum(0)),
    )


def _pool_dir(pool: libvirt.virStoragePool) -> str:
    found = ET.fromstring(pool.XMLDesc(0)).find("target/path")
    return (found.text or "").rstrip("/") if found is not None else ""


def _cpu_refusal(conn: libvirt.virConnect, guest: GuestNeeds) -> str:
    if not guest.cpu_xml:
        return ""
    try:
        result = conn.compareHypervisorCPU(
            None, guest.arch or None, guest.machine or None, guest.virt_type or None, guest.cpu_xml, 0
        )
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return ""  # this driver cannot say: libvirt checks again when it migrates
        return f"its CPU cannot be checked there ({exc.get_error_message()})"
    if result == libvirt.VIR_CPU_COMPARE_INCOMPATIBLE:
        return "its CPU model is not available there"
    return ""


def read_offer(conn: libvirt.virConnect, uri: str, guests: list[GuestNeeds]) -> HostOffer:
    """What the host at ``uri`` offers to each of ``guests`` (their CPUs compared there)."""
    pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
    return HostOffer(
        uri=uri,
        host_uuid=host_uuid(conn),
        hypervisor=conn.getType(),
        free_memory_kib=int(conn.getFreeMemory()) // 1024,
        networks=frozenset(n.name() for n in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)),
        pools=frozenset(p.name() for p in pools),
        pool_dirs=frozenset(_pool_dir(p) for p in pools),
        guests={d.name(): d.UUIDString() for d in conn.listAllDomains(0)},
        cpu_refusals={g.uuid: refusal for g in guests if (refusal := _cpu_refusal(conn, g))},
    )


def refusal(
    guest: GuestNeeds, offer: HostOffer, options: MigrationOptions, free_kib: int | None = None
) -> str:
    """Why ``guest`` cannot move to ``offer``'s host with ``options``; "" when it can.
    ``free_kib``: the memory left there once other guests of a plan have been placed."""
    free = offer.free_memory_kib if free_kib is None else free_kib
    if offer.uri == guest.host_uri or (guest.host_uuid and guest.host_uuid == offer.host_uuid):
        return "it is the same host"
    if offer.hypervisor != guest.hypervisor:
        return f"a {offer.hypervisor} host, not {guest.hypervisor}"
    if not guest.running and not guest.persistent:
        return "a transient guest that is not running has nothing to move"
    if guest.snapshots and guest.hypervisor == "QEMU":  # (an evacuation plan once promised one)
        return f"it has {guest.snapshots} snapshot(s): libvirt does not migrate those (delete them first, t)"
    if not guest.running and options.copy_storage:
        return "disks are copied only with a running guest"
    if guest.name in offer.guests:  # even the same guest: its definition there would be replaced
        return f"a guest named {guest.name} is defined there already"
    if guest.uuid in offer.guests.values():
        return "a guest with its UUID is defined there already"
    if guest.uuid in offer.cpu_refusals:
        return offer.cpu_refusals[guest.uuid]
    if guest.running and guest.memory_kib > free:
        return f"needs {format_bytes(guest.memory_kib * 1024)}, {format_bytes(max(0, free) * 1024)} free"
    missing = [n for n in guest.networks if n not in offer.networks]
    if missing:
        return f"no network {', '.join(missing)} there"
    missing = [p for p in guest.pools if p not in offer.pools]
    if missing:
        return f"no pool {', '.join(missing)} there"
    if options.copy_storage:
        missing = [d for d in guest.disk_dirs if d.rstrip("/") not in offer.pool_dirs]
        if missing:
            return f"no pool at {', '.join(missing)} there to copy the disks into"
    return ""


def refusal_for_all(guests: list[GuestNeeds], offer: HostOffer, options: MigrationOptions) -> str:
    """Why the host will not take every one of ``guests`` (their memory added up); "" if it will."""
    free = offer.free_memory_kib
    for guest in guests:
        reason = refusal(guest, offer, options, free)
        if reason:
            return f"{guest.name}: {reason}" if len(guests) > 1 else reason
        free -= guest.memory_kib if guest.running else 0
    return ""
