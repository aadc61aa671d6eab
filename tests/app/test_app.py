"""The app driven by Pilot against libvirt's test driver."""

from __future__ import annotations

import re
from pathlib import Path

import libvirt

from tests.app.helpers import demo_copy, domain, names, state_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.widgets.domains_table import DomainsTable
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

DEMO = HostConfig("demo", demo_uri())
DEAD = HostConfig("dead", "qemu:///system?socket=/nonexistent/libvirt-sock")
SHARED = HostConfig("test", "test:///default")  # state shared by every connection in this process


async def test_demo_shows_every_guest_and_state() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DomainsTable)
        conn = libvirt.open(DEMO.uri)
        expected = {d.name() for d in conn.listAllDomains()}
        conn.close()
        await wait_until(pilot, lambda: table.row_count == len(expected))
        assert set(names(table)) == expected
        assert names(table) == sorted(expected)
        assert state_of(table, "db-primary") == "running"
        assert state_of(table, "mail-relay") == "paused"
        assert state_of(table, "win-test") == "shut off"
        assert app.focused is table


async def test_hosts_table_shows_facts() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(160, 30)) as pilot:
        hosts = app.query_one(HostsTable)
        await wait_until(pilot, lambda: hosts.row_count == 1 and hosts.cell_text(DEMO.uri, "state") == "up")
        assert hosts.cell_text(DEMO.uri, "guests") == "10/14"
        # (read just after the first poll, which paints first)
        await wait_until(pilot, lambda: hosts.cell_text(DEMO.uri, "hypervisor").startswith("TEST"))
        assert hosts.cell_text(DEMO.uri, "libvirt").count(".") == 2
        assert hosts.cell_text(DEMO.uri, "memory") == "128.0 GiB"  # the test driver knows no free memory


async def test_dead_host_shows_reason_and_others_keep_working() -> None:
    app = TuivirtApp([DEAD, DEMO])
    async with app.run_test(size=(160, 30)) as pilot:
        hosts = app.query_one(HostsTable)
        domains = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: hosts.row_count == 2 and domains.row_count > 0)
        await wait_until(pilot, lambda: hosts.cell_text(DEAD.uri, "state").startswith("down"))
        state = hosts.cell_text(DEAD.uri, "state")
        assert "Failed to connect socket to '/nonexistent/libvirt-sock'" in state
        assert re.match(r"down, (retry in \d+ s|retrying): ", state)  # countdown first: fits 80 columns
        assert hosts.cell_text(DEMO.uri, "state") == "up"
        assert {domain(domains, k).host for k in domains.keys} == {"demo"}
        await pilot.press("down")  # still answering keys
        assert domains.cursor_row == 1
        assert any("nonexistent" in str(n.message) for n in app._notifications)


async def test_q_quits() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_lifecycle_events_reach_the_table_without_polling() -> None:
    """define/start/destroy/undefine beside the app show at once; the 60 s poll never runs."""
    conn = libvirt.open(SHARED.uri)
    app = TuivirtApp([SHARED], refresh=60)
    async with app.run_test() as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count >= 1)
        dom = conn.defineXML(
            "<domain type='test'><name>added-later</name><memory>65536</memory>"
            "<os><type>hvm</type></os></domain>"
        )
        try:
            await wait_until(pilot, lambda: state_of(table, "added-later") == "shut off", timeout=2)
            dom.create()
            await wait_until(pilot, lambda: state_of(table, "added-later") == "running", timeout=2)
            dom.suspend()
            await wait_until(pilot, lambda: state_of(table, "added-later") == "paused", timeout=2)
            dom.destroy()
            await wait_until(pilot, lambda: state_of(table, "added-later") == "shut off", timeout=2)
            dom.undefine()
            await wait_until(pilot, lambda: state_of(table, "added-later") is None, timeout=2)
        finally:
            conn.close()


async def test_names_with_control_characters_are_drawn_escaped() -> None:
    """libvirt takes a tab, a CR and U+202E in a name; drawn raw they misalign or overwrite rows."""
    from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen

    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == 14)
        raw = "evil\tname\rover\u202ex"
        app.fleet.session(DEMO.uri).call(
            lambda c: c.defineXML(
                "<domain type='test'><name>evil&#9;name&#13;over&#x202e;x</name><memory>65536</memory>"
                "<os><type>hvm</type></os></domain>"
            )
        )
        await wait_until(pilot, lambda: table.row_count == 15)
        key = next(k for k in table.keys if domain(table, k).name == raw)
        assert table.cell_text(key, "name") == "evil\\tname\\rover\\u202ex"
        assert table.select_key(key)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen))
        title = str(app.screen.query_one(".dialog-title").render())
        assert "evil\\tname\\rover\\u202ex on demo" in title and "\r" not in title


async def test_cursor_waits_for_its_guest_while_its_host_is_away(tmp_path: Path) -> None:
    """Cursor on a guest of host B; B goes away: no row is selected (an action would hit a
    neighbour); B comes back: the cursor is on that guest again."""
    other = demo_copy(tmp_path, "other")
    app = TuivirtApp([DEMO, other])
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == 28)
        chosen = next(k for k in table.keys if k.startswith(other.uri) and domain(table, k).name == "web-02")
        assert table.select_key(chosen)
        app.fleet.disconnect(other.uri)
        await wait_until(pilot, lambda: table.row_count == 14)
        assert app.main.targets() == [] and table.cursor_row == -1
        await pilot.press("s")  # would start a neighbour if the cursor had moved to one
        app.fleet.connect(other.uri)
        await wait_until(pilot, lambda: table.row_count == 28)
        assert table.cursor_key == chosen
        assert all(n.title != "Start" for n in app._notifications)


async def test_tiny_terminal_keeps_host_name_and_state() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(40, 12)) as pilot:
        hosts = app.query_one(HostsTable)
        await wait_until(pilot, lambda: hosts.row_count == 1 and hosts.cell_text(DEMO.uri, "state") == "up")
        assert hosts.visible_columns == ["name", "state"]
        assert "up" in "".join(seg.text for seg in hosts.render_line(1))
