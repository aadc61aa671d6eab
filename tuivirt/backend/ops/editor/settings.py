"""The editor's settings (not devices): CPU and memory, overview, boot. Each change is checked field by
field before any call, then applied now (LIVE), at the next boot (CONFIG) or both, and says which.

Every function that takes a connection blocks on libvirt: callers run it on a thread.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

import libvirt

from tuivirt.backend import numbers
from tuivirt.backend.numbers import parse_memory_mib
from tuivirt.backend.ops.editor.devices import EDIT_FLAGS
from tuivirt.backend.ops.editor.guest_config import GuestConfig
from tuivirt.format import format_kib

LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
BOOT_DEVICES = {"hd": "disk", "cdrom": "CD-ROM", "network": "network (PXE)", "fd": "floppy"}
MAX_VCPUS = 4096  # QEMU's limit on q35 is 4096 (288 before QEMU 8 with KVM); the host check says more


class Where(StrEnum):
    """Where a change of a running guest applies."""

    BOTH = "now and at next boot"
    NOW = "now only"
    NEXT_BOOT = "at next boot only"


def where_flags(where: Where) -> int:
    return int({Where.BOTH: LIVE | CONFIG, Where.NOW: LIVE, Where.NEXT_BOOT: CONFIG}[where])


def device_flags(config: GuestConfig) -> tuple[int, str]:
    """Flags and words for a device change: hot-plugged and kept where the guest runs."""
    if config.active and config.persistent:
        return LIVE | CONFIG, "now and at next boot"
    if config.active:
        return LIVE, "now (a transient guest has no next boot)"
    return CONFIG, "at next boot (the guest is shut off)"


# -- CPU and memory --------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuMemoryChange:
    """Only what changed is set; maximums always apply at next boot (a running guest keeps its own)."""

    where: Where
    vcpus: int | None = None
    vcpus_max: int | None = None
    memory_kib: int | None = None
    memory_max_kib: int | None = None

    @property
    def empty(self) -> bool:
        return (self.vcpus, self.vcpus_max, self.memory_kib, self.memory_max_kib) == (None,) * 4


def _count(text: str, field: str, errors: dict[str, str]) -> int | None:
    value = numbers.count(text, 1, MAX_VCPUS)
    if isinstance(value, numbers.Refused):
        errors[field] = str(value)
        return None
    return value


def _size(text: str, field: str, errors: dict[str, str]) -> int | None:
    mib = parse_memory_mib(text)
    if mib is None or mib < 1:
        errors[field] = "a size such as 512M or 2G"
        return None
    return mib * 1024


def check_cpu_memory(
    values: dict[str, str], config: GuestConfig, where: Where, host_cpus: int, host_memory_kib: int
) -> tuple[CpuMemoryChange, dict[str, str]]:
    """The change the form asks for, and an error per field (vcpus, vcpus_max, memory, memory_max)."""
    errors: dict[str, str] = {}
    vcpus = _count(values["vcpus"], "vcpus", errors)
    vcpus_max = _count(values["vcpus_max"], "vcpus_max", errors)
    memory = _size(values["memory"], "memory", errors)
    memory_max = _size(values["memory_max"], "memory_max", errors)
    now = where is not Where.NEXT_BOOT and config.active
    cpus = (host_cpus, f"the host's {host_cpus} CPUs", str)
    ram = (host_memory_kib, f"the host's memory ({format_kib(host_memory_kib)})", format_kib)
    for field, value, new_max, maxima, host in (
        ("vcpus", vcpus, vcpus_max, (config.vcpus_max, config.vcpus_max_now), cpus),
        ("memory", memory, memory_max, (config.memory_max_kib, config.memory_max_now_kib), ram),
    ):
        host_limit, host_words, shown = host
        if new_max is not None and host_limit and new_max > host_limit:
            errors[f"{field}_max"] = f"above {host_words}"
        if value is None:
            continue
        max_next, max_now = maxima
        limit = min(new_max or max_next, max_now if now else value)
        if host_limit and value > host_limit:
            errors[field] = f"above {host_words}"
        elif value > limit:
            running = " of the running guest" if now and limit == max_now else ""
            errors[field] = f"above the maximum{running} ({shown(limit)})"
    # The form starts from what runs now (now, or now and at next boot) or from the next boot's
    # values: a field left as it was is no change.
    now_values = config.active and where is not Where.NEXT_BOOT
    current_vcpus = config.vcpus if now_values else config.vcpus_next
    current_memory = config.memory_kib if now_values else config.memory_next_kib
    change = CpuMemoryChange(
        where if config.active else Where.NEXT_BOOT,
        vcpus=vcpus if vcpus != current_vcpus else None,
        vcpus_max=vcpus_max if vcpus_max != config.vcpus_max else None,
        memory_kib=memory if memory != current_memory else None,
        memory_max_kib=memory_max if memory_max != config.memory_max_kib else None,
    )
    if change.vcpus_max is not None and where is Where.NOW and config.active:
        errors["vcpus_max"] = "a maximum changes at next boot only"
    if change.memory_max_kib is not None and where is Where.NOW and config.active:
        errors["memory_max"] = "a maximum changes at next boot only"
    return change, errors


def describe_cpu_memory(change: CpuMemoryChange, config: GuestConfig) -> list[str]:
    """One line per change, with where it applies: what the form shows before Apply."""
    lines = []
    if change.vcpus is not None:
        lines.append(f"vCPUs → {change.vcpus}: {change.where}")
    if change.memory_kib is not None:
        lines.append(f"memory → {format_kib(change.memory_kib)}: {change.where}")
    if change.vcpus_max is not None:
        lines.append(f"maximum vCPUs {config.vcpus_max} → {change.vcpus_max}: at next boot")
    if change.memory_max_kib is not None:
        old = format_kib(config.memory_max_kib)
        lines.append(f"maximum memory {old} → {format_kib(change.memory_max_kib)}: at next boot")
    return lines


Call = Callable[[], object]


def _step(
    setter: Callable[[int, int], object], new: int, now: int, then: int, flags: int
) -> tuple[Call, list[Call]]:
    """Set ``new`` with ``flags``, and the calls that put back what was (now and at next boot)."""
    undo: list[Call] = [partial(setter, now, LIVE)] if flags & LIVE else []
    undo += [partial(setter, then, CONFIG)] if flags & CONFIG else []
    return partial(setter, new, flags), undo


def apply_cpu_memory(conn: libvirt.virConnect, config: GuestConfig, change: CpuMemoryChange) -> str:
    """Maximums first when they grow and last when they shrink, so that each step stays valid. A
    step libvirt refuses undoes the steps before it: nothing is left half-changed."""
    dom = conn.lookupByUUIDString(config.uuid)
    flags = where_flags(change.where)
    vcpu_max, mem_max = CONFIG | libvirt.VIR_DOMAIN_VCPU_MAXIMUM, CONFIG | libvirt.VIR_DOMAIN_MEM_MAXIMUM
    first: list[tuple[Call, list[Call]]] = []
    counts: list[tuple[Call, list[Call]]] = []
    last: list[tuple[Call, list[Call]]] = []
    if change.vcpus_max is not None:
        step = partial(dom.setVcpusFlags, change.vcpus_max, vcpu_max)
        grows = change.vcpus is None or change.vcpus_max >= change.vcpus
        (first if grows else last).append((step, [partial(dom.setVcpusFlags, config.vcpus_max, vcpu_max)]))
    if change.memory_max_kib is not None:
        step = partial(dom.setMemoryFlags, change.memory_max_kib, mem_max)
        grows = change.memory_kib is None or change.memory_max_kib >= change.memory_kib
        (first if grows else last).append(
            (step, [partial(dom.setMemoryFlags, config.memory_max_kib, mem_max)])
        )
    if change.vcpus is not None:
        counts.append(_step(dom.setVcpusFlags, change.vcpus, config.vcpus, config.vcpus_next, flags))
    if change.memory_kib is not None:
        counts.append(
            _step(dom.setMemoryFlags, change.memory_kib, config.memory_kib, config.memory_next_kib, flags)
        )
    undone: list[Call] = []
    for call, undo in [*first, *counts, *last]:
        try:
            call()
        except libvirt.libvirtError:
            for back in reversed(undone):
                with contextlib.suppress(libvirt.libvirtError):  # best effort: the refusal is the news
                    back()
            raise
        undone += undo
    return "; ".join(describe_cpu_memory(change, config))


# -- overview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewChange:
    name: str
    title: str
    description: str
    autostart: bool


def check_overview(change: OverviewChange, config: GuestConfig, taken: frozenset[str]) -> dict[str, str]:
    errors = {}
    if change.name != config.name:
        if config.active:
            errors["name"] = "rename needs the guest shut off"
        elif not NAME_PATTERN.match(change.name):
            errors["name"] = "letters, digits and . _ + - (not first)"
        elif change.name in taken:
            errors["name"] = "another guest on this host has this name"
    if "\n" in change.title:
        errors["title"] = "one line"
    if change.autostart != config.autostart and not config.persistent:
        errors["autostart"] = "a transient guest has no autostart"
    return errors


def apply_overview(conn: libvirt.virConnect, config: GuestConfig, change: OverviewChange) -> str:
    dom = conn.lookupByUUIDString(config.uuid)
    flags, where = device_flags(config)
    done = []
    for kind, label, new, old in (
        (libvirt.VIR_DOMAIN_METADATA_TITLE, "title", change.title, config.title),
        (libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, "description", change.description, config.description),
    ):
        if new != old:
            dom.setMetadata(kind, new or None, None, None, flags)
            done.append(f"{label} {'set' if new else 'cleared'} {where}")
    if change.autostart != config.autostart:
        dom.setAutostart(int(change.autostart))
        done.append(f"autostart {'on' if change.autostart else 'off'}")
    if change.name != config.name:
        dom.rename(change.name, 0)
        done.append(f"renamed to {change.name}")
    return "; ".join(done)


# -- boot ------------------------------------------------------------------------------------


def apply_boot(conn: libvirt.virConnect, config: GuestConfig, order: tuple[str, ...], menu: bool) -> str:
    """Rewrites <os><boot dev=…/> and <bootmenu> in the next boot's definition."""
    dom = conn.lookupByUUIDString(config.uuid)
    root = ET.fromstring(dom.XMLDesc(EDIT_FLAGS))  # SECURE: a graphics password stays
    os_el = root.find("os")
    if os_el is None:
        raise ValueError("the definition has no <os> element")
    for old in [*os_el.findall("boot"), *os_el.findall("bootmenu")]:
        os_el.remove(old)
    after = max((i for i, child in enumerate(os_el) if child.tag in ("type", "loader", "nvram")), default=0)
    for offset, dev in enumerate(order, start=1):
        os_el.insert(after + offset, ET.Element("boot", dev=dev))
    os_el.insert(after + len(order) + 1, ET.Element("bootmenu", enable="yes" if menu else "no"))
    conn.defineXML(ET.tostring(root, encoding="unicode"))
    words = ", ".join(BOOT_DEVICES.get(dev, dev) for dev in order) or "no device"
    return f"boot order {words}, boot menu {'on' if menu else 'off'}: at next boot"
