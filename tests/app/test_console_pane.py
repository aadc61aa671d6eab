"""The console pane on the demo host (the test driver has no console: virsh fails, the pane stays)."""

from __future__ import annotations

from textual import events

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


async def test_an_idle_console_takes_no_frames_and_a_burst_of_keys_goes_in_one_write() -> None:
    """Output is painted a frame at a time while it comes, then nothing until the next: an idle
    pane cost CPU that grew with its scrollback. Keys that come together go to virsh together (one
    write a key forwarded about 20 a second)."""
    app = TuivirtApp([HostConfig("demo", demo_uri())])
    async with app.run_test(size=(100, 30)) as pilot:
        await on_guest(pilot, "web-01")
        await pilot.press("c")
        pane = app.main.dock.panes[0]
        await wait_until(pilot, lambda: pane.state is ConsoleState.FAILED, timeout=20)
        frames: list[int] = []
        take = pane._take_frame
        pane._take_frame = lambda everything=False: frames.append(1) or take(everything)  # type: ignore[method-assign, func-returns-value]
        pane._from_guest(b"".join(b"line %d\r\n" % i for i in range(3000)))  # as the reader feeds
        await wait_until(pilot, lambda: "line 2999" in pane.emulator.text())
        await pilot.pause(0.3)
        busy = len(frames)
        await pilot.pause(1.0)
        assert busy >= 1 and len(frames) == busy  # idle: not one frame more

        sent: list[bytes] = []
        pane.session.send = sent.append  # type: ignore[method-assign, assignment]
        pane.state = ConsoleState.ATTACHED  # (as if virsh had attached)
        for char in "echo hello":  # come together, as tmux's send-keys writes them
            pane.post_message(events.Key(char, char))
        await wait_until(pilot, lambda: bool(sent))
        await pilot.pause(0.05)
        assert sent == [b"echo hello"]
