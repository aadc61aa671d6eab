"""The console pane on the real daemon: prompt, echo, flood, detach, busy, stop, odd names."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.helpers import key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, answers_key, virsh
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import DETACH_BINDING, Config
from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed.testguest import PROMPT
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.help import HelpScreen
from tuivirt.ui.shared.dialogs.prompt import PromptScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


def console_pids(name: str) -> list[str]:
    """virsh console processes for ``name`` still alive (zombies included: they count as left behind).
    tuivirt names the guest by UUID on virsh's command line."""
    uuid = virsh("domuuid", name).strip()
    ps = subprocess.run(["ps", "-ewwo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [
        line.split()[0] for line in ps.splitlines() if "virsh" in line and " console" in line and uuid in line
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

        await type_line(pilot, "seq 1 10000")
        await wait_until(pilot, lambda: "10000" in last_lines(pane), timeout=120)
        await wait_until(pilot, lambda: last_lines(pane)[-1].startswith(PROMPT.strip()), timeout=30)

        await pilot.press("ctrl+right_square_bracket")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, MainScreen) and app.focused is app.main.table
    deadline = time.monotonic() + 5
    while console_pids(guest_name) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert console_pids(guest_name) == []


async def test_quitting_with_a_console_open_returns_at_once(guest_name: str) -> None:
    """Quit while attached: the app does not wait for virsh, and no virsh is left behind."""
    virsh("start", guest_name)
    app = TuivirtApp([LOCAL], refresh=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, guest_name)
        await wait_until(pilot, lambda: pane.state is ConsoleState.ATTACHED, timeout=15)
        assert console_pids(guest_name) != []
        started = time.monotonic()
        app.exit()
    quit_seconds = time.monotonic() - started
    assert quit_seconds < 0.5, f"quitting took {quit_seconds:.2f} s"
    deadline = time.monotonic() + 2  # killed at once; the reader thread reaps it
    while console_pids(guest_name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert console_pids(guest_name) == []


async def flooding(pane: ConsolePane) -> None:
    """Until ``yes`` fills the pane: lines of y and nothing else below the command."""
    deadline = time.monotonic() + 30
    while last_lines(pane)[-3:] != ["y", "y", "y"]:
        assert time.monotonic() < deadline, f"no flood; screen:\n{pane.emulator.text()}"
        await asyncio.sleep(0.05)


async def test_keys_are_answered_during_a_flood(guest_name: str) -> None:
    """`yes` in the guest: keys the app answers itself (full screen, help) within a second each.
    Posted as the terminal driver posts them, timed with plain sleeps: Pilot's own waits are for
    the screen to go idle, which a flooding console never does."""
    virsh("start", guest_name)
    app = TuivirtApp([LOCAL], refresh=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, guest_name)
        await reach_prompt(pilot, pane)
        await type_line(pilot, "yes")
        await flooding(pane)
        for _ in range(3):
            await answers_key(app, "f11", lambda: app.main.has_class("-console-full"))
            await answers_key(app, "f11", lambda: not app.main.has_class("-console-full"))
        await answers_key(app, "f6", lambda: app.focused is app.main.table)
        await answers_key(app, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        await answers_key(app, "escape", lambda: isinstance(app.screen, MainScreen))
        pane.focus()
        # As a person at a flooded console does: Ctrl+C, and again if no prompt came. (About one
        # CI run in five saw no prompt 30 s after a single Ctrl+C; the cause is not known yet.)
        for _attempt in range(3):
            await pilot.press("ctrl+c")
            with contextlib.suppress(AssertionError):
                await wait_until(pilot, lambda: last_lines(pane)[-1].startswith(PROMPT.strip()), timeout=20)
                break
        assert last_lines(pane)[-1].startswith(PROMPT.strip()), last_lines(pane)[-3:]
        await pilot.press("f12")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()


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


async def test_console_keys_across_two_consoles(make_guest: Callable[[str], str], tmp_path: Path) -> None:
    """The pty sized to the pane, F6 back to the tables, Ctrl+PgUp/PgDn between consoles,
    Shift+PgUp/PgDn through the scrollback, F2 logging (and an unwritable file), r after the guest
    stopped, F12 closing one console and showing the other."""
    first, second = (make_guest(f"tuivirt-it-{uuid.uuid4().hex[:8]}") for _ in range(2))
    virsh("start", first)
    virsh("start", second)
    app = TuivirtApp([LOCAL], refresh=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane_a = await open_console(pilot, app, first)
        await reach_prompt(pilot, pane_a)
        # virsh's pty has the pane's size (a serial line carries none to the guest itself).
        child = pane_a.session._child
        assert child is not None
        assert child.getwinsize() == (pane_a.size.height - 1, pane_a.size.width) == pane_a.emulator.size

        await pilot.press("f6")
        assert app.focused is app.main.table
        pane_b = await open_console(pilot, app, second)
        await reach_prompt(pilot, pane_b)

        def shown_pane() -> tuple[object, bool, bool]:
            return app.focused, pane_a.display, pane_b.display

        await pilot.press("ctrl+pageup")
        assert shown_pane() == (pane_a, True, False)
        await pilot.press("ctrl+pagedown")
        assert shown_pane() == (pane_b, False, True)

        await type_line(pilot, "seq 1 200")
        await wait_until(pilot, lambda: last_lines(pane_b)[-1].startswith(PROMPT.strip()), timeout=30)

        def numbers() -> list[int]:
            return [int(line) for line in last_lines(pane_b) if line.isdigit()]

        shown = numbers()
        await pilot.press("shift+pageup")
        assert "scrolled back" in pane_b._status() and min(numbers()) < min(shown)
        await pilot.press("shift+pagedown")
        assert "scrolled back" not in pane_b._status() and numbers() == shown

        log = tmp_path / "console.log"
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("#prompt", Input).value = str(log)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane_b.session.logging and app.focused is pane_b)
        await type_line(pilot, "echo logged-$((6*7))")
        await wait_until(pilot, lambda: "logged-42" in log.read_text(errors="replace"), timeout=10)
        await pilot.press("f2")
        assert not pane_b.session.logging
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("#prompt", Input).value = "/proc/no-such-dir/console.log"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Cannot log to" in str(n.message) for n in app._notifications))
        assert not pane_b.session.logging

        virsh("destroy", second)
        await wait_until(pilot, lambda: pane_b.state is ConsoleState.CLOSED, timeout=10)
        pane_b.focus()
        before = pane_b.session._child
        await pilot.press("r")  # try now: the guest is still off
        await wait_until(
            pilot,
            lambda: pane_b.session._child is not before and pane_b.state is ConsoleState.NOT_RUNNING,
            timeout=10,
        )
        assert "guest not running" in pane_b._status()

        await pilot.press("f12")
        await wait_until(pilot, lambda: app.main.dock.panes == [pane_a], timeout=5)
        assert shown_pane()[:2] == (pane_a, True) and pane_a.state is ConsoleState.ATTACHED
        await app.workers.wait_for_complete()
    assert console_pids(second) == []


@pytest.mark.parametrize("prefix", ["--domain=", "-"])
async def test_a_name_that_reads_as_an_option_reaches_its_own_console(
    make_guest: Callable[[str], str], prefix: str
) -> None:
    """A guest named "--domain=other" once attached the console of "other" (shut off here: the
    pane would say not running); by UUID it reaches its own prompt."""
    other = make_guest(f"tuivirt-it-{uuid.uuid4().hex[:8]}")
    name = make_guest(f"{prefix}{other}" if prefix == "--domain=" else f"-{uuid.uuid4().hex[:8]}")
    virsh("start", "--domain", name)
    app = TuivirtApp([LOCAL], refresh=1)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_console(pilot, app, name)
        await reach_prompt(pilot, pane)
        assert pane._status().startswith(f" {name} on localhost: attached")
        assert virsh("domstate", "--domain", other).strip() == "shut off"
        await pilot.press("f12")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()
