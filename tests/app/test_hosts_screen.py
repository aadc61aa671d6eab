"""Hosts managed from the UI: add, disconnect, connect, remove, and the config file round trip."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from tests.app.helpers import domain
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import load_config
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import build_parser, demo_uri, hosts_from_args
from tuivirt.ui.hosts.host_form import HostFormScreen
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.shared.widgets.domains_table import DomainsTable
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

DEMO = HostConfig("demo", demo_uri())
LAB = "test:///default"


def current(app: TuivirtApp) -> object:
    """The screen on top (a function, so that mypy does not carry one isinstance to the next)."""
    return app.screen


def guest_hosts(table: DomainsTable) -> set[str]:
    return {domain(table, key).host for key in table.keys}


async def test_hosts_added_in_the_ui_are_saved_and_read_back(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('# mine\nrefresh = 3  # slow link\n\n[keys]\n"guest.force_off" = "K"\n')
    app = TuivirtApp([DEMO], config_file=config_file)
    async with app.run_test(size=(80, 24)) as pilot:
        hosts, domains = app.query_one(HostsTable), app.query_one(DomainsTable)
        await wait_until(pilot, lambda: domains.row_count > 0)
        await pilot.press("H")
        assert isinstance(current(app), HostsScreen)
        await pilot.press("a")
        assert isinstance(current(app), HostFormScreen)
        await pilot.press(*LAB)
        await pilot.press("tab", *"lab")  # from the URI to the name
        await pilot.press("ctrl+s")
        assert isinstance(current(app), HostsScreen)
        await wait_until(pilot, lambda: "lab" in guest_hosts(domains))
        assert hosts.cell_text(LAB, "state") == "up"

        await pilot.press("w")
        await wait_until(pilot, lambda: "lab" in config_file.read_text())
        config, warnings = load_config(config_file)
        assert warnings == []
        assert config.hosts == (HostConfig("lab", LAB, True),)  # the -c host is for this run only
        assert config.refresh == 3.0 and config.keymap == {"guest.force_off": "K"}
        assert "# slow link" in config_file.read_text()

        await pilot.press("down", "x")  # the cursor on lab: disconnect
        await wait_until(pilot, lambda: "lab" not in guest_hosts(domains))
        assert hosts.cell_text(LAB, "state").startswith("not connected")
        assert guest_hosts(domains) == {"demo"}
        await pilot.press("c")
        await wait_until(pilot, lambda: "lab" in guest_hosts(domains))

        await pilot.press("enter")  # edit: connect at start off
        assert isinstance(current(app), HostFormScreen)
        await pilot.press("tab", "tab", "space", "ctrl+s")
        await wait_until(pilot, lambda: app.fleet.hosts.get(LAB) == HostConfig("lab", LAB, False))
        await wait_until(pilot, lambda: "lab" in guest_hosts(domains))  # it was connected: it still is
        await pilot.press("d", "y")
        await wait_until(pilot, lambda: LAB not in hosts.keys)
        assert guest_hosts(domains) == {"demo"}
        await pilot.press("w")
        await wait_until(pilot, lambda: "lab" not in config_file.read_text())
        assert load_config(config_file)[0].hosts == ()


async def test_host_form_names_the_bad_field_and_will_not_save(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO], config_file=tmp_path / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("H", "a", *"kvm1.example.org")
        form = current(app)
        assert isinstance(form, HostFormScreen)
        assert "driver" in str(form.query_one("#uri-why", Static).render())
        assert form.query_one("#save", Button).disabled
        await pilot.press("ctrl+u", *demo_uri())
        assert "already a host" in str(form.query_one("#uri-why", Static).render())
        await pilot.press("ctrl+s")
        assert current(app) is form  # still open, nothing added
        assert len(app.fleet.hosts) == 1
        await pilot.press("escape")
        assert isinstance(current(app), HostsScreen)
        assert not (tmp_path / "config.toml").exists()


async def test_hosts_not_connected_at_start_wait_for_the_user(tmp_path: Path) -> None:
    lab = HostConfig("lab", LAB, autoconnect=False)
    app = TuivirtApp([DEMO, lab], config_file=tmp_path / "config.toml", saved_uris={LAB})
    async with app.run_test(size=(80, 24)) as pilot:
        hosts, domains = app.query_one(HostsTable), app.query_one(DomainsTable)
        await wait_until(pilot, lambda: domains.row_count > 0 and hosts.row_count == 2)
        assert hosts.cell_text(LAB, "state").startswith("not connected")
        assert LAB not in app.fleet.sessions and guest_hosts(domains) == {"demo"}


async def test_malformed_config_is_named_by_line_and_command_line_hosts_still_open(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[[hosts]]\nuri = "qemu+ssh://root@kvm1/system"\nname = kvm1\n')
    config, warnings = load_config(config_file)
    args = build_parser().parse_args(["--demo", "--config", str(config_file)])
    app = TuivirtApp(hosts_from_args(args, config.hosts), config=config, warnings=warnings)
    async with app.run_test(size=(80, 24)) as pilot:
        domains = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: domains.row_count > 0)
        assert [h.uri for h in app.fleet.hosts] == [demo_uri()]
        messages = [str(n.message) for n in app._notifications]
        assert len(messages) == 1 and messages[0].startswith(f"{config_file}, line 3, column 8:")
