"""Live state on the real daemon: events, CPU, a killed daemon, and `tuivirt list` against virsh."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.app.helpers import domain, key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, virsh
from tests.integration.second_host import SecondHost
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.ui.shared.widgets.domains_table import DomainsTable
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


async def test_start_from_virsh_shows_by_the_event(guest_name: str) -> None:
    """The poll is every 60 s here: only the lifecycle event can show the start within 20 s. (How
    fast is a figure for benchmarks, not a test: a loaded CI machine must not fail it.)"""
    app = TuivirtApp([LOCAL], refresh=60)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: state_of(table, guest_name) == "shut off", timeout=15)
        virsh("start", guest_name)
        await wait_until(pilot, lambda: state_of(table, guest_name) == "running", timeout=20)


async def test_cpu_is_measured_while_the_guest_boots(guest_name: str) -> None:
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(DomainsTable)
        virsh("start", guest_name)

        def cpu() -> float:
            key = key_of(table, guest_name)
            return (domain(table, key).cpu_pct or 0.0) if key else 0.0

        await wait_until(pilot, lambda: cpu() > 0, timeout=10)
        hosts = app.query_one(HostsTable)
        assert hosts.cell_text(SYSTEM_URI, "state") == "up"
        assert hosts.cell_text(SYSTEM_URI, "cpu") != "-"


async def test_killed_daemon_shows_down_then_comes_back(
    second_host: SecondHost, second_host_guest: str, guest_name: str
) -> None:
    """The second host's libvirtd killed with SIGKILL (by its recorded pid) and started again. The
    cursor, on a guest of that host, waits for it and is back on it afterwards (never a neighbour)."""
    other = HostConfig("second", second_host.uri)
    app = TuivirtApp([LOCAL, other], refresh=0.5)
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(DomainsTable)
        hosts = app.query_one(HostsTable)
        await wait_until(pilot, lambda: state_of(table, second_host_guest) == "shut off", timeout=15)
        await wait_until(pilot, lambda: state_of(table, guest_name) == "shut off", timeout=15)
        chosen = key_of(table, second_host_guest)
        assert chosen is not None and table.select_key(chosen)
        await pilot.press("s")
        await wait_until(pilot, lambda: state_of(table, second_host_guest) == "running", timeout=15)

        second_host.kill_daemon()
        await wait_until(pilot, lambda: hosts.cell_text(other.uri, "state").startswith("down"), timeout=10)
        assert state_of(table, second_host_guest) is None  # a down host's guests are not shown as if live
        assert table.cursor_row == -1 and app.main.targets() == []  # the cursor did not jump elsewhere
        await pilot.press("s")  # nothing selected: nothing started
        assert state_of(table, guest_name) == "shut off"
        assert hosts.cell_text(SYSTEM_URI, "state") == "up"  # the machine's daemon never noticed

        second_host.start_daemon()
        await wait_until(pilot, lambda: hosts.cell_text(other.uri, "state") == "up", timeout=40)
        await wait_until(pilot, lambda: state_of(table, second_host_guest) == "running", timeout=10)
        assert table.cursor_key == chosen
        assert virsh("domstate", guest_name).strip() == "shut off"


def test_list_json_agrees_with_virsh(guest_name: str) -> None:
    virsh("start", guest_name)
    result = subprocess.run(
        [sys.executable, "-m", "tuivirt", "list", "--json", "--interval", "0.2", "-c", SYSTEM_URI],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (host,) = json.loads(result.stdout)["hosts"]
    ours = {d["name"]: d["state"] for d in host["domains"]}
    names = virsh("list", "--all", "--name").split()
    theirs = {name: virsh("domstate", name).strip() for name in names}
    assert ours == theirs
    assert ours[guest_name] == "running"
