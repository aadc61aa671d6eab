"""The console pane on the real daemon: prompt, echo, flood, detach, busy, stop, odd names."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Callable

import pexpect
import pytest
from textual import events
from textual.pilot import Pilot

from tests.app.helpers import key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, virsh
from tuivirt.app import TuivirtApp
from tuivirt.backend.console import ConsoleState
from tuivirt.backend.models import HostConfig
from tuivirt.backend.testguest import PROMPT
from tuivirt.config import DETACH_BINDING, Config
from tuivirt.ui.confirm_screen import ConfirmScreen
from tuivirt.ui.console_pane import ConsolePane
from tuivirt.ui.main_screen import MainScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


def console_pids(name: str) -> list[str]:
    """virsh console processes for ``name`` still alive (zombies included: they count as left behind)."""
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [
        line.split()[0] for line in ps.splitlines() if "virsh" in line and " console" in line and name in line
    ]


async def open_console(pilot: Pilot[None], app: TuivirtApp, name: str) -> ConsolePane:
    table = app.main.table
    await wait_until(pilot, lambda: state_of(table, name) == "running", timeout=20)
    key = key_of(table, name)
    assert key is not None and table.select_key(key)
    await pilot.press("c")
    pane = app.main.dock.pane_for(key)
    assert pane is not None
    return pane


async def reach_prompt(pilot: Pilot[None], pane: ConsolePane, timeout: float = 60) -> None:
    await wait_until(pilot, lambda: pane.state is ConsoleState.ATTACHED, timeout=15)
    deadline = time.monotonic() + timeout
    while PROMPT.strip() not in pane.emulator.text():
        assert time.monotonic() < deadline, f"no prompt; screen:\n{pane.emulator.text()}"
        await pilot.press("enter")
        await pilot.pause(1)


async def type_line(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text, "enter")


def last_lines(pane: ConsolePane) -> list[str]:
    return [line for line in pane.emulator.text().splitlines() if line.strip()]


async def test_console_echo_flood_and_detach(guest_name: str) -> None:
    virsh("start", guest_name)
    app = TuivirtApp([LOCAL], refresh=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, guest_name)
        await reach_prompt(pilot, pane)
        await type_line(pilot, "echo $((6*7))")
        await wait_until(pilot, lambda: "42" in last_lines(pane), timeout=10)

        await type_line(pilot, "seq 1 50000")
        await asyncio.sleep(0.3)  # the flood is under way
        # A key the app itself answers (full screen), posted as the terminal driver would; timed
        # with plain sleeps, since Pilot's own waits are for the screen to go idle, which a
        # flooding console does not do.
        started = time.monotonic()
        app.post_message(events.Key("f11", None))
        while not app.main.has_class("-console-full") and time.monotonic() - started < 5:
            await asyncio.sleep(0.01)
        answered = time.monotonic() - started
        assert answered < 1.0, f"the app took {answered:.2f} s to answer a key during the flood"
        await wait_until(pilot, lambda: "50000" in last_lines(pane), timeout=120)
        await wait_until(pilot, lambda: last_lines(pane)[-1].startswith(PROMPT.strip()), timeout=30)

        await pilot.press("ctrl+right_square_bracket")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, MainScreen) and app.focused is app.main.table
    deadline = time.monotonic() + 5
    while console_pids(guest_name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert console_pids(guest_name) == []


async def test_busy_console_can_be_taken_over(guest_name: str) -> None:
    virsh("start", guest_name)
    holder = pexpect.spawn("virsh", ["-c", SYSTEM_URI, "console", guest_name], timeout=10)
    try:
        holder.expect_exact("Escape character is ^]")
        app = TuivirtApp([LOCAL], refresh=1)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = await open_console(pilot, app, guest_name)
            await wait_until(pilot, lambda: pane.state is ConsoleState.BUSY, timeout=10)
            assert "console busy" in pane._status()
            await pilot.press("f")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await reach_prompt(pilot, pane)
            holder.expect(pexpect.EOF, timeout=10)  # the other session was disconnected
    finally:
        holder.close(force=True)


async def test_guest_destroyed_while_attached_then_started_again(guest_name: str) -> None:
    virsh("start", guest_name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, guest_name)
        await reach_prompt(pilot, pane)
        virsh("destroy", guest_name)
        await wait_until(pilot, lambda: pane.state is ConsoleState.CLOSED, timeout=10)
        assert "guest stopped" in pane._status()
        assert PROMPT.strip() in pane.emulator.text()  # the last screen stays readable
        virsh("start", guest_name)
        await reach_prompt(pilot, pane)  # reattached by itself


async def test_awkward_guest_name(make_guest: Callable[[str], str]) -> None:
    """Also: the detach key moved in the config file (console_detach = "ctrl+b")."""
    name = make_guest(f'tuivirt it\'s "quoted" ünïcødé {uuid.uuid4().hex[:4]}')
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=1, config=Config(keymap={DETACH_BINDING: "ctrl+b"}))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, name)
        await reach_prompt(pilot, pane)
        await type_line(pilot, "echo $((6*7))")
        await wait_until(pilot, lambda: "42" in last_lines(pane), timeout=10)
        assert "^b detach" in pane._status()
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()
