"""The guest editor on the real daemon with a booted guest: a disk hot-plugged, resized and
unplugged, each seen from inside the guest on its serial console; memory for the next boot
marks the row; `E` with an $EDITOR script applies a valid change and refuses an invalid one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pexpect
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, TabbedContent

from tests.app.helpers import key_of, state_of
from tests.app.test_create_form import type_into
from tests.app.test_editor import dialog_title
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, TEST_POOL, virsh
from tests.integration.test_guest_lifecycle import wait_for_prompt
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.ui.editor.disk_form import DiskFormScreen
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.section import Section
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.widgets.domains_table import NEXT_BOOT_MARK

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


async def open_editor(pilot: Pilot[Any], app: TuivirtApp, name: str, tab: str) -> GuestEditorScreen:
    if not isinstance(app.screen, MainScreen):
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
    key = key_of(app.main.table, name)
    assert key is not None and app.main.table.select_key(key)
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, GuestEditorScreen))
    screen = app.screen
    assert isinstance(screen, GuestEditorScreen)
    await wait_until(pilot, lambda: all(s.data is not None for s in screen.query(Section)), timeout=20)
    screen.query_one(TabbedContent).active = tab
    await pilot.pause()
    return screen


async def on_row(
    pilot: Pilot[Any], screen: GuestEditorScreen, table: DataTable[Any], row: int, key: str
) -> None:
    """Back on the editor (after a dialog), ``key`` on the table's ``row``."""
    await wait_until(pilot, lambda: screen.app.screen is screen)
    table.focus()
    table.move_cursor(row=row)
    await pilot.press(key)


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def guest_says(name: str, expression: str, uri: str = SYSTEM_URI) -> str:
    """Run ``echo OUT-<expression>`` on the guest's serial console (virsh console, as an admin
    would) and return what followed OUT-."""
    console = pexpect.spawn("virsh", ["-c", uri, "console", name, "--force"], encoding="utf-8", timeout=20)
    try:
        console.expect_exact("Escape character is ^]")
        wait_for_prompt(console)
        console.sendline(f"echo OUT-{expression}")
        console.expect(r"\r\nOUT-(\S*)\r\n")
        said = str(console.match.group(1))
        console.sendcontrol("]")
        console.expect(pexpect.EOF)
    finally:
        console.close()
    return said


async def guest_comes_to_say(name: str, expression: str, expected: str, timeout: float = 30) -> str:
    """What the guest says once it says ``expected``, or at ``timeout``: libvirt's attach or
    resize returns before the guest's kernel has probed the new disk or seen its new size."""
    deadline = asyncio.get_running_loop().time() + timeout
    said = await asyncio.to_thread(guest_says, name, expression)
    while said != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(1)
        said = await asyncio.to_thread(guest_says, name, expression)
    return said


async def test_a_disk_hot_plugged_resized_and_unplugged_is_seen_in_the_guest(
    guest_with_volume: tuple[str, str],
) -> None:
    name, volume = guest_with_volume
    new_volume = Path(volume).with_name(f"{name}-vdb.qcow2")
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)
            count = "$(grep -c vdb /proc/partitions)"
            assert await asyncio.to_thread(guest_says, name, count) == "0"

            screen = await open_editor(pilot, app, name, "tab-disks")
            screen.query_one("#disk-list", DataTable).focus()
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, DiskFormScreen))
            app.screen.query_one("#pool", Select).value = TEST_POOL
            await type_into(pilot, app.screen, "size", "64M")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "added now and at next boot" in notes(app), timeout=30)
            assert "vdb" in virsh("domblklist", name) and "vdb" in virsh("dumpxml", name, "--inactive")
            size = "$(cat /sys/block/vdb/size)"  # in 512-byte sectors
            assert await guest_comes_to_say(name, size, str(64 * 2048)) == str(64 * 2048)

            table = screen.query_one("#disk-list", DataTable)  # the editor stays, read again
            await wait_until(pilot, lambda: table.row_count == 2)
            table.focus()
            table.move_cursor(row=1)
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
            await type_into(pilot, app.screen, "value", "128M")
            await pilot.press("enter")
            await wait_until(pilot, lambda: "resized to 128 MiB now" in notes(app), timeout=30)
            assert await guest_comes_to_say(name, size, str(128 * 2048)) == str(128 * 2048)

            await on_row(pilot, screen, table, 1, "d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_until(pilot, lambda: "disk vdb removed now and at next boot" in notes(app), timeout=30)
            assert "vdb" not in virsh("domblklist", name) and "vdb" not in virsh(
                "dumpxml", name, "--inactive"
            )
            assert await asyncio.to_thread(guest_says, name, count) == "0"
            assert new_volume.exists()  # a detach keeps the file

            def removed() -> list[str]:  # libvirt's device-removed event, in the event log
                return [
                    e.text for e in app.fleet.events.newest_first() if e.kind == "device" and e.guest == name
                ]

            await wait_until(pilot, lambda: bool(removed()), timeout=10)
            assert removed() == ["device virtio-disk1 removed"]
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn = libvirt.open(SYSTEM_URI)
            conn.storageVolLookupByPath(str(new_volume)).delete(0)
            conn.close()


async def test_memory_for_the_next_boot_marks_the_running_guest(guest_name: str) -> None:
    virsh("start", guest_name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: state_of(app.main.table, guest_name) == "running", timeout=20)
        screen = await open_editor(pilot, app, guest_name, "tab-cpu-memory")
        screen.query_one("#where", Select).value = "at next boot only"
        await pilot.pause()
        await type_into(pilot, screen, "memory_max", "256M")
        await type_into(pilot, screen, "memory", "256M")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "memory → 256 MiB: at next boot only" in notes(app), timeout=30)
        assert "<currentMemory unit='KiB'>262144</currentMemory>" in virsh(
            "dumpxml", guest_name, "--inactive"
        )
        assert "<currentMemory unit='KiB'>131072</currentMemory>" in virsh("dumpxml", guest_name)
        await wait_until(
            pilot, lambda: "memory 128 MiB → 256 MiB" in str(screen.query_one("#editor-status").render())
        )
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: NEXT_BOOT_MARK in (state_of(app.main.table, guest_name) or ""), timeout=20
        )

        virsh("destroy", guest_name)  # the next boot is now: nothing is pending any more
        virsh("start", guest_name)
        await wait_until(pilot, lambda: state_of(app.main.table, guest_name) == "running", timeout=30)
        assert "<currentMemory unit='KiB'>262144</currentMemory>" in virsh("dumpxml", guest_name)
        assert NEXT_BOOT_MARK not in (state_of(app.main.table, guest_name) or "")  # the ↻ is gone


def editor_script(tmp_path: Path, sed: str) -> Path:
    script = tmp_path / "edit.sh"
    script.write_text(f'#!/bin/sh\nsed -i "{sed}" "$1"\n')
    script.chmod(0o755)
    return script


async def test_edit_xml_applies_a_valid_change_and_refuses_an_invalid_one(
    guest_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: key_of(app.main.table, guest_name) is not None, timeout=20)
        assert app.main.table.select_key(key_of(app.main.table, guest_name) or "")

        monkeypatch.setenv("EDITOR", str(editor_script(tmp_path, "s|</name>|</name><title>edited</title>|")))
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=20)
        await pilot.press("a")
        await wait_until(pilot, lambda: f"{guest_name} defined" in notes(app), timeout=20)
        assert "<title>edited</title>" in virsh("dumpxml", guest_name, "--inactive")

        monkeypatch.setenv("EDITOR", str(editor_script(tmp_path, "s|<os>|<os><bogus/>|")))
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=20)
        await pilot.press("a")
        refused = f"libvirt refused the XML of {guest_name}"
        await wait_until(pilot, lambda: refused in dialog_title(app), timeout=20)
        assert "failed to validate against schema" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("d")
        await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        await pilot.pause(1)
        # Discarded: no define after the refused one (it would be refused and asked again).
        defines = [
            e.text for e in app.fleet.events.newest_first() if e.text.startswith(f"Define {guest_name}")
        ]
        assert len(defines) == 2 and not isinstance(app.screen, ChoiceScreen), defines
        assert "bogus" not in virsh("dumpxml", guest_name, "--inactive")


ISOLATED = "tuivirt-it-isolated"


@pytest.fixture
def isolated_network() -> Iterator[str]:
    """A second network on the daemon for a NIC to move to (transient: gone when destroyed)."""
    conn = libvirt.open(SYSTEM_URI)
    xml = f"<network><name>{ISOLATED}</name><ip address='10.213.7.1' prefix='24'/></network>"
    with contextlib.suppress(libvirt.libvirtError):
        conn.networkLookupByName(ISOLATED).destroy()
    conn.networkCreateXML(xml)
    yield ISOLATED
    with contextlib.suppress(libvirt.libvirtError):
        conn.networkLookupByName(ISOLATED).destroy()
    conn.close()


def nic_rows(screen: GuestEditorScreen) -> list[str]:
    table = screen.query_one("#nic-list", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_a_running_guest_gets_a_nic_moved_and_removed_a_vcpu_now_only_and_a_sata_disk_at_next_boot(
    guest_with_volume: tuple[str, str], isolated_network: str
) -> None:
    name, volume = guest_with_volume
    sata_volume = Path(volume).with_name(f"{name}-sda.qcow2")
    virsh("setvcpus", name, "2", "--maximum", "--config")
    virsh("setvcpus", name, "1", "--config")
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    nics = "$(ls /sys/class/net | grep -c eth)"
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)
            assert await asyncio.to_thread(guest_says, name, nics) == "1"

            # A NIC hot-plugged: the guest sees a second interface.
            screen = await open_editor(pilot, app, name, "tab-nics")
            screen.query_one("#nic-list", DataTable).focus()
            await pilot.press("a")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "NicFormScreen")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "added now and at next boot" in notes(app), timeout=30)
            await wait_until(pilot, lambda: len(nic_rows(screen)) == 2, timeout=10)
            assert await guest_comes_to_say(name, nics, "2") == "2"
            mac = nic_rows(screen)[1]
            assert mac in virsh("domiflist", name) and mac in virsh("domiflist", name, "--inactive")

            table = screen.query_one("#nic-list", DataTable)
            await on_row(pilot, screen, table, 1, "l")  # link down, at once in the running guest
            await wait_until(pilot, lambda: "down" in virsh("domif-getlink", name, mac), timeout=20)

            await on_row(pilot, screen, table, 1, "m")
            await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
            await type_into(pilot, app.screen, "value", "network nowhere")
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ValueFormScreen)  # refused beside the field
            await type_into(pilot, app.screen, "value", f"network {isolated_network}")
            await pilot.press("enter")

            def on_isolated(*flags: str) -> bool:
                line = next((ln for ln in virsh("domiflist", name, *flags).splitlines() if mac in ln), "")
                return isolated_network in line

            await wait_until(pilot, on_isolated, timeout=20)
            assert on_isolated("--inactive")

            await on_row(pilot, screen, table, 1, "d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            gone = f"interface {mac} removed now and at next boot"
            await wait_until(pilot, lambda: gone in notes(app), timeout=30)
            assert await guest_comes_to_say(name, nics, "1") == "1"
            assert mac not in virsh("domiflist", name, "--inactive")

            # A vCPU now only: the guest gets it, the next boot keeps one.
            cpus = "$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)"
            assert await asyncio.to_thread(guest_says, name, cpus) == "1"
            screen = await open_editor(pilot, app, name, "tab-cpu-memory")
            screen.query_one("#where", Select).value = "now only"
            await pilot.pause()
            await type_into(pilot, screen, "vcpus", "2")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "vCPUs → 2: now only" in notes(app), timeout=30)
            assert await guest_comes_to_say(name, cpus, "2") == "2"
            counts = virsh("vcpucount", name)
            rows = {tuple(line.split()[:2]): line.split()[2] for line in counts.splitlines() if line.strip()}
            assert rows[("current", "live")] == "2" and rows[("current", "config")] == "1", counts

            # A SATA disk cannot be hot-plugged: it is added to the next boot, and said so.
            screen = await open_editor(pilot, app, name, "tab-disks")
            screen.query_one("#disk-list", DataTable).focus()
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, DiskFormScreen))
            form = app.screen
            form.query_one("#pool", Select).value = TEST_POOL
            form.query_one("#bus", Select).value = "sata"
            await pilot.pause()
            await type_into(pilot, form, "size", "16M")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "added at next boot" in notes(app), timeout=30)
            assert "sda" not in virsh("domblklist", name) and "sda" in virsh("domblklist", name, "--inactive")

            # Shrinking the running guest's vda is typed twice.
            await on_row(pilot, screen, screen.query_one("#disk-list", DataTable), 0, "r")
            await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
            await type_into(pilot, app.screen, "value", "8M")
            await pilot.press("enter")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ValueFormScreen) and "Shrink" in screen_title(app)
            )
            await type_into(pilot, app.screen, "value", "9M")
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert "Shrink" in screen_title(app)  # not the same size: refused
            await type_into(pilot, app.screen, "value", "8M")
            await pilot.press("enter")
            sectors = "$(cat /sys/block/vda/size)"
            assert await guest_comes_to_say(name, sectors, str(8 * 2048)) == str(8 * 2048)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn = libvirt.open(SYSTEM_URI)
            conn.storageVolLookupByPath(str(sata_volume)).delete(0)
            conn.close()


def screen_title(app: TuivirtApp) -> str:
    titles = app.screen.query(".dialog-title")
    return str(titles.first().render()) if titles else ""


async def test_a_disk_the_paused_guest_cannot_release_is_said_to_wait_and_goes_on_resume(
    guest_with_volume: tuple[str, str],
) -> None:
    """A paused guest cannot answer an unplug: after 15 s the editor says the disk is not released
    yet (not "removed"); once the guest runs again it lets go, and libvirt says so."""
    name, volume = guest_with_volume
    extra = Path(volume).with_name(f"{name}-vdb.raw")
    extra.write_bytes(b"\0" * (1 << 20))
    virsh("start", name)
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)
            assert await asyncio.to_thread(guest_says, name, "$(echo up)") == "up"  # booted: it has hotplug
            virsh("attach-disk", name, str(extra), "vdb", "--targetbus", "virtio", "--live")
            screen = await open_editor(pilot, app, name, "tab-disks")
            disks = screen.query_one("#disk-list", DataTable)
            await wait_until(pilot, lambda: disks.row_count == 2, timeout=20)
            virsh("suspend", name)
            await on_row(pilot, screen, disks, 1, "d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            waiting = "disk vdb: the guest has not released it after 15 s"
            await wait_until(pilot, lambda: waiting in notes(app), timeout=40)
            assert "vdb removed now" not in notes(app) and "vdb" in virsh("domblklist", name)

            virsh("resume", name)
            await wait_until(pilot, lambda: "vdb" not in virsh("domblklist", name), timeout=30)

            def removed() -> bool:  # libvirt's word, in the log
                events = app.fleet.events.newest_first()
                return any(e.kind == "device" and e.guest == name for e in events)

            await wait_until(pilot, removed, timeout=10)
    finally:
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
