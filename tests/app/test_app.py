"""The app driven by Pilot against libvirt's test driver."""

from __future__ import annotations

import libvirt

from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.domains_table import DomainsTable
from tuivirt.ui.hosts_table import HostsTable

DEMO = HostConfig("demo", demo_uri())
DEAD = HostConfig("dead", "qemu:///system?socket=/nonexistent/libvirt-sock")


def column(table: DomainsTable, name: str) -> list[str]:
    return [str(v) for v in table.get_column(name.lower())]


async def test_demo_shows_every_guest_and_state() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DomainsTable)
        conn = libvirt.open(DEMO.uri)
        expected = {d.name(): d.isActive() for d in conn.listAllDomains()}
        conn.close()
        await wait_until(pilot, lambda: table.row_count == len(expected))
        states = dict(zip(column(table, "Name"), column(table, "State"), strict=True))
        assert set(states) == set(expected)
        assert states["db-primary"] == "running"
        assert states["mail-relay"] == "paused"
        assert states["win-test"] == "shut off"
        assert app.focused is table


async def test_dead_host_shows_reason_and_others_keep_working() -> None:
    app = TuivirtApp([DEAD, DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        hosts = app.query_one(HostsTable)
        domains = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: hosts.row_count == 2 and domains.row_count > 0)
        await wait_until(pilot, lambda: str(hosts.get_cell(DEAD.uri, "state")).startswith("down:"))
        state = str(hosts.get_cell(DEAD.uri, "state"))
        assert "/nonexistent/libvirt-sock" in state
        assert "\n" not in state
        assert str(hosts.get_cell(DEMO.uri, "state")) == "up"
        assert set(column(domains, "Host")) == {"demo"}
        await pilot.press("down")  # still answering keys
        assert domains.cursor_row == 1


async def test_q_quits() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_new_guest_appears_on_next_poll() -> None:
    """test:///default is shared within the process: a guest defined beside the app shows up."""
    conn = libvirt.open("test:///default")
    app = TuivirtApp([HostConfig("test", "test:///default")], refresh=0.2)
    async with app.run_test() as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        dom = conn.defineXML(
            "<domain type='test'><name>added-later</name><memory>65536</memory>"
            "<os><type>hvm</type></os></domain>"
        )
        try:
            await wait_until(pilot, lambda: "added-later" in column(table, "Name"))
            dom.undefine()
            await wait_until(pilot, lambda: "added-later" not in column(table, "Name"))
        finally:
            conn.close()
