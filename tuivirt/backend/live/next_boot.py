"""Changes waiting for the next boot: where a running guest's next-boot definition differs from what
runs now, on what an admin cares about (memory, vCPUs, disks and CD media, network interfaces)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from tuivirt.backend.live.domain_xml import disks_by_target, memory_kib, nics_by_mac, vcpu_counts
from tuivirt.format import format_kib


def _disk_media(element: ET.Element) -> str:
    source = element.find("source")
    if source is None:
        return "(empty)"
    return source.get("file") or source.get("dev") or source.get("volume") or source.get("name") or "?"


def _nic_wiring(element: ET.Element) -> str:
    source, model, link = element.find("source"), element.find("model"), element.find("link")
    where = ""
    if source is not None:
        where = source.get("network") or source.get("bridge") or source.get("dev") or ""
    state = "down" if link is not None and link.get("state") == "down" else "up"
    kind = model.get("type", "") if model is not None else ""
    return f"{element.get('type', '?')} {where} {kind} link {state}".replace("  ", " ")


def _changed(what: str, now: str, then: str) -> list[str]:
    return [] if now == then else [f"{what} {now} → {then}"]


def _device_changes(
    kind: str, now: dict[str, ET.Element], then: dict[str, ET.Element], wiring: Callable[[ET.Element], str]
) -> list[str]:
    """Devices by their identity (a disk's target, an interface's MAC): added, removed, rewired."""
    changes = []
    for key in now.keys() | then.keys():
        if key not in then:
            changes.append(f"{kind} {key} removed")
        elif key not in now:
            changes.append(f"{kind} {key} added")
        else:
            changes += _changed(f"{kind} {key}", wiring(now[key]), wiring(then[key]))
    return changes


def next_boot_changes(live_xml: str, inactive_xml: str) -> tuple[str, ...]:
    """What the next boot changes, one short line each ("vCPUs 1 → 2"); empty when nothing."""
    live, config = ET.fromstring(live_xml), ET.fromstring(inactive_xml)
    changes: list[str] = []
    for what, path in (("memory", "currentMemory"), ("maximum memory", "memory")):
        now, then = memory_kib(live, path), memory_kib(config, path)
        if now and then and now != then:
            changes.append(f"{what} {format_kib(now)} → {format_kib(then)}")
    (live_vcpus, live_max), (next_vcpus, next_max) = vcpu_counts(live), vcpu_counts(config)
    changes += _changed("vCPUs", str(live_vcpus), str(next_vcpus))
    changes += _changed("maximum vCPUs", str(live_max), str(next_max))
    live_disks = {target: element for target, (element, _bus) in disks_by_target(live).items()}
    next_disks = {target: element for target, (element, _bus) in disks_by_target(config).items()}
    changes += _device_changes("disk", live_disks, next_disks, _disk_media)
    changes += _device_changes("interface", nics_by_mac(live), nics_by_mac(config), _nic_wiring)
    return tuple(sorted(changes))
