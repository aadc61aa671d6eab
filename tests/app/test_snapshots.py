"""Every screen as an SVG picture, at 80x24 and 100x30, on the demo node: a change to what any
screen shows fails here until the pictures are looked at and taken again:

    .venv/bin/pytest tests/app/test_snapshots.py --snapshot-update

Nothing here waits on a clock: the hosts poll once (refresh of an hour), each scene waits for
what it shows, and inputs do not blink.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TabbedContent

from tests.app.snapshot_scenes import demo_app, guests_shown, on_guest, still, storage_shown, two_host_app
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.ui.clone.clone_form import CloneFormScreen
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.details.screen import DetailsScreen
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.section import Section
from tuivirt.ui.health.screen import HealthScreen
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen
from tuivirt.ui.migrate.migrate_form import MigrateFormScreen
from tuivirt.ui.networks.screen import NetworksScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.help import HelpScreen

Scene = Callable[[Pilot[Any]], Awaitable[None]]


async def main(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")


async def details(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DetailsScreen))
    disks = pilot.app.screen.query_one("#disks-text", Static)
    await wait_until(pilot, lambda: "reading" not in str(disks.content))


async def new_guest(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CreateScreen))
    status = pilot.app.screen.query_one("#form-status", Static)
    why = pilot.app.screen.query_one("#os_variant-why", Static)
    await wait_until(pilot, lambda: "reading" not in str(status.content) + str(why.content))
    still(pilot)


async def leave_form(pilot: Pilot[Any]) -> None:
    await new_guest(pilot)
    await pilot.press("x", "escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def delete(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "backup")
    await pilot.press("D")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DeleteScreen))
    still(pilot)


async def force_off(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("F")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def hosts(pilot: Pilot[Any]) -> None:
    await guests_shown(pilot)
    await pilot.press("H")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HostsScreen))


async def health(pilot: Pilot[Any]) -> None:
    await guests_shown(pilot)
    await pilot.press("O")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HealthScreen))
    await wait_until(
        pilot, lambda: "demo-pool" in str(pilot.app.screen.query_one(".health-host", Static).content)
    )


async def keys_help(pilot: Pilot[Any]) -> None:
    await guests_shown(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


async def console(pilot: Pilot[Any], state: ConsoleState, reason: str = "", text: bytes = b"") -> None:
    """The console pane beside the tables in ``state``, as its reader would report it. The test
    driver has no console: virsh fails first, then the pane is told the state to show."""
    await on_guest(pilot, "web-01")
    await pilot.press("c")
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(ConsolePane)))  # (mounted a tick later)
    pane = pilot.app.screen.query_one(ConsolePane)
    await wait_until(pilot, lambda: pane.state is ConsoleState.FAILED, timeout=20)
    pane.post_message(ConsolePane.Changed(pane, state, reason))
    if text:
        pane.emulator.feed(text)
        pane.post_message(ConsolePane.Output())
    await wait_until(pilot, lambda: pane.state is state)


async def console_failed(pilot: Pilot[Any]) -> None:
    await console(pilot, ConsoleState.FAILED, "this function is not supported by the connection driver")


async def console_attached(pilot: Pilot[Any]) -> None:
    prompt = b"Welcome to tuivirt-test\r\n\r\n/ # uname -a\r\nLinux (none) 6.1.0 x86_64 GNU/Linux\r\n/ # "
    await console(pilot, ConsoleState.ATTACHED, text=prompt)


async def console_busy(pilot: Pilot[Any]) -> None:
    await console(pilot, ConsoleState.BUSY, "another session holds the console")


async def console_closed(pilot: Pilot[Any]) -> None:
    await console(pilot, ConsoleState.CLOSED, "the console closed (guest stopped?)")


async def editor(pilot: Pilot[Any], tab: str) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, GuestEditorScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: all(s.data is not None for s in screen.query(Section)))
    screen.query_one(TabbedContent).active = tab
    await pilot.pause()


async def editor_memory(pilot: Pilot[Any]) -> None:
    """CPU and memory of a running guest, a value beyond its maximum named beside the field."""
    await editor(pilot, "tab-cpu-memory")
    pilot.app.screen.query_one("#memory", Input).value = "3G"
    pilot.app.screen.query_one("#memory", Input).focus()
    still(pilot)
    await pilot.pause()


async def editor_disks(pilot: Pilot[Any]) -> None:
    await editor(pilot, "tab-disks")
    pilot.app.screen.query_one("#disk-list").focus()
    await pilot.pause()


async def storage(pilot: Pilot[Any]) -> None:
    """Pools above, the chosen pool's volumes below with the guests that use them."""
    await storage_shown(pilot)
    await pilot.pause()


async def clone_form(pilot: Pilot[Any]) -> None:
    """C on a shut-off guest: each disk and what happens to it, and the room in the pool."""
    await on_guest(pilot, "build-runner")
    await pilot.press("C")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CloneFormScreen))
    still(pilot)
    await pilot.pause()


async def networks(pilot: Pilot[Any]) -> None:
    """Networks above, the chosen network's leases below with the guests that own them."""
    await guests_shown(pilot)
    await pilot.press("N")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, NetworksScreen))
    screen = pilot.app.screen
    assert isinstance(screen, NetworksScreen)
    await wait_until(pilot, lambda: screen.leases.row_count > 0)
    await pilot.pause()


SCENES: dict[str, Scene] = {
    "main": main,
    "details": details,
    "new_guest": new_guest,
    "leave_form": leave_form,
    "delete": delete,
    "force_off": force_off,
    "hosts": hosts,
    "health": health,
    "help": keys_help,
    "console_failed": console_failed,
    "console_attached": console_attached,
    "console_busy": console_busy,
    "console_closed": console_closed,
    "editor_memory": editor_memory,
    "editor_disks": editor_disks,
    "storage": storage,
    "clone_form": clone_form,
    "networks": networks,
}


async def migrate_form(pilot: Pilot[Any]) -> None:
    """M on a shut-off guest: the hosts, the one that will not do with why; the options."""
    await on_guest(pilot, "build-runner")
    assert isinstance(pilot.app, TuivirtApp)
    await wait_until(pilot, lambda: len(pilot.app.fleet.up_hosts()) == 2)  # type: ignore[attr-defined]
    await pilot.press("M")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MigrateFormScreen))
    still(pilot)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_migrate_form(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    assert snap_compare(two_host_app(), terminal_size=size, run_before=migrate_form)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(snap_compare: Callable[..., bool], scene: str, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=SCENES[scene])
