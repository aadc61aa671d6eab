"""`e`: the guest editor on the test driver, driven by keys: each section's changes and its errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, TabbedContent

from tests.app.helpers import key_of, state_of
from tests.app.test_create_form import type_into, why
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.editor.disk_form import DiskFormScreen
from tuivirt.ui.editor.nic_form import NicFormScreen
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.section import Section
from tuivirt.ui.editor.xml_edit import XmlEditor
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.widgets.domains_table import NEXT_BOOT_MARK

DEMO = HostConfig("demo", demo_uri())
GIB = 1024 * 1024  # KiB


def on_host(app: TuivirtApp, work: Any) -> Any:
    """Read libvirt directly, on the app's own connection (as a second virsh would)."""
    return app.fleet.session(DEMO.uri).call(work, changes=False)


def definition(app: TuivirtApp, guest: str, flags: int = libvirt.VIR_DOMAIN_XML_INACTIVE) -> ET.Element:
    return ET.fromstring(on_host(app, lambda conn: conn.lookupByName(guest).XMLDesc(flags)))


async def open_editor(pilot: Pilot[Any], app: TuivirtApp, guest: str, tab: str = "") -> GuestEditorScreen:
    await wait_until(pilot, lambda: key_of(app.main.table, guest) is not None)
    assert app.main.table.select_key(key_of(app.main.table, guest) or "")
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, GuestEditorScreen))
    screen = app.screen
    assert isinstance(screen, GuestEditorScreen)
    await wait_until(pilot, lambda: all(s.data is not None for s in screen.query(Section)))
    if tab:
        screen.query_one(TabbedContent).active = tab
        await pilot.pause()
    return screen


async def open_disk_form(pilot: Pilot[Any], app: TuivirtApp, screen: GuestEditorScreen) -> None:
    screen.query_one("#disk-list", DataTable).focus()
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(app.screen, DiskFormScreen))


async def changed(pilot: Pilot[Any], screen: GuestEditorScreen, *keys: str) -> None:
    """Press ``keys``, then wait for the editor to read the guest again after the change (which is
    said to be under way first: a hot-plug once showed nothing for seconds)."""
    reads, said, app = screen.reads, [], screen.app
    notify = app.notify
    app.notify = lambda message, **kw: said.append(str(message)) or notify(message, **kw)  # type: ignore[method-assign, func-returns-value]
    try:
        await pilot.press(*keys)
        await wait_until(pilot, lambda: screen.reads > reads, timeout=15)
    finally:
        app.notify = notify  # type: ignore[method-assign]
    assert any("under way…" in message for message in said)


async def test_overview_renames_a_shut_off_guest_and_refuses_a_running_one() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "web-01")
        await type_into(pilot, screen, "name", "web-99")
        assert why(screen, "name") == "rename needs the guest shut off"
        await pilot.press("escape")

        await wait_until(pilot, lambda: not isinstance(app.screen, GuestEditorScreen))
        screen = await open_editor(pilot, app, "backup")  # shut off in the demo
        await type_into(pilot, screen, "name", "web-02")
        assert why(screen, "name") == "another guest on this host has this name"
        await type_into(pilot, screen, "name", "archive")
        await type_into(pilot, screen, "title", "Nightly backups")
        assert why(screen, "name") == ""
        await pilot.press("enter")
        await wait_until(pilot, lambda: key_of(app.main.table, "archive") is not None, timeout=15)
        assert definition(app, "archive").findtext("title") == "Nightly backups"


async def test_memory_for_the_next_boot_shows_the_pending_marker() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "web-01", "tab-cpu-memory")  # running, 2 GiB of 2 GiB
        await type_into(pilot, screen, "memory", "3G")
        assert why(screen, "memory") == "above the maximum of the running guest (2.0 GiB)"
        await type_into(pilot, screen, "memory_max", "200G")
        assert why(screen, "memory_max") == "above the host's memory (128.0 GiB)"
        await type_into(pilot, screen, "vcpus", "64")
        assert why(screen, "vcpus") == "above the host's 28 CPUs"
        await type_into(pilot, screen, "vcpus", "x")
        assert why(screen, "vcpus") == "a whole number, 1 to 4096"
        assert definition(app, "web-01").findtext("memory") == str(2 * GIB)  # nothing was called

        screen.query_one("#where").value = "at next boot only"  # type: ignore[attr-defined]
        await pilot.pause()
        # What was typed stays (choosing "Applies" once reset Memory and its maximum).
        assert screen.query_one("#vcpus").value == "x"  # type: ignore[attr-defined]
        assert screen.query_one("#memory_max").value == "200G"  # type: ignore[attr-defined]
        await type_into(pilot, screen, "vcpus", "2")
        await type_into(pilot, screen, "memory", "3G")
        await type_into(pilot, screen, "memory_max", "4G")
        changes = str(screen.query_one("#cpu-memory-changes").render())
        assert "memory → 3.0 GiB: at next boot only" in changes
        assert "maximum memory 2.0 GiB → 4.0 GiB: at next boot" in changes
        await changed(pilot, screen, "ctrl+s")
        assert definition(app, "web-01").findtext("currentMemory") == str(3 * GIB)
        assert definition(app, "web-01", 0).findtext("currentMemory") == str(2 * GIB)  # running: unchanged
        status = screen.query_one("#editor-status")
        await wait_until(pilot, lambda: "memory 2.0 GiB → 3.0 GiB" in str(status.render()), timeout=15)
        await pilot.press("escape")
        await wait_until(pilot, lambda: NEXT_BOOT_MARK in (state_of(app.main.table, "web-01") or ""))
        assert NEXT_BOOT_MARK not in (state_of(app.main.table, "web-02") or "")


async def test_boot_order_moves_the_cd_rom_first() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "backup", "tab-boot")
        selection = screen.query_one("#boot-order")
        selection.focus()
        await pilot.press("down", "space", "plus")  # CD-ROM on, and before the disk
        await changed(pilot, screen, "ctrl+s")
        assert [b.get("dev") for b in definition(app, "backup").iterfind("os/boot")] == ["cdrom", "hd"]
        assert definition(app, "backup").find("os/bootmenu[@enable='yes']") is None

        screen.query_one("#boot-menu", Checkbox).value = True
        await pilot.pause()
        await changed(pilot, screen, "ctrl+s")
        assert definition(app, "backup").find("os/bootmenu[@enable='yes']") is not None
        assert screen.query_one("#boot-menu", Checkbox).value  # read back from libvirt


async def test_add_a_disk_to_a_shut_off_guest_and_refuse_bad_fields() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "backup", "tab-disks")
        await open_disk_form(pilot, app, screen)
        form = app.screen
        await type_into(pilot, form, "target", "vda")
        assert why(form, "target") == "taken by another disk of this guest"
        await type_into(pilot, form, "target", "vdb")
        await type_into(pilot, form, "size", "lots")
        assert why(form, "size") == "a size such as 10G or 512M"
        await type_into(pilot, form, "size", "5G")
        await changed(pilot, screen, "ctrl+s")
        targets = [t.get("dev") for t in definition(app, "backup").iterfind("devices/disk/target")]
        assert targets == ["vda", "vdb"]
        volume = on_host(
            app,
            lambda c: (
                c.storagePoolLookupByName("demo-pool").storageVolLookupByName("backup-vdb.qcow2").info()
            ),
        )
        assert volume[1] == 5 * 1024**3


async def test_a_failed_hot_plug_leaves_no_volume_and_says_why() -> None:
    """The test driver cannot hot-plug: the new volume must go again, the reason reach the user."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "web-01", "tab-disks")
        await open_disk_form(pilot, app, screen)
        await type_into(pilot, app.screen, "size", "1G")
        messages: list[str] = []
        app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any("Add disk vdb to web-01 on demo" in m for m in messages), timeout=15
        )
        assert any("not supported" in m for m in messages), messages
        names = on_host(app, lambda c: c.storagePoolLookupByName("demo-pool").listVolumes())
        assert "web-01-vdb.qcow2" not in names
        logged = next(e for e in app.fleet.events.newest_first() if e.kind == "action")
        assert logged.guest == "web-01" and logged.text.startswith("Add disk vdb to web-01: failed: ")


async def test_cd_rom_added_then_a_disc_inserted_and_ejected() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "backup", "tab-disks")
        await open_disk_form(pilot, app, screen)
        form = app.screen
        form.query_one("#kind").value = "CD-ROM (ISO)"  # type: ignore[attr-defined]
        await pilot.pause()
        assert form.query_one("#target").value == "sda"  # type: ignore[attr-defined]
        await changed(pilot, screen, "ctrl+s")
        table = screen.query_one(DataTable)
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        await type_into(pilot, app.screen, "value", "/isos/debian.iso")
        await changed(pilot, screen, "enter")
        cdrom = definition(app, "backup").find("devices/disk[@device='cdrom']")
        assert cdrom is not None and cdrom.find("source").get("file") == "/isos/debian.iso"  # type: ignore[union-attr]
        await changed(pilot, screen, "x")
        cdrom = definition(app, "backup").find("devices/disk[@device='cdrom']")
        assert cdrom is not None and cdrom.find("source") is None


async def test_nics_add_with_a_typed_mac_link_down_and_remove() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_editor(pilot, app, "backup", "tab-nics")
        screen.query_one("#nic-list", DataTable).focus()
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, NicFormScreen))
        form = app.screen
        await type_into(pilot, form, "mac", "52:54:00:zz:00:01")
        assert why(form, "mac") == "six hex pairs: 52:54:00:12:34:56"
        await type_into(pilot, form, "mac", "52:54:00:00:00:01")  # web-01's
        assert why(form, "mac") == "already used on this host"
        await type_into(pilot, form, "mac", "52:54:00:aa:bb:cc")
        await changed(pilot, screen, "ctrl+s")
        macs = [m.get("address") for m in definition(app, "backup").iterfind("devices/interface/mac")]
        assert "52:54:00:aa:bb:cc" in macs

        table = screen.query_one("#nic-list", DataTable)
        table.focus()
        table.move_cursor(row=macs.index("52:54:00:aa:bb:cc"))
        await changed(pilot, screen, "l")
        nics = definition(app, "backup").iterfind("devices/interface")
        added = next(n for n in nics if n.find("mac[@address='52:54:00:aa:bb:cc']") is not None)
        assert added.find("link[@state='down']") is not None
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await changed(pilot, screen, "y")
        macs = [m.get("address") for m in definition(app, "backup").iterfind("devices/interface/mac")]
        assert "52:54:00:aa:bb:cc" not in macs


async def test_read_only_mode_says_why_there_is_no_editor() -> None:
    app = TuivirtApp([DEMO], readonly=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: key_of(app.main.table, "web-01") is not None)
        messages: list[str] = []
        app.main.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
        await pilot.press("e", "E")
        assert not isinstance(app.screen, GuestEditorScreen)
        assert messages == [
            "The editor: not available, tuivirt runs read-only (--readonly).",
            "Edit XML: not available, tuivirt runs read-only (--readonly).",
        ]


def dialog_title(app: TuivirtApp) -> str:
    """The open dialog's title ("" while none is up, or one is still closing)."""
    titles = app.screen.query(".dialog-title")
    return str(titles.first().render()) if isinstance(app.screen, ChoiceScreen) and titles else ""


def editor_script(tmp_path: Path, sed: str) -> Path:
    """An $EDITOR that applies ``sed`` to the file and keeps a copy of each text it was given."""
    script = tmp_path / "edit.sh"
    script.write_text(f'#!/bin/sh\ncat "$1" >> "{tmp_path}/given.log"\nsed -i "{sed}" "$1"\n')
    script.chmod(0o755)
    return script


async def edit_xml(pilot: Pilot[Any], app: TuivirtApp, guest: str) -> list[str]:
    """E on ``guest``; the notifications it gives."""
    await wait_until(pilot, lambda: key_of(app.main.table, guest) is not None)
    assert app.main.table.select_key(key_of(app.main.table, guest) or "")
    messages: list[str] = []
    app.main.query_one(XmlEditor).notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
    await pilot.press("E")
    return messages


async def test_edit_xml_applies_a_valid_change_after_the_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(
        "EDITOR", str(editor_script(tmp_path, "s|</name>|</name><title>From the editor</title>|"))
    )
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        messages = await edit_xml(pilot, app, "backup")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        body = str(app.screen.query_one(".dialog-body").render())
        assert "+  <name>backup</name><title>From the editor</title>" in body.splitlines()
        await pilot.press("a")
        await wait_until(pilot, lambda: any("defined" in m for m in messages))
        assert messages == ["backup defined: the changes apply when it starts."]
        assert definition(app, "backup").findtext("title") == "From the editor"


async def test_edit_xml_refused_keeps_the_text_for_another_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor_script(tmp_path, "s|<os>|<os><bogus/>|")))
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_xml(pilot, app, "backup")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("a")
        await wait_until(pilot, lambda: "libvirt refused" in dialog_title(app))
        assert "failed to validate against schema" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("e")  # edit again: the editor gets the refused text, not the original
        await wait_until(pilot, lambda: (tmp_path / "given.log").read_text().count("<bogus/>") >= 1)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("d")
        await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
        await pilot.pause(0.5)
        # Discarded: no second define (it would be refused again and asked again), no editor again.
        defines = [e.text for e in app.fleet.events.newest_first() if e.text.startswith("Define backup")]
        assert len(defines) == 1 and "failed" in defines[0], defines
        assert not isinstance(app.screen, ChoiceScreen)
        assert (tmp_path / "given.log").read_text().count("<domain") == 2
        assert definition(app, "backup").find("os/bogus") is None


async def test_edit_xml_unchanged_defines_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "true")
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        messages = await edit_xml(pilot, app, "backup")
        await wait_until(pilot, lambda: bool(messages))
        assert messages == ["backup: the XML is unchanged, nothing to define."]
        assert not isinstance(app.screen, ChoiceScreen)
