"""Network interfaces of an existing guest: add one, take one out, set its link up or down, move it
to another network or bridge."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

from tuivirt.backend.ops.common.host_offer import NIC_MODELS, HostOffer
from tuivirt.backend.ops.editor.devices import attach, update
from tuivirt.backend.ops.editor.guest_config import GuestConfig, NicConfig

NIC_KINDS = ("network", "bridge")
MAC_PATTERN = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


@dataclass(frozen=True)
class NicRequest:
    kind: str  # network, bridge
    source: str  # the network's or the bridge's name
    model: str = "virtio"
    mac: str = ""  # empty: one is made up (52:54:00:…, QEMU's prefix)


def used_macs(conn: libvirt.virConnect) -> frozenset[str]:
    """Every MAC of every guest on the host (both definitions): a new one must not clash."""
    macs = set()
    for dom in conn.listAllDomains(0):
        for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):
            try:
                root = ET.fromstring(dom.XMLDesc(flags))
            except libvirt.libvirtError:
                continue  # gone meanwhile
            macs |= {m.get("address", "").lower() for m in root.iterfind("devices/interface/mac")}
    return frozenset(macs)


def new_mac(taken: frozenset[str]) -> str:
    while True:
        mac = "52:54:00:" + ":".join(f"{random.randrange(256):02x}" for _ in range(3))
        if mac not in taken:
            return mac


def check_nic(request: NicRequest, offer: HostOffer, taken_macs: frozenset[str]) -> dict[str, str]:
    errors = {}
    mac = request.mac.strip().lower()
    if mac:
        if not MAC_PATTERN.match(mac):
            errors["mac"] = "six hex pairs: 52:54:00:12:34:56"
        elif int(mac[:2], 16) & 1:
            errors["mac"] = "a multicast address (odd first byte)"
        elif mac == "00:00:00:00:00:00":
            errors["mac"] = "the all-zero address is no interface's"
        elif mac in taken_macs:
            errors["mac"] = "already used on this host"
    if request.kind == "network" and request.source not in offer.networks:
        errors["source"] = "no such network on this host"
    elif request.kind == "bridge" and not request.source.strip():
        errors["source"] = "the bridge's name (br0)"
    if request.model not in NIC_MODELS:
        errors["model"] = f"one of {', '.join(NIC_MODELS)}"
    return errors


def nic_xml(request: NicRequest, mac: str) -> str:
    nic = ET.Element("interface", type=request.kind)
    ET.SubElement(nic, "mac", address=mac)
    ET.SubElement(nic, "source", {request.kind: request.source.strip()})
    ET.SubElement(nic, "model", type=request.model)
    return ET.tostring(nic, encoding="unicode")


def add_nic(conn: libvirt.virConnect, config: GuestConfig, request: NicRequest) -> str:
    mac = request.mac.strip().lower() or new_mac(used_macs(conn))
    where = attach(conn, config, nic_xml(request, mac))
    return f"interface {mac} on {request.kind} {request.source} added {where}"


def _changed(nic: NicConfig, change: ET.Element) -> str:
    """The interface's element with ``change``'s tag replaced by it."""
    element = ET.fromstring(nic.xml)
    old = element.find(change.tag)
    if old is not None:
        element.remove(old)
    element.append(change)
    return ET.tostring(element, encoding="unicode")


def set_link(conn: libvirt.virConnect, config: GuestConfig, nic: NicConfig, up: bool) -> str:
    xml = _changed(nic, ET.Element("link", state="up" if up else "down"))
    where = update(conn, config, xml, now=nic.now, next_boot=nic.next_boot)
    return f"interface {nic.mac}: link {'up' if up else 'down'} {where}"


def change_source(
    conn: libvirt.virConnect, config: GuestConfig, nic: NicConfig, kind: str, source: str
) -> str:
    element = ET.fromstring(_changed(nic, ET.Element("source", {kind: source})))
    element.set("type", kind)
    xml = ET.tostring(element, encoding="unicode")
    where = update(conn, config, xml, now=nic.now, next_boot=nic.next_boot)
    return f"interface {nic.mac} moved to {kind} {source} {where}"
