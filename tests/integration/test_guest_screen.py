"""`V` on a real guest with a VGA card: the screenshot shows the kernel's text (the image has the
text mode's size and is not blank), and a line typed through `t` (libvirt's sendKey) reaches the
guest: its keyboard shell answers on the serial console."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Iterator

import libvirt
import pexpect
import pytest
from textual.widgets import Input

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI
from tests.integration.test_guest_lifecycle import wait_for_prompt
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed import testguest
from tuivirt.ui.glimpse.image_view import ImageView
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen

pytestmark = pytest.mark.integration


def lit_cells(view: ImageView) -> int:
    """Cells of the drawn image whose colours are not all black (text, a cursor)."""
    lit = 0
    for y in range(view.size.height):
        for segment in view.render_line(y):
            style = segment.style
            colours = [c for c in (style.color, style.bgcolor) if c is not None] if style else []
            if any(c.get_truecolor() != (0, 0, 0) for c in colours):
                lit += segment.cell_length
    return lit


LOCAL = HostConfig("localhost", SYSTEM_URI)


@pytest.fixture
def vga_guest(system_conn: libvirt.virConnect, guest_images: testguest.GuestImages) -> Iterator[str]:
    name = f"tuivirt-vga-{uuid.uuid4().hex[:8]}"
    testguest.define(system_conn, name, guest_images, network=None, video=True).create()
    yield name
    with contextlib.suppress(libvirt.libvirtError):
        dom = system_conn.lookupByName(name)
        dom.destroy()
        dom.undefine()


def listen_on_console(name: str, text: str, ready: threading.Event) -> bool:
    """Attach the serial console, reach the shell prompt (the keyboard reader started before the
    shell: it is up now), say so through ``ready``, then wait for ``text``."""
    console = pexpect.spawn(
        "virsh", ["-c", SYSTEM_URI, "console", name, "--force"], encoding="utf-8", timeout=40
    )
    try:
        console.expect_exact("Escape character is ^]")
        wait_for_prompt(console)
        ready.set()
        console.expect_exact(text)
        return True
    finally:
        ready.set()  # (a failure above must not leave the test waiting)
        console.close()


async def test_the_screen_shows_the_boot_and_typed_keys_reach_the_guest(
    vga_guest: str, system_conn: libvirt.virConnect
) -> None:
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: key_of(table, vga_guest) is not None, timeout=20)
        assert table.select_key(key_of(table, vga_guest) or "")
        await pilot.press("V")
        await wait_until(pilot, lambda: isinstance(app.screen, GuestScreenScreen), timeout=10)
        screen = app.screen
        assert isinstance(screen, GuestScreenScreen)
        await wait_until(pilot, lambda: screen.shots >= 1, timeout=20)
        assert str(screen.query_one("#screen-status").render()).startswith("720x400, taken")
        assert "vnc on this machine: 127.0.0.1:59" in str(screen.query_one("#screen-display").render())

        # What the app drew: the guest's text-mode screen (720x400), not blank, in half blocks.
        view = screen.query_one(ImageView)
        image = view._image
        assert image is not None and image.size == (720, 400)
        await wait_until(pilot, lambda: lit_cells(view) > 20, timeout=30)  # the kernel's text
        scaled = view.render_line(0).cell_length
        assert scaled < view.size.width  # 720x400 fitted: narrower than the view, for its aspect
        await pilot.press("z", "right", "right", "down")  # actual size, moved right and down
        assert view.render_line(0).cell_length == view.size.width
        assert view.origin == (2 * (view.size.width // 2), view.size.height)
        await pilot.press("z")

        ready = threading.Event()
        heard = asyncio.create_task(asyncio.to_thread(listen_on_console, vga_guest, "KEYS-42", ready))
        await wait_until(pilot, ready.is_set, timeout=90)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        app.screen.query_one("#value", Input).value = "echo KEYS-$((40+2))"
        await pilot.pause()
        await pilot.press("enter")
        assert await asyncio.wait_for(heard, timeout=60)
