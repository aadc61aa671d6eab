"""SVG pictures of the features added after the first set (tests/app/test_snapshots.py): the
snapshots tree and its form, the event log, `V`, tags, the agent menu, the
storage and editor forms and the XML diff, at 80x24 and 100x30. Clocks are pinned: snapshots are
redefined with fixed creation times, the log shows events of fixed times, V's status is filtered.

    .venv/bin/pytest tests/app/test_feature_pictures.py --snapshot-update
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.app.snapshot_scenes import demo_app, guests_shown, on_guest, still, storage_shown
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.eventlog.store import Event
from tuivirt.ui.editor.disk_form import DiskFormScreen
from tuivirt.ui.editor.nic_form import NicFormScreen
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.section import Section
from tuivirt.ui.eventlog.screen import EventLogScreen
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.menu import MenuScreen
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.snapshots.screen import SnapshotsScreen
from tuivirt.ui.snapshots.snapshot_form import SnapshotFormScreen
from tuivirt.ui.storage.pool_form import PoolFormScreen
from tuivirt.ui.storage.upload_form import UploadFormScreen
from tuivirt.ui.storage.volume_form import VolumeFormScreen
from tuivirt.ui.tags.tags_form import TagsFormScreen

Scene = Callable[[Pilot[Any]], Any]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The snapshots' and events' times are shown in local time: the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


SIZES = pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])


def app_of(pilot: Pilot[Any]) -> TuivirtApp:
    assert isinstance(pilot.app, TuivirtApp)
    return pilot.app


def on_demo(app: TuivirtApp, work: Callable[[libvirt.virConnect], Any]) -> Any:
    return app.fleet.session(next(iter(app.fleet.hosts)).uri).call(work, changes=True)


def snapshot_tree(conn: libvirt.virConnect) -> None:
    """web-01's snapshots with fixed creation times: base, its child (current), a second root."""
    dom = conn.lookupByName("web-01")
    for name, parent, at, flags in [
        ("before-upgrade", "", 1_790_000_000, 0),
        ("after-upgrade", "before-upgrade", 1_790_086_400, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT),
        ("fresh-install", "", 1_789_000_000, 0),
    ]:
        parent_xml = f"<parent><name>{parent}</name></parent>" if parent else ""
        dom.snapshotCreateXML(
            f"<domainsnapshot><name>{name}</name>{parent_xml}<state>running</state>"
            f"<creationTime>{at}</creationTime><memory snapshot='internal'/>{dom.XMLDesc(0)}"
            "</domainsnapshot>",
            libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | flags,
        )


async def snapshots(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    on_demo(app_of(pilot), snapshot_tree)
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnapshotsScreen))
    listed = pilot.app.screen.query_one("#snapshot-list", DataTable)
    await wait_until(pilot, lambda: listed.row_count == 3)


async def snapshot_form(pilot: Pilot[Any]) -> None:
    await snapshots(pilot)
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnapshotFormScreen))
    pilot.app.screen.query_one("#snapshot-name", Input).value = "before-kernel-6.12"  # not the clock's
    still(pilot)
    await pilot.pause()


async def event_log(pilot: Pilot[Any]) -> None:
    app = app_of(pilot)
    await guests_shown(pilot)
    at = 1_790_000_000.0
    app.fleet.events.append(
        [
            Event(at, "rk-9", "lifecycle", "started (booted)", "web-01", "u1"),
            Event(at + 60, "rk-9", "action", "Pause: done", "web-01", "u1", user="ops"),
            Event(at + 90, "rk-9", "io-error", "I/O error on vda: enospc (guest paused)", "db-primary", "u2"),
            Event(at + 120, "rk-9", "action", "Migrate db-replica to rack-2: failed: no route", "db-replica"),
        ]
    )
    await pilot.press("L")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, EventLogScreen))
    rows = pilot.app.screen.query_one(DataTable)
    await wait_until(pilot, lambda: rows.row_count >= 5)
    await pilot.press("slash", *"rk-9")  # only the fixed ones (the demo host's "up" has this run's time)
    still(pilot)
    await wait_until(pilot, lambda: rows.row_count == 4)


async def guest_screen(pilot: Pilot[Any]) -> None:
    """V on a guest with a video card (the test driver's screenshot), the time of day taken out."""
    await on_guest(pilot, "web-02")
    await pilot.press("V")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, GuestScreenScreen))
    screen = pilot.app.screen
    assert isinstance(screen, GuestScreenScreen)
    await wait_until(pilot, lambda: screen.shots == 1)
    status = screen.query_one("#screen-status", Plain)
    status.update(str(status.content).replace(str(status.content).split("taken ")[1][:8], "12:00:00"))
    await pilot.pause()


async def tags_form(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("number_sign")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TagsFormScreen))
    pilot.app.screen.query_one("#add-tags", Input).value = "web prod"
    still(pilot)
    await pilot.pause()


async def tag_groups(pilot: Pilot[Any]) -> None:
    from tuivirt.backend.ops.tags.tags import write_tags

    app = app_of(pilot)
    await guests_shown(pilot)

    def tag_three(conn: libvirt.virConnect) -> None:
        for guest, tags in (("web-01", ["web"]), ("web-02", ["web"]), ("db-primary", ["db", "prod"])):
            write_tags(conn, conn.lookupByName(guest).UUIDString(), tags)

    on_demo(app, tag_three)
    table = app.main.table
    await wait_until(pilot, lambda: "tags" in table.visible_columns)
    await pilot.press("b", "b")  # by host, then by tag
    await wait_until(pilot, lambda: any("▸ web" in title for title in table._titles.values()))
    app.clear_notifications()  # ("Grouped by …": said, not part of the table)
    await pilot.pause()


async def agent_menu(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "web-01")
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MenuScreen))


async def storage_form(pilot: Pilot[Any], key: str, form: type, on_volumes: bool) -> None:
    await storage_shown(pilot)
    if on_volumes:
        await pilot.press("tab")
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, form))
    still(pilot)
    await pilot.pause()


async def upload_form(pilot: Pilot[Any]) -> None:
    await storage_form(pilot, "u", UploadFormScreen, on_volumes=True)


async def volume_form(pilot: Pilot[Any]) -> None:
    await storage_form(pilot, "n", VolumeFormScreen, on_volumes=True)


async def pool_form(pilot: Pilot[Any]) -> None:
    await storage_form(pilot, "n", PoolFormScreen, on_volumes=False)


async def editor_form(pilot: Pilot[Any], tab: str, table: str, form: type) -> None:
    await on_guest(pilot, "backup")
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, GuestEditorScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: all(s.data is not None for s in screen.query(Section)))
    screen.query_one("TabbedContent").active = tab  # type: ignore[attr-defined]
    await pilot.pause()
    screen.query_one(f"#{table}").focus()
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, form))
    still(pilot)
    await pilot.pause()


async def disk_form(pilot: Pilot[Any]) -> None:
    await editor_form(pilot, "tab-disks", "disk-list", DiskFormScreen)


async def nic_form(pilot: Pilot[Any]) -> None:
    await editor_form(pilot, "tab-nics", "nic-list", NicFormScreen)


SCENES: dict[str, Scene] = {
    "snapshots": snapshots,
    "snapshot_form": snapshot_form,
    "event_log": event_log,
    "tags_form": tags_form,
    "tag_groups": tag_groups,
    "agent_menu": agent_menu,
    "upload_form": upload_form,
    "volume_form": volume_form,
    "pool_form": pool_form,
    "disk_form": disk_form,
    "nic_form": nic_form,
}


@SIZES
@pytest.mark.parametrize("scene", list(SCENES))
def test_feature(snap_compare: Callable[..., bool], scene: str, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(), terminal_size=size, run_before=SCENES[scene])


@SIZES
def test_guest_screen(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    app = demo_app()
    node = Path(next(iter(app.fleet.hosts)).uri.removeprefix("test://"))
    text = node.read_text()
    end = text.index("</devices>", text.index("<name>web-02</name>"))
    node.write_text(text[:end] + "<video><model type='vga'/></video>" + text[end:])
    assert snap_compare(app, terminal_size=size, run_before=guest_screen)


async def xml_diff(pilot: Pilot[Any]) -> None:
    await on_guest(pilot, "backup")
    await pilot.press("E")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen), timeout=20)


@SIZES
def test_xml_diff(
    snap_compare: Callable[..., bool], size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "edit.sh"
    script.write_text('#!/bin/sh\nsed -i "s|</name>|</name><title>Nightly backups</title>|" "$1"\n')
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    assert snap_compare(demo_app(), terminal_size=size, run_before=xml_diff)
