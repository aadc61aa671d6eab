"""The console pane on the demo host (the test driver has no console: virsh fails, the pane stays)."""

from __future__ import annotations

from tests.app.snapshot_scenes import on_guest
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri


async def test_the_emulator_takes_the_panes_size_even_without_a_resize_event() -> None:
    """Textual can lay a pane out at a new size and send no Resize (its full map rebuilt between the
    mount and the layout, as when a created guest's console opens as the form closes). The emulator
    stayed 1x1 then, and a booted guest's console showed nothing."""
    app = TuivirtApp([HostConfig("demo", demo_uri())])
    async with app.run_test(size=(100, 30)) as pilot:
        await on_guest(pilot, "web-01")
        await pilot.press("c")
        pane = app.main.dock.panes[0]
        await wait_until(pilot, lambda: pane.state is ConsoleState.FAILED, timeout=20)
        assert pane.emulator.size == (pane.size.height - 1, pane.size.width)

        pane.emulator.resize(1, 1)  # as the pane was left: fitted at its mount, before any layout
        pane.refresh()
        await wait_until(pilot, lambda: pane.emulator.size == (pane.size.height - 1, pane.size.width))
