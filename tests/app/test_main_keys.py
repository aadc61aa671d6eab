"""Keys of the main screen not covered elsewhere: O, Tab, < and >, Delete, Ctrl+A and Esc, and the
hosts dialog's e with a changed name or URI (the host reconnects), and a save that fails."""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import domain, key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.health.screen import HealthScreen
from tuivirt.ui.hosts.host_form import HostFormScreen
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.widgets.domains_table import DomainsTable
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

DEMO = HostConfig("demo", demo_uri())
LAB = "test:///default"


def current(app: TuivirtApp) -> object:
    return app.screen


def focused(app: TuivirtApp) -> object:
    return app.focused


async def test_health_tab_sort_delete_and_marks() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == 14)

        await pilot.press("O")
        assert isinstance(current(app), HealthScreen)
        await pilot.press("escape")
        assert isinstance(current(app), MainScreen)

        assert focused(app) is table
        await pilot.press("tab")
        assert focused(app) is app.query_one(HostsTable)
        await pilot.press("tab")
        assert focused(app) is table

        assert table.sort_column.key == "name"
        await pilot.press("greater_than_sign")
        assert table.sort_column.key == "state"
        await pilot.press("less_than_sign", "less_than_sign")
        assert table.sort_column.key == "host"

        await pilot.press("slash", *"web")
        await pilot.press("enter")
        await pilot.press("ctrl+a")
        assert {domain(table, k).name for k in table.marks} == {"web-01", "web-02", "web-03"}
        await pilot.press("escape")
        assert table.marks == set()

        key = key_of(table, "web-02")
        assert key is not None and table.select_key(key)
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(current(app), DeleteScreen))
        assert "web-02 on demo" in str(app.screen.query_one(".dialog-title").render())


async def test_editing_a_host_name_and_uri_reconnects_it(tmp_path: Path) -> None:
    lab_file = tmp_path / "lab.xml"
    lab_file.write_text(Path(demo_uri().removeprefix("test://")).read_text())
    app = TuivirtApp([DEMO, HostConfig("lab", LAB)], config_file=tmp_path / "config.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        hosts, table = app.query_one(HostsTable), app.query_one(DomainsTable)
        await wait_until(pilot, lambda: {domain(table, k).host for k in table.keys} == {"demo", "lab"})
        await pilot.press("H")
        assert isinstance(current(app), HostsScreen)
        await pilot.press("down", "e")  # lab is second
        assert isinstance(current(app), HostFormScreen)
        await pilot.press("ctrl+u", *f"test://{lab_file}", "tab", "ctrl+u", *"lab2", "ctrl+s")
        assert isinstance(current(app), HostsScreen)
        new_uri = f"test://{lab_file}"
        await wait_until(
            pilot, lambda: hosts.item(new_uri) is not None and hosts.cell_text(new_uri, "state") == "up"
        )
        assert LAB not in hosts.keys and LAB not in app.fleet.sessions and new_uri in app.fleet.sessions
        await wait_until(pilot, lambda: sum(domain(table, k).host == "lab2" for k in table.keys) == 14)
        assert "lab" not in {domain(table, k).host for k in table.keys}


async def test_a_failed_save_says_why_and_keeps_the_changes() -> None:
    """sysfs takes no new files, even from root: the save fails where it writes the new file."""
    config_file = Path("/sys/tuivirt-test-config.toml")
    app = TuivirtApp([DEMO], config_file=config_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("H", "a", *LAB, "ctrl+s")
        assert isinstance(current(app), HostsScreen)
        await pilot.press("w")
        await wait_until(pilot, lambda: any("Cannot save" in str(n.message) for n in app._notifications))
        message = next(str(n.message) for n in app._notifications if "Cannot save" in str(n.message))
        assert message.startswith(f"Cannot save the hosts to {config_file}: cannot write beside")
        assert "\n" not in message
        assert app.fleet.hosts.unsaved_changes and not config_file.exists()
