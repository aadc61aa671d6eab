"""Snapshots on the real daemon: a memory snapshot really brings the guest's memory back, and a
disk-only one makes its overlay file, whose record can be dropped with the guest still bootable."""

from __future__ import annotations

import asyncio
import contextlib
import os
from functools import partial
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from tests.app.helpers import domain, key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, virsh
from tests.integration.test_console import open_console, reach_prompt, type_line
from tests.integration.test_guest_editor import guest_says
from tuivirt.app import TuivirtApp
from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.backend.live.models import HostConfig
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.snapshots.screen import SnapshotsScreen
from tuivirt.ui.snapshots.snapshot_form import SnapshotFormScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


def snapshot_names(name: str) -> list[str]:
    return virsh("snapshot-list", name, "--name").split()


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def open_snapshots(pilot: Pilot[None], app: TuivirtApp, name: str) -> SnapshotsScreen:
    await pilot.press("f6")  # from the console back to the tables
    key = key_of(app.main.table, name)
    assert key is not None and app.main.table.select_key(key)
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, SnapshotsScreen))
    screen = app.screen
    assert isinstance(screen, SnapshotsScreen)
    return screen


async def take(
    pilot: Pilot[None], app: TuivirtApp, name: str, snapshot: str, kind: str | None = None
) -> None:
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
    if kind is not None:
        app.screen.query_one("#snapshot-kind", Select).value = kind
    await pilot.press("ctrl+u", *snapshot, "enter")
    await wait_until(pilot, lambda: snapshot in snapshot_names(name), timeout=120)
    await wait_until(pilot, lambda: f"Take snapshot {snapshot} of {name}: done" in notes(app), timeout=30)


async def back_to_console(
    pilot: Pilot[None], app: TuivirtApp, pane: ConsolePane, by_itself: bool = False
) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
    if by_itself:  # after a revert the pane reattaches as after a start (it once stayed "stopped")
        await wait_until(pilot, lambda: pane.state is ConsoleState.ATTACHED, timeout=30)
    await pilot.press("c")  # shows the guest's pane again (the cursor is still on it)
    if pane.state is not ConsoleState.ATTACHED:
        await pilot.press("r")  # QEMU came back under a new console: attach again
    await reach_prompt(pilot, pane)


async def test_revert_to_a_memory_snapshot_brings_the_shell_variable_back(
    guest_with_volume: tuple[str, str],
) -> None:
    name, _volume = guest_with_volume
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, name)
        await reach_prompt(pilot, pane)
        await type_line(pilot, "export MARK=one")

        await open_snapshots(pilot, app, name)
        await take(pilot, app, name, "mark-one")
        assert "with its memory" in notes(app)

        await back_to_console(pilot, app, pane)
        await type_line(pilot, "export MARK=two")
        await type_line(pilot, "echo MARK-IS-$MARK")
        await wait_until(pilot, lambda: "MARK-IS-two" in pane.emulator.text())

        await open_snapshots(pilot, app, name)
        await wait_until(pilot, lambda: app.screen.query_one("#snapshot-list").row_count == 1)  # type: ignore[attr-defined]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("r")
        await wait_until(pilot, lambda: f"Revert {name} to mark-one: done" in notes(app), timeout=120)
        await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)

        await back_to_console(pilot, app, pane, by_itself=True)
        await pilot.press("ctrl+l")  # busybox's shell redraws: the old screen's lines go
        await type_line(pilot, "echo MARK-IS-$MARK")
        await wait_until(pilot, lambda: "MARK-IS-one" in pane.emulator.text(), timeout=20)
        await pilot.press("ctrl+right_square_bracket")
        await app.workers.wait_for_complete()


async def test_disk_only_snapshots_quiesced_or_not_make_overlays_whose_records_can_go(
    guest_with_volume: tuple[str, str],
) -> None:
    """With the guest's agent up the file systems are quiesced; with it stopped the snapshot is
    taken crash-consistent and said so. A delete is refused while a block job runs."""
    name, volume = guest_with_volume
    overlays = [Path(volume).with_suffix(f".disk-{n}") for n in (1, 2)]  # libvirt names them so
    copy = Path(volume).with_name(f"{name}-copy.qcow2")
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.main.table
            await wait_until(pilot, lambda: agent_of(app, name) == "connected", timeout=60)
            key = key_of(table, name)
            assert key is not None and table.select_key(key)
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, SnapshotsScreen))
            await take(pilot, app, name, "disk-1", kind="disk")
            assert "disk-1 of " in notes(app) and "file systems quiesced by the guest agent" in notes(app)
            assert overlays[0].exists() and str(overlays[0]) in virsh("domblklist", name)

            listed = app.screen.query_one("#snapshot-list", DataTable)
            await wait_until(pilot, lambda: listed.row_count == 1)
            virsh("blockcopy", name, "vda", str(copy), "--transient-job", "--bandwidth", "1")
            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.press("m")
            await wait_until(pilot, lambda: "a block job runs on vda" in notes(app), timeout=20)
            assert snapshot_names(name) == ["disk-1"]
            virsh("blockjob", name, "vda", "--abort")

            await asyncio.to_thread(guest_says, name, "$(kill $(cat /run/qga.pid) && echo ok)")
            await wait_until(pilot, lambda: agent_of(app, name) != "connected", timeout=20)
            await take(pilot, app, name, "disk-2", kind="disk")
            assert "crash-consistent only (not quiesced" in notes(app)
            assert overlays[1].exists() and str(overlays[1]) in virsh("domblklist", name)

            await wait_until(pilot, lambda: listed.row_count == 2)
            remaining: list[list[str]] = [["disk-1"], []]
            for left in remaining:  # the newest record first, then the other
                listed.move_cursor(row=listed.row_count - 1)
                await pilot.press("d")
                await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
                await pilot.press("m")  # libvirt's record only
                await wait_until(pilot, partial(lambda left: snapshot_names(name) == left, left), timeout=30)
            assert all(overlay.exists() for overlay in overlays)  # the data stays: the guest runs on it

            virsh("destroy", name)
            virsh("start", name)  # still bootable on its overlays
            assert "running" in virsh("domstate", name)
            await pilot.press("escape")
            pane = await open_console(pilot, app, name)
            await reach_prompt(pilot, pane)
            await pilot.press("ctrl+right_square_bracket")
            await app.workers.wait_for_complete()
    finally:
        with contextlib.suppress(Exception):
            virsh("destroy", name, check=False)
        for path in [*overlays, copy]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    assert not any(overlay.exists() for overlay in overlays)


def agent_of(app: TuivirtApp, name: str) -> str:
    key = key_of(app.main.table, name)
    return "" if key is None else domain(app.main.table, key).agent
