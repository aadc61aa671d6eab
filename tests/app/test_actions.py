"""Guest actions driven by keys, on the demo host (libvirt's test driver, fresh for each app).

Results are checked through the app's own connection: a node file is parsed anew by every
connection, so only that one sees what the app did.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import pytest
from rich.syntax import Syntax
from rich.table import Table
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Button, Static

from tests.app.helpers import demo_copy, domain, key_of, state_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import Config
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.ops.lifecycle.actions import Action
from tuivirt.cli import demo_uri
from tuivirt.ui.details.screen import DetailsScreen
from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.help import HelpScreen
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

DEMO = HostConfig("demo", demo_uri())
SHUTOFF, RUNNING, PAUSED = libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_PAUSED


def libvirt_view(app: TuivirtApp, uri: str, read: Callable[[libvirt.virConnect], Any]) -> Any:
    return app.fleet.session(uri).call(read)


def real_state(app: TuivirtApp, name: str) -> int:
    return int(libvirt_view(app, DEMO.uri, lambda c: c.lookupByName(name).info()[0]))


async def ready(pilot: Pilot[Any], app: TuivirtApp) -> DomainsTable:
    table = app.main.table
    await wait_until(pilot, lambda: table.row_count >= 14)
    return table


async def select(pilot: Pilot[Any], table: DomainsTable, name: str) -> None:
    key = key_of(table, name)
    assert key is not None and table.select_key(key)
    await pilot.pause()


@pytest.mark.parametrize(
    ("guest", "keys", "expected_label", "expected_state"),
    [
        ("backup", ["s"], "running", RUNNING),
        ("web-01", ["S"], "shut off", SHUTOFF),  # the test driver shuts down at once
        ("web-01", ["p"], "paused", PAUSED),
        ("mail-relay", ["u"], "running", RUNNING),
        ("web-02", ["F", "y"], "shut off", SHUTOFF),
    ],
)
async def test_lifecycle_keys(guest: str, keys: list[str], expected_label: str, expected_state: int) -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, guest)
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: state_of(table, guest) == expected_label)
        assert real_state(app, guest) == expected_state
        assert any("done" in str(n.message) for n in app._notifications)


async def test_done_is_said_when_the_row_shows_it() -> None:
    """ "Start: done" once came ~150 ms before the row said running: `c` pressed then was refused."""
    app = TuivirtApp([DEMO], refresh=3600)  # (no poll to catch up: the lifecycle event does)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "backup")
        shown_then: list[tuple[str, str | None]] = []
        real_notify = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            shown_then.append((str(message), state_of(table, "backup")))
            real_notify(message, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("s")
        await wait_until(pilot, lambda: any("Start: backup done" in m for m, _state in shown_then))
        assert [state for m, state in shown_then if "Start: backup done" in m] == ["running"]


def reports(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_reboot_is_asked_of_libvirt() -> None:
    """The test driver shows a reboot only through <on_reboot>: destroy makes it a stop."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        libvirt_view(
            app,
            DEMO.uri,
            lambda c: c.defineXML(
                "<domain type='test'><name>reboot-probe</name><memory>65536</memory>"
                "<os><type>hvm</type></os><on_reboot>destroy</on_reboot></domain>"
            ).create(),
        )
        await wait_until(pilot, lambda: state_of(table, "reboot-probe") == "running")
        await select(pilot, table, "reboot-probe")
        await pilot.press("r")  # not destructive: no question
        await wait_until(pilot, lambda: state_of(table, "reboot-probe") == "shut off")
        state, reason = libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("reboot-probe").state(0))
        assert (state, reason) == (SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN)
        await wait_until(pilot, lambda: "Reboot: reboot-probe done" in reports(app))


async def test_reset_asks_first_then_resets() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-02")
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmScreen)
        assert "web-02 on demo" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: "Reset: web-02 done" in reports(app))
        assert real_state(app, "web-02") == RUNNING  # a reset guest runs on


@pytest.mark.parametrize(("key", "answer"), [("F", "n"), ("F", "escape"), ("R", "n"), ("R", "escape")])
async def test_destructive_action_answered_no_changes_nothing(key: str, answer: str) -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "db-primary")
        await pilot.press(key)
        assert isinstance(app.screen, ConfirmScreen)
        assert "db-primary on demo" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press(answer)
        assert isinstance(app.screen, MainScreen)
        await app.workers.wait_for_complete()
        assert not app.main.pending.label(key_of(table, "db-primary") or "")  # nothing was started
        assert reports(app) == ""
        assert real_state(app, "db-primary") == RUNNING
        assert state_of(table, "db-primary") == "running"


async def test_save_then_start_restores() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "dns-01")
        await pilot.press("m")
        await wait_until(pilot, lambda: state_of(table, "dns-01") == "shut off")
        assert libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("dns-01").hasManagedSaveImage(0)) == 1
        key = key_of(table, "dns-01")
        assert key is not None
        await wait_until(pilot, lambda: domain(table, key).managed_save is True)
        await pilot.press("s")
        await wait_until(pilot, lambda: state_of(table, "dns-01") == "running")
        assert libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("dns-01").hasManagedSaveImage(0)) == 0


async def test_autostart_on_and_off() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(160, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-01")
        key = table.cursor_key
        assert key is not None
        await pilot.press("a")
        await wait_until(pilot, lambda: table.cell_text(key, "autostart") == "yes")
        assert libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("web-01").autostart()) == 1
        await pilot.press("A")
        await wait_until(pilot, lambda: table.cell_text(key, "autostart") == "no")
        assert libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("web-01").autostart()) == 0


def volume_names(app: TuivirtApp) -> set[str]:
    return set(libvirt_view(app, DEMO.uri, lambda c: c.storagePoolLookupByName("demo-pool").listVolumes()))


async def test_delete_keeps_volume_unless_ticked() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "win-test")
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen))
        assert "win-test on demo" in str(app.screen.query_one(".dialog-title").render())
        app.screen.query_one("#delete", Button).press()
        await wait_until(pilot, lambda: state_of(table, "win-test") is None)
        assert "win-test.qcow2" in volume_names(app)  # not ticked: kept
        with pytest.raises(libvirt.libvirtError):
            libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("win-test"))


async def test_delete_cancelled_keeps_guest_and_volume() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "backup")
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen))
        app.screen.query_one("#vol-0-0").toggle()  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await app.workers.wait_for_complete()
        assert reports(app) == ""
        assert state_of(table, "backup") == "shut off"
        assert libvirt_view(app, DEMO.uri, lambda c: c.lookupByName("backup").name()) == "backup"
        assert "backup.qcow2" in volume_names(app)


async def test_delete_with_volume_asks_for_the_name() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "backup")
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen))
        dialog = app.screen
        dialog.query_one("#vol-0-0").toggle()  # type: ignore[attr-defined]
        await pilot.pause()
        delete_button = dialog.query_one("#delete", Button)
        assert delete_button.disabled  # the name is not typed yet
        dialog.query_one("#phrase").focus()
        await pilot.press(*"backu")
        assert delete_button.disabled
        await pilot.press("p", "enter")
        await wait_until(pilot, lambda: state_of(table, "backup") is None)
        assert "backup.qcow2" not in volume_names(app)
        assert "win-test.qcow2" in volume_names(app)


async def test_marked_guests_report_each_success_and_failure() -> None:
    """web-01 has a snapshot and its metadata is not ticked: libvirt refuses it, the rest go."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        libvirt_view(
            app,
            DEMO.uri,
            lambda c: c.lookupByName("web-01").snapshotCreateXML(
                "<domainsnapshot><name>s1</name></domainsnapshot>"
            ),
        )
        for name in ("web-01", "web-02", "web-03"):
            await select(pilot, table, name)
            await pilot.press("space")
        assert len(table.marks) == 3
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen))
        app.screen.query_one("#delete", Button).press()
        await wait_until(
            pilot, lambda: state_of(table, "web-02") is None and state_of(table, "web-03") is None
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state_of(table, "web-01") == "running"  # refused, and still there
        report = "\n".join(str(n.message) for n in app._notifications)
        assert "Delete: web-02, web-03 done" in report
        assert "Delete failed for web-01 on demo:" in report
        assert "snapshot" in report.split("Delete failed for web-01 on demo:")[1]


async def test_marks_across_hosts_one_host_gone(tmp_path: Path) -> None:
    """A host lost between marking and acting fails its guests only."""
    other = demo_copy(tmp_path, "other")
    app = TuivirtApp([DEMO, other])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 28)
        shut_off = [k for k in table.keys if domain(table, k).name in ("backup", "win-test")]
        table.set_marks(set(shut_off))
        app.fleet.session(other.uri).stop()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = "\n".join(str(n.message) for n in app._notifications)
        assert "Start: backup, win-test done" in report
        assert "Start failed for backup on other: other is not connected" in report
        assert "Start failed for win-test on other: other is not connected" in report
        assert real_state(app, "backup") == RUNNING


async def test_readonly_hides_actions_and_explains() -> None:
    app = TuivirtApp([DEMO], readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-01")
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        lifecycle = {f"command('guest.{action.value}')" for action in Action}
        assert shown and not shown & lifecycle
        await pilot.press("F")
        assert isinstance(app.screen, MainScreen)
        assert any("read-only" in str(n.message) for n in app._notifications)
        assert real_state(app, "web-01") == RUNNING


async def test_action_that_does_not_apply_is_not_attempted() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "backup")  # shut off
        enabled = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "command('guest.start')" in enabled and "command('guest.force_off')" not in enabled
        await pilot.press("F")
        assert isinstance(app.screen, MainScreen)
        assert any("does not apply: backup is shut off" in str(n.message) for n in app._notifications)


async def test_remapped_key() -> None:
    app = TuivirtApp([DEMO], config=Config(keymap={"guest.force_off": "K"}))
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-01")
        await pilot.press("F")
        assert isinstance(app.screen, MainScreen)  # F no longer forces off
        await pilot.press("K")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: state_of(table, "web-01") == "shut off")


async def test_help_lists_every_key_with_its_binding_id() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.query_one("DataTable")
        ids = {str(rows.get_row_at(i)[2]) for i in range(rows.row_count)}  # type: ignore[attr-defined]
        assert {
            "guest.start",
            "guest.force_off",
            "guest.delete",
            "guest.mark",
            "main.filter",
            "app.quit",
        } <= ids
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def palette_prompts(app: TuivirtApp) -> list[str]:
    options = app.screen.query_one(CommandList)
    # Each prompt is the command's name, then its help on a second line.
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


async def test_palette_lists_actions_for_the_selected_guest() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-01")  # running
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_until(pilot, lambda: any(p.startswith("Force off") for p in palette_prompts(app)))
        guest_commands = {p for p in palette_prompts(app) if p.endswith(": web-01")}
        assert guest_commands == {
            f"{label}: web-01"
            for label in (
                "Shut down",
                "Reboot",
                "Force off",
                "Pause",
                "Reset",
                "Save (managed)",
                "Autostart on",
                "Delete",
                "Snapshot",
                "Edit",
                "Edit XML",
                "Migrate",
            )
        }
        await pilot.press(*"force off")
        await wait_until(pilot, lambda: palette_prompts(app)[:1] == ["Force off: web-01"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def test_details_show_disks_network_and_xml() -> None:
    app = TuivirtApp([DEMO], refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "db-primary")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailsScreen)
        screen = app.screen

        def text(widget_id: str) -> str:
            return str(screen.query_one(widget_id).render())

        await wait_until(pilot, lambda: "reading" not in text("#xml-text"))
        assert "db-primary" in text("#overview-text") and "running" in text("#overview-text")
        disks = screen.query_one("#disks-text", Static).content
        network = screen.query_one("#network-text", Static).content
        assert isinstance(disks, Table) and isinstance(network, Table)
        assert [str(cell) for column in disks.columns for cell in column.cells][:2] == ["vda", "disk"]
        assert list(map(str, disks.columns[2].cells)) == ["demo-pool/db-primary.qcow2"]
        assert list(map(str, network.columns[0].cells)) == ["52:54:00:00:00:04"]
        assert list(map(str, network.columns[1].cells)) == ["network demo-net"]
        assert list(map(str, network.columns[2].cells)) == ["virtio"]
        xml = screen.query_one("#xml-text", Static).content
        assert isinstance(xml, Syntax) and "<name>db-primary</name>" in xml.code
        spark = screen.query_one("#cpu-spark")
        await wait_until(pilot, lambda: len(spark.data) >= 2)  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_details_of_a_guest_undefined_outside_say_so_and_close() -> None:
    """They once stayed on the guest's last state, agent facts and OS, with no notice."""
    app = TuivirtApp([DEMO], refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(pilot, app)
        await select(pilot, table, "web-02")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen))

        def undefine(conn: Any) -> None:  # as `virsh destroy; virsh undefine` elsewhere would
            dom = conn.lookupByName("web-02")
            dom.undefine()
            dom.destroy()

        app.fleet.session(DEMO.uri).call(undefine, changes=True)
        await wait_until(pilot, lambda: not isinstance(app.screen, DetailsScreen))
        assert "web-02 is no longer on demo: its details closed." in reports(app)
