"""A new network's subnet: refused where it is no network for guests (the default route, loopback,
multicast, link-local, reserved) or where it overlaps a route the host has; the DHCP range moves
with the subnet. Once 127.0.0.0/8 was defined, started and autostarted, and the bridge got
127.0.0.1/8."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from tuivirt.backend.ops.networks.virtual_networks import (
    NetworkMode,
    NetworkRequest,
    check_network,
    dhcp_range,
    local_routes,
    suggested_request,
)


@pytest.mark.parametrize(
    ("subnet", "why"),
    [
        ("0.0.0.0/0", "default route"),
        ("0.0.0.0/8", "this network"),
        ("127.0.0.0/8", "loopback"),
        ("127.1.0.0/24", "loopback"),
        ("224.0.0.0/24", "multicast"),
        ("169.254.10.0/24", "link-local"),
        ("240.0.0.0/24", "reserved"),
        ("10.0.0.0/7", "wider than /8"),
    ],
)
def test_no_network_for_guests_is_refused(subnet: str, why: str) -> None:
    errors = check_network(NetworkRequest("n1", NetworkMode.NAT, subnet), [])
    assert why in errors["subnet"]


ROUTE_TABLE = """Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
"""


def test_a_subnet_over_a_host_route_is_refused_and_the_offer_avoids_it(tmp_path: Path) -> None:
    table = tmp_path / "route"
    table.write_text(ROUTE_TABLE)
    routes = local_routes("qemu:///system", str(table))
    assert routes == [
        ("eth0", ipaddress.IPv4Network("192.0.2.0/24")),
        ("docker0", ipaddress.IPv4Network("172.17.0.0/16")),
    ]  # the default route is not one of them
    request = NetworkRequest("n1", NetworkMode.NAT, "172.17.5.0/24", "172.17.5.2", "172.17.5.254")
    assert check_network(request, [], routes) == {
        "subnet": "overlaps the host's route 172.17.0.0/16 on docker0"
    }
    assert local_routes("qemu+ssh://far/system", str(table)) is None  # a remote host's are not ours
    busy = [("virbr9", ipaddress.IPv4Network("192.168.100.0/23"))]
    assert suggested_request([], busy).subnet == "192.168.102.0/24"


def test_the_dhcp_range_follows_the_subnet() -> None:
    assert dhcp_range(ipaddress.IPv4Network("10.9.0.0/16")) == ("10.9.0.2", "10.9.255.254")
    assert dhcp_range(ipaddress.IPv4Network("10.9.0.0/30")) == ("10.9.0.2", "10.9.0.2")
