"""`N`: networks and their leases on the test driver, driven by keys: the tables, the define form's
checks, stop / start / delete with running guests on the network, and reading after events."""

from __future__ import annotations

from functools import partial
from typing import Any
from xml.etree import ElementTree

import libvirt
from textual.pilot import Pilot

from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.networks.network_form import NetworkFormScreen
from tuivirt.ui.networks.networks_table import network_key
from tuivirt.ui.networks.screen import NetworksScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen

DEMO = HostConfig("demo", demo_uri())
NET = network_key(DEMO.uri, "demo-net")


def on_host(app: TuivirtApp, work: Any) -> Any:
    return app.fleet.session(DEMO.uri).call(work, changes=False)


async def open_networks(pilot: Pilot[Any], app: TuivirtApp) -> NetworksScreen:
    def up() -> bool:
        snapshot = app.fleet.snapshots.get(DEMO.uri)
        return snapshot is not None and snapshot.status is HostStatus.UP

    await wait_until(pilot, up)
    await pilot.press("N")
    await wait_until(pilot, lambda: isinstance(app.screen, NetworksScreen))
    screen = app.screen
    assert isinstance(screen, NetworksScreen)
    await wait_until(pilot, lambda: screen.networks.item(NET) is not None)
    await wait_until(pilot, lambda: screen.leases.row_count > 0)
    return screen


def why(form: Any, field: str) -> str:
    return str(form.query_one(f"#{field}-why").render())


async def test_networks_and_their_leases() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_networks(pilot, app)
        networks, leases = screen.networks, screen.leases
        assert networks.cell_text(NET, "subnet") == "192.168.150.0/24"
        assert networks.cell_text(NET, "forward") == "nat"
        assert networks.cell_text(NET, "guests").strip() == "10/14"  # running / all on it
        assert leases.row_count == 10
        assert networks.cell_text(NET, "leases") == "10"  # the column counts what the table lists
        by_guest = {leases.cell_text(k, "guest"): leases.cell_text(k, "ip") for k in leases.keys}
        assert by_guest["web-01"] == "192.168.150.3/24"
        assert "from each guest's lease" in str(screen.query_one("#leases-title").render())
        reads = screen.reads
        await pilot.pause(3 * app.fleet._refresh + 0.5)
        assert screen.reads == reads  # not on ticks


async def test_define_checks_the_subnet_and_range() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_networks(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NetworkFormScreen))
        form = app.screen
        fields = {f: form.query_one(f"#{f}") for f in ("name", "subnet", "dhcp_start", "dhcp_end")}

        async def set_value(field: str, value: str) -> None:
            fields[field].value = value  # type: ignore[attr-defined]
            await pilot.pause()

        assert fields["subnet"].value == "192.168.100.0/24"  # type: ignore[attr-defined]  # a free one offered
        await set_value("name", "demo-net")
        assert "a network of that name" in why(form, "name")
        await set_value("name", "lab")
        await set_value("subnet", "192.168.150.128/25")
        assert why(form, "subnet") == "overlaps demo-net (192.168.150.0/24)"
        await set_value("subnet", "10.1.2.0/33")
        assert "an IPv4 subnet" in why(form, "subnet")
        await set_value("subnet", "10.1.2.0/24")
        # The offered range moved with the subnet (it once stayed on 192.168.100.x).
        assert (fields["dhcp_start"].value, fields["dhcp_end"].value) == ("10.1.2.2", "10.1.2.254")  # type: ignore[attr-defined]
        await set_value("subnet", "127.0.0.0/8")
        assert why(form, "subnet") == "127.0.0.0/8 is the host's loopback"
        await set_value("subnet", "10.1.2.0/24")
        await set_value("dhcp_start", "10.9.9.9")
        assert "outside 10.1.2.0/24" in why(form, "dhcp_start")
        await set_value("dhcp_start", "10.1.2.1")
        assert "the host's own address" in why(form, "dhcp_start")
        await set_value("dhcp_start", "10.1.2.100")
        await set_value("dhcp_end", "10.1.2.50")
        assert "before the start" in why(form, "dhcp_end")
        await set_value("dhcp_end", "10.1.2.200")
        await pilot.press("ctrl+s")
        lab = network_key(DEMO.uri, "lab")
        await wait_until(pilot, lambda: screen.networks.item(lab) is not None)
        assert screen.networks.cell_text(lab, "state") == "active"
        assert screen.networks.cell_text(lab, "autostart") == "yes"
        assert screen.networks.cell_text(lab, "dhcp") == "10.1.2.100-10.1.2.200"


async def test_stop_start_and_delete_a_network_in_use() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_networks(pilot, app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "web-01" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.networks.cell_text(NET, "state") == "inactive")
        await wait_until(pilot, lambda: screen.leases.row_count == 0)
        assert "is not active" in str(screen.query_one("#leases-title").render())
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.networks.cell_text(NET, "state") == "active")
        await wait_until(pilot, lambda: screen.leases.row_count == 10)

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Delete a network in use?" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")  # left as it was
        await pilot.pause(0.3)
        assert screen.networks.item(NET) is not None
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.networks.item(NET) is None)
        assert on_host(app, lambda conn: conn.listNetworks() + conn.listDefinedNetworks()) == []


async def test_a_network_defined_elsewhere_shows_without_r() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_networks(pilot, app)

        def define(conn: libvirt.virConnect) -> None:
            conn.networkDefineXML("<network><name>other</name></network>")

        on_host(app, define)
        other = network_key(DEMO.uri, "other")
        await wait_until(pilot, lambda: screen.networks.item(other) is not None)
        assert screen.networks.cell_text(other, "state") == "inactive"
        assert screen.networks.cell_text(other, "forward") == "isolated"


async def test_routed_and_isolated_networks_autostart_and_r() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_networks(pilot, app)
        for name, mode, subnet in (("routed", "route", "10.7.1.0/24"), ("closed", "isolated", "10.7.2.0/24")):
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, NetworkFormScreen))
            form = app.screen
            form.query_one("#name").value = name  # type: ignore[attr-defined]
            form.query_one("#mode").value = mode  # type: ignore[attr-defined]
            form.query_one("#subnet").value = subnet  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.press("ctrl+s")
            key = network_key(DEMO.uri, name)
            await wait_until(pilot, partial(lambda k: screen.networks.item(k) is not None, key))
            assert screen.networks.cell_text(key, "forward") == ("route" if mode == "route" else "isolated")
            xml = on_host(app, partial(lambda n, conn: conn.networkLookupByName(n).XMLDesc(0), name))
            forward = ElementTree.fromstring(xml).find("forward")
            assert (forward.get("mode") if forward is not None else "isolated") == mode
            ip = ElementTree.fromstring(xml).find("ip")
            assert ip is not None and ip.get("address") == subnet.replace(".0/24", ".1")

        closed = network_key(DEMO.uri, "closed")
        assert screen.networks.select_key(closed)
        assert screen.networks.cell_text(closed, "autostart") == "yes"
        await pilot.press("a")
        await wait_until(pilot, lambda: screen.networks.cell_text(closed, "autostart") == "no")
        assert not on_host(app, lambda conn: conn.networkLookupByName("closed").autostart())

        # Changed elsewhere with no event for it (autostart): shown after r.
        on_host(app, lambda conn: conn.networkLookupByName("closed").setAutostart(1))
        await pilot.pause(0.5)
        assert screen.networks.cell_text(closed, "autostart") == "no"
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.networks.cell_text(closed, "autostart") == "yes")
