"""`V` on the test driver, which answers ``screenshot`` with a PNG and takes ``sendKey``: what the
app draws, the keys sent (each logged, a typed line without its text), a retake on `r` and on the
timer, and the refusals (no video device, a screenshot that fails)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from libvirt import virConnect
from textual.pilot import Pilot

from tests.app.helpers import key_of
from tests.app.test_frame_bytes import FrameRecorder
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.glimpse import screen as guest_screen
from tuivirt.ui.glimpse.image_view import ImageView
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.plain import Plain

VIDEO = "<video><model type='vga'/></video><graphics type='vnc' port='5907' listen='127.0.0.1'/>"


@pytest.fixture
def host(tmp_path: Path) -> HostConfig:
    """The demo host with a video device and a VNC display on web-02 (the others have none)."""
    text = Path(demo_uri().removeprefix("test://")).read_text()
    web02 = text.index("<name>web-02</name>")
    end = text.index("</devices>", web02)
    path = tmp_path / "video.xml"
    path.write_text(text[:end] + VIDEO + text[end:])
    return HostConfig("demo", f"test://{path}")


def status(app: TuivirtApp) -> str:
    return str(app.screen.query_one("#screen-status", Plain).content)


def logged(app: TuivirtApp) -> list[str]:
    return [e.text for e in app.fleet.events.newest_first() if e.kind == "action"]


async def open_screen(pilot: Pilot[Any], app: TuivirtApp, name: str) -> GuestScreenScreen:
    table = app.main.table
    await wait_until(pilot, lambda: key_of(table, name) is not None)
    assert table.select_key(key_of(table, name) or "")
    await pilot.press("V")
    await wait_until(pilot, lambda: isinstance(app.screen, GuestScreenScreen))
    assert isinstance(app.screen, GuestScreenScreen)
    return app.screen


async def test_the_screen_is_drawn_and_taken_again(host: HostConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guest_screen, "REFRESH_SECONDS", 1.0)
    app = TuivirtApp([host], refresh=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "web-02")
        await wait_until(pilot, lambda: screen.shots == 1 and "taken" in status(app))
        view = screen.query_one(ImageView)
        # Half blocks with colours, not blank lines: the driver's picture was drawn.
        painted = [line for line in view._lines if any(seg.text == "▀" for seg in line)]
        assert len(painted) >= view.size.height // 2
        assert "ssh" not in status(app)
        display = str(screen.query_one("#screen-display", Plain).content)
        assert display == "vnc on this machine: 127.0.0.1:5907"
        # The timer takes it again (every second here): the status is rewritten.
        screen.query_one("#screen-status", Plain).update("")
        await wait_until(pilot, lambda: "taken" in status(app), timeout=5)
        # An unchanged screen is not drawn again.
        assert screen.shots == 1


async def test_a_new_screenshot_repaints_only_the_lines_that_changed(host: HostConfig) -> None:
    app = TuivirtApp([host], refresh=3600)
    frames = FrameRecorder(app)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "web-02")
        await wait_until(pilot, lambda: screen.shots == 1)
        view = screen.query_one(ImageView)
        image = view._image
        assert image is not None
        await pilot.pause(0.3)
        frames.sizes.clear()
        view.show(image.copy())  # the same picture: nothing to send
        await pilot.pause(0.3)
        assert frames.sizes == []
        whole = len(b"".join(line.render(app.console).encode() for line in view._lines))
        blinked = image.copy()  # a cursor that blinked: a few pixels near the top
        blinked.paste((255, 255, 255), (0, 0, 40, 4))
        view.show(blinked)
        await wait_until(pilot, lambda: bool(frames.sizes))
        assert 0 < sum(frames.sizes) < whole / 5, (sum(frames.sizes), whole)


async def test_r_takes_it_now(host: HostConfig) -> None:
    app = TuivirtApp([host], refresh=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "web-02")
        await wait_until(pilot, lambda: "taken" in status(app))
        screen.query_one("#screen-status", Plain).update("")
        await pilot.press("r")
        await wait_until(pilot, lambda: "taken" in status(app), timeout=3)  # the timer is at 5 s


async def test_keys_are_sent_asked_first_where_they_reboot_and_logged(host: HostConfig) -> None:
    app = TuivirtApp([host], refresh=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_screen(pilot, app, "web-02")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # Enter alone is Cancel
        await wait_until(pilot, lambda: isinstance(app.screen, GuestScreenScreen))
        await pilot.pause(0.3)
        assert not any("Ctrl+Alt+Del" in text for text in logged(app))
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: "Send Ctrl+Alt+Del to web-02: done" in logged(app))

        await pilot.press("1")
        await wait_until(pilot, lambda: "Send Ctrl+Alt+F1 to web-02: done" in logged(app))
        await pilot.press("2")
        await wait_until(pilot, lambda: "Send Ctrl+Alt+F2 to web-02: done" in logged(app))

        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        await pilot.press(*"ctrl+nope", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ValueFormScreen)  # refused beside the field
        assert "nope" in " ".join(str(p.content) for p in app.screen.query(Plain))
        await pilot.press(*["backspace"] * 4, *"alt+f3", "enter")
        await wait_until(pilot, lambda: "Send Ctrl+Alt+F3 to web-02: done" in logged(app))

        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        await pilot.press(*"hunter2", "enter")
        await wait_until(pilot, lambda: "Send a typed line to web-02: done" in logged(app))
        assert not any("hunter2" in e.text for e in app.fleet.events.newest_first())


async def test_a_guest_without_video_and_a_failed_screenshot_say_why(host: HostConfig) -> None:
    app = TuivirtApp([host], refresh=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, app, "web-03")
        await wait_until(pilot, lambda: "no video device" in status(app))
        assert screen.shots == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)

        screen = await open_screen(pilot, app, "web-02")
        await wait_until(pilot, lambda: screen.shots == 1)

        def gone(conn: virConnect) -> None:
            dom = conn.lookupByName("web-02")
            dom.destroy()
            dom.undefine()

        # Through the app's own connection (the same driver state), in a thread as the app does.
        await asyncio.to_thread(app.fleet.call, host.uri, gone, what="remove")
        await pilot.press("r")
        await wait_until(pilot, lambda: "Domain not found" in status(app))
        assert "web-02" in status(app) and "\n" not in status(app)
