"""Virtual networks (virsh net-*): list them with their subnet, DHCP range, leases and guests;
start, stop, autostart, delete (refused while running guests use it unless forced), define a NAT,
routed or isolated network with its subnet checked against the host's others; the DHCP leases."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import libvirt

NETWORK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class NetworkMode(StrEnum):
    NAT = "nat"
    ROUTED = "route"
    ISOLATED = "isolated"


@dataclass(frozen=True)
class NetworkInfo:
    name: str
    active: bool
    autostart: bool
    persistent: bool
    forward: str  # nat, route, bridge … or "isolated"
    bridge: str
    subnet: str  # "192.168.122.0/24", or ""
    dhcp: str  # "192.168.122.2-192.168.122.254", or ""
    leases: int | None  # None: not known (inactive, or the driver cannot list them)
    guests: tuple[str, ...]  # every guest with an interface on it
    running: tuple[str, ...]  # the running ones among them


@dataclass(frozen=True)
class Lease:
    mac: str
    ip: str
    hostname: str
    expiry: int  # epoch seconds; 0 when not known
    guest: str  # the guest that owns the MAC, or ""


def _ip_element(root: ET.Element) -> ET.Element | None:
    return next((ip for ip in root.iterfind("ip") if ip.get("family", "ipv4") == "ipv4"), None)


def _subnet(ip: ET.Element | None) -> str:
    if ip is None or not ip.get("address"):
        return ""
    mask = ip.get("prefix") or ip.get("netmask") or "24"
    return str(ipaddress.ip_interface(f"{ip.get('address')}/{mask}").network)


def attached_guests(
    conn: libvirt.virConnect,
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """Network -> guests on it, network -> running guests on it, MAC -> guest."""
    guests: dict[str, set[str]] = defaultdict(set)
    running: dict[str, set[str]] = defaultdict(set)
    macs: dict[str, str] = {}
    for dom in conn.listAllDomains(0):
        active = bool(dom.isActive())
        for iface in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/interface[@type='network']"):
            network = iface.find("source")
            mac = iface.find("mac")
            if mac is not None:
                macs[mac.get("address", "").lower()] = dom.name()
            if network is not None and network.get("network"):
                guests[network.get("network", "")].add(dom.name())
                if active:
                    running[network.get("network", "")].add(dom.name())
    return guests, running, macs


def read_network(net: libvirt.virNetwork, guests: set[str], running: set[str]) -> NetworkInfo:
    root = ET.fromstring(net.XMLDesc(0))
    ip = _ip_element(root)
    dhcp = None if ip is None else ip.find("dhcp/range")
    forward = root.find("forward")
    active = bool(net.isActive())
    leases = None
    if active:
        try:
            leases = len(net.DHCPLeases())
        except libvirt.libvirtError:
            leases = None  # (the test driver lists none)
    return NetworkInfo(
        name=net.name(),
        active=active,
        autostart=bool(net.autostart()),
        persistent=bool(net.isPersistent()),
        forward="isolated" if forward is None else forward.get("mode", "nat"),
        bridge=root.find("bridge").get("name", "") if root.find("bridge") is not None else "",  # type: ignore[union-attr]
        subnet=_subnet(ip),
        dhcp="" if dhcp is None else f"{dhcp.get('start')}-{dhcp.get('end')}",
        leases=leases,
        guests=tuple(sorted(guests)),
        running=tuple(sorted(running)),
    )


def list_networks(conn: libvirt.virConnect) -> list[NetworkInfo]:
    guests, running, macs = attached_guests(conn)
    networks = [read_network(n, guests[n.name()], running[n.name()]) for n in conn.listAllNetworks(0)]
    # A driver that cannot list a network's leases (the test driver): counted from its guests, as
    # the leases table lists them, not "-" beside a table of ten.
    networks = [
        replace(n, leases=len(_leases_of_guests(conn, running[n.name], macs)))
        if n.active and n.leases is None
        else n
        for n in networks
    ]
    return sorted(networks, key=lambda n: n.name)


def list_leases(conn: libvirt.virConnect, name: str) -> tuple[list[Lease], str]:
    """The network's DHCP leases, and where they were read. A driver that cannot list a network's
    leases (the test driver) is asked each running guest on it for its lease instead."""
    net = conn.networkLookupByName(name)
    _guests, running, macs = attached_guests(conn)
    try:
        found = net.DHCPLeases()
    except libvirt.libvirtError:
        return _leases_of_guests(conn, running[name], macs), "each guest's lease"
    leases = [
        Lease(
            mac=(lease.get("mac") or "").lower(),
            ip=f"{lease.get('ipaddr')}/{lease.get('prefix')}",
            hostname=lease.get("hostname") or "",
            expiry=int(lease.get("expirytime") or 0),
            guest=macs.get((lease.get("mac") or "").lower(), ""),
        )
        for lease in found
    ]
    return sorted(leases, key=lambda lease: ipaddress.ip_interface(lease.ip)), "the network's leases"


def _leases_of_guests(conn: libvirt.virConnect, names: set[str], macs: dict[str, str]) -> list[Lease]:
    leases = []
    for name in sorted(names):
        try:
            found = conn.lookupByName(name).interfaceAddresses(
                libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE
            )
        except libvirt.libvirtError:
            continue
        for iface in found.values():
            mac = (iface.get("hwaddr") or "").lower()
            for addr in iface.get("addrs") or []:
                if macs.get(mac) == name:
                    leases.append(Lease(mac, f"{addr['addr']}/{addr['prefix']}", "", 0, name))
    return leases


def start_network(conn: libvirt.virConnect, name: str) -> str:
    conn.networkLookupByName(name).create()
    return f"network {name} started"


def stop_network(conn: libvirt.virConnect, name: str) -> str:
    conn.networkLookupByName(name).destroy()
    return f"network {name} stopped (its guests' interfaces lost their link to it)"


def set_autostart(conn: libvirt.virConnect, name: str, on: bool) -> str:
    conn.networkLookupByName(name).setAutostart(1 if on else 0)
    return f"network {name} autostart {'on' if on else 'off'}"


def delete_network(conn: libvirt.virConnect, name: str, *, force: bool) -> str:
    """Stop and undefine; refused while running guests use it, unless ``force``."""
    _guests, running, _macs = attached_guests(conn)
    users = sorted(running[name])
    if users and not force:
        raise ValueError(f"network {name} is used by running {', '.join(users)}")
    net = conn.networkLookupByName(name)
    if net.isActive():
        net.destroy()
    if net.isPersistent():
        net.undefine()
    return f"network {name} deleted"


@dataclass(frozen=True)
class NetworkRequest:
    name: str
    mode: NetworkMode
    subnet: str  # "192.168.100.0/24"
    dhcp_start: str = ""  # both empty: no DHCP
    dhcp_end: str = ""


def special_range(subnet: ipaddress.IPv4Network) -> str:
    """Why ``subnet`` is no network for guests ("" when it is one)."""
    address = subnet.network_address
    if subnet.prefixlen < 8:
        return "wider than /8 (0.0.0.0/0 is the default route)"
    for test, words in (
        (address.is_unspecified, "0.0.0.0/8 is 'this network', not one to hand out"),
        (address.is_loopback, "127.0.0.0/8 is the host's loopback"),
        (address.is_link_local, "169.254.0.0/16 is link-local"),
        (address.is_multicast, "224.0.0.0/4 is multicast"),
        (address.is_reserved, "240.0.0.0/4 is reserved"),
    ):
        if test:
            return words
    return ""


def local_routes(uri: str, table: str = "/proc/net/route") -> list[tuple[str, ipaddress.IPv4Network]] | None:
    """The routes of this machine, (interface, subnet) but the default route, when ``uri`` is a host
    on this machine; None for a remote host (its routes are not known here: libvirt checks its main
    table when the network starts)."""
    parts = urlsplit(uri)
    if parts.scheme.startswith("test") or (parts.hostname or "localhost") not in ("localhost", "127.0.0.1"):
        return None
    routes = []
    try:
        lines = Path(table).read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        with contextlib.suppress(ValueError, OverflowError):
            # Destination and mask: the address's bytes, little-endian, in hex.
            destination, mask = (
                ipaddress.IPv4Address(int(f, 16).to_bytes(4, "little")) for f in (fields[1], fields[7])
            )
            subnet = ipaddress.IPv4Network(f"{destination}/{mask}", strict=False)
            if subnet.prefixlen:
                routes.append((fields[0], subnet))
    return routes


def dhcp_range(subnet: ipaddress.IPv4Network) -> tuple[str, str]:
    """DHCP over the subnet but the host's first address: .2 to the last before broadcast."""
    hosts = subnet.num_addresses - 2
    if hosts < 2:
        return "", ""
    return str(subnet.network_address + 2), str(subnet.broadcast_address - 1)


def check_network(
    request: NetworkRequest,
    existing: list[NetworkInfo],
    routes: list[tuple[str, ipaddress.IPv4Network]] | None = None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not NETWORK_NAME.match(request.name):
        errors["name"] = "letters, digits and _ . + - (a letter or digit first)"
    elif request.name in {n.name for n in existing}:
        errors["name"] = "a network of that name is on this host"
    try:
        subnet = ipaddress.IPv4Network(request.subnet, strict=True)
    except ValueError:
        errors["subnet"] = "an IPv4 subnet such as 192.168.100.0/24"
        return errors
    if subnet.prefixlen > 30:
        errors["subnet"] = "too small: /30 at most"
        return errors
    if why := special_range(subnet):
        errors["subnet"] = why
        return errors
    for interface, route in routes or ():
        if subnet.overlaps(route):
            errors["subnet"] = f"overlaps the host's route {route} on {interface}"
            return errors
    for other in existing:
        if other.subnet and subnet.overlaps(ipaddress.IPv4Network(other.subnet)):
            errors["subnet"] = f"overlaps {other.name} ({other.subnet})"
            return errors
    if bool(request.dhcp_start) != bool(request.dhcp_end):
        errors["dhcp_end" if request.dhcp_start else "dhcp_start"] = "both ends, or neither (no DHCP)"
        return errors
    gateway = next(subnet.hosts())
    for field in ("dhcp_start", "dhcp_end"):
        text = getattr(request, field)
        if not text:
            continue
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            errors[field] = "an IPv4 address"
            continue
        if address not in subnet or address in (subnet.network_address, subnet.broadcast_address):
            errors[field] = f"outside {subnet}"
        elif address == gateway:
            errors[field] = f"{gateway} is the host's own address on it"
    if (
        not errors
        and request.dhcp_start
        and ipaddress.IPv4Address(request.dhcp_start) > ipaddress.IPv4Address(request.dhcp_end)
    ):
        errors["dhcp_end"] = "before the start of the range"
    return errors


def suggested_request(
    existing: list[NetworkInfo], routes: list[tuple[str, ipaddress.IPv4Network]] | None = None
) -> NetworkRequest:
    """The first 192.168.N.0/24 free on the host (its networks and its routes), with DHCP on .2-.254."""
    taken = [ipaddress.IPv4Network(n.subnet) for n in existing if n.subnet]
    taken += [route for _interface, route in routes or ()]
    names = {n.name for n in existing}
    name = next(f"net{i}" for i in range(1, 1000) if f"net{i}" not in names)
    for third in range(100, 255):
        subnet = ipaddress.IPv4Network(f"192.168.{third}.0/24")
        if not any(subnet.overlaps(t) for t in taken):
            return NetworkRequest(name, NetworkMode.NAT, str(subnet), *dhcp_range(subnet))
    return NetworkRequest(name, NetworkMode.NAT, "", "", "")


def network_xml(request: NetworkRequest) -> str:
    subnet = ipaddress.IPv4Network(request.subnet)
    root = ET.Element("network")
    ET.SubElement(root, "name").text = request.name
    if request.mode is not NetworkMode.ISOLATED:
        ET.SubElement(root, "forward", mode=request.mode.value)
    ip = ET.SubElement(root, "ip", address=str(next(subnet.hosts())), prefix=str(subnet.prefixlen))
    if request.dhcp_start:
        ET.SubElement(ET.SubElement(ip, "dhcp"), "range", start=request.dhcp_start, end=request.dhcp_end)
    return ET.tostring(root, encoding="unicode")


def define_network(conn: libvirt.virConnect, request: NetworkRequest) -> str:
    """Define, start, autostart; a network that does not start is undefined again."""
    net = conn.networkDefineXML(network_xml(request))
    try:
        net.create()
        net.setAutostart(1)
    except libvirt.libvirtError:
        if net.isActive():
            net.destroy()
        net.undefine()
        raise
    return f"network {request.name} ({request.mode.value}, {request.subnet}) defined, started, autostart on"
