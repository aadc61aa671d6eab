"""Changes waiting for the next boot: where a running guest's next-boot definition differs from what
runs now, on what an admin cares about (memory, vCPUs, disks and CD media, network interfaces)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
    live_disks, next_disks = disks_by_target(live), disks_by_target(config)
    for target in live_disks.keys() | next_disks.keys():
        if target not in next_disks:
            changes.append(f"disk {target} removed")
        elif target not in live_disks:
            changes.append(f"disk {target} added")
        else:
            now_media, then_media = _disk_media(live_disks[target][0]), _disk_media(next_disks[target][0])
            changes += _changed(f"disk {target}", now_media, then_media)
    live_nics, next_nics = nics_by_mac(live), nics_by_mac(config)
    for mac in live_nics.keys() | next_nics.keys():
        if mac not in next_nics:
            changes.append(f"interface {mac} removed")
        elif mac not in live_nics:
            changes.append(f"interface {mac} added")
        else:
            changes += _changed(f"interface {mac}", _nic_wiring(live_nics[mac]), _nic_wiring(next_nics[mac]))
    return tuple(sorted(changes))
