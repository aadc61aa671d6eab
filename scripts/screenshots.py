"""Render the real app on the demo host into screenshots/*.svg (re-run after UI changes).

.venv/bin/python scripts/screenshots.py [WORD ...]   (only the shots whose file name has a WORD)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import libvirt

from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.ops.editor.guest_config import read_config
from tuivirt.backend.ops.editor.settings import CpuMemoryChange, Where, apply_cpu_memory
from tuivirt.backend.ops.snapshots.snapshots import SnapshotRequest, create_snapshot, revert_snapshot
from tuivirt.backend.ops.storage.volumes import create_volume
from tuivirt.backend.ops.tags.tags import write_tags
from tuivirt.cli import demo_uri
from tuivirt.testbed import testguest
from tuivirt.testbed.testnode import write_node_file
from tuivirt.ui.shared.widgets.domains_table import row_key

OUT = Path(__file__).resolve().parent.parent / "screenshots"
# file name -> (terminal size, keys pressed once the guests are listed)
SHOTS: dict[str, tuple[tuple[int, int], list[str]]] = {
    "main-100x30.svg": ((100, 30), ["down", "down", "down"]),
    "main-80x24.svg": ((80, 24), ["down", "down", "down"]),
    "marks-and-confirm-100x30.svg": ((100, 30), ["end", "up", "space", "space", "up", "up", "space", "F"]),
    "details-100x30.svg": ((100, 30), ["down", "down", "down", "down", "down", "enter"]),
    "delete-100x30.svg": ((100, 30), ["D"]),
    "help-100x30.svg": ((100, 30), ["question_mark"]),
    "networks-100x30.svg": ((100, 30), ["N"]),
    "new-guest-100x30.svg": ((100, 30), ["n", *"web-01"]),
}


def several_hosts(directory: Path) -> list[HostConfig]:
    """The demo, a rack of 12 generated guests (not connected at start), and a host that is down."""
    rack = write_node_file(directory / "rack-2.xml", 12, prefix="batch")
    return [
        HostConfig("demo", demo_uri()),
        HostConfig("rack-2", f"test://{rack}"),
        HostConfig("kvm-old", "qemu+tcp://127.0.0.1:1/system"),
        HostConfig("lab", "qemu+ssh://root@lab.example.org/system", autoconnect=False),
    ]


async def shoot(
    filename: str, size: tuple[int, int], keys: list[str], hosts: list[HostConfig] | None = None
) -> None:
    app = TuivirtApp(hosts or [HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 10
        while app.main.table.row_count == 0 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(1.0 if hosts else 0.5)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def shoot_snapshots(filename: str = "snapshots-100x30.svg") -> None:
    """web-01's snapshots: a small tree, taken through the app's own backend on the demo host."""
    app = TuivirtApp([HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        while app.main.table.row_count == 0:
            await pilot.pause(0.05)
        session = app.fleet.session(demo_uri())
        web = session.call(lambda conn: conn.lookupByName("web-01").UUIDString(), changes=False)
        tree = [
            ("before-upgrade", "", "kernel 6.1.0-25, before apt full-upgrade"),
            ("after-upgrade", "", "kernel 6.1.0-28, services checked"),
            ("nginx-1.24", "before-upgrade", "trying nginx from backports"),
        ]
        for name, parent, description in tree:
            if parent:
                session.call(partial(revert_snapshot, uuid=web, name=parent))
            session.call(partial(create_snapshot, uuid=web, request=SnapshotRequest(name, description)))
        session.call(partial(revert_snapshot, uuid=web, name="after-upgrade"))
        app.main.table.select_key(row_key(demo_uri(), web))
        await pilot.press("t")
        await pilot.pause(1.0)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def shoot_editor(filename: str = "editor-100x30.svg") -> None:
    """web-01's editor on its CPU and memory tab, after more memory was set for its next boot."""
    app = TuivirtApp([HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        while app.main.table.row_count == 0:
            await pilot.pause(0.05)
        session = app.fleet.session(demo_uri())
        web = session.call(lambda conn: conn.lookupByName("web-01").UUIDString())
        config = session.call(partial(read_config, uuid=web), changes=False)
        change = CpuMemoryChange(Where.NEXT_BOOT, memory_kib=4 * 1024 * 1024, memory_max_kib=4 * 1024 * 1024)
        session.call(partial(apply_cpu_memory, config=config, change=change))
        app.main.table.select_key(row_key(demo_uri(), web))
        while not app.main.table.item(row_key(demo_uri(), web)).domain.next_boot:  # type: ignore[union-attr]
            await pilot.pause(0.1)
        await pilot.press("e")
        await pilot.pause(1.0)
        await pilot.press("right", "down")
        await pilot.pause(0.5)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def shoot_storage(filename: str = "storage-100x30.svg") -> None:
    """The demo's pool and its volumes, one of them an ISO no guest uses (an orphan)."""
    app = TuivirtApp([HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        while app.main.table.row_count == 0:
            await pilot.pause(0.05)
        session = app.fleet.session(demo_uri())
        iso = partial(
            create_volume, pool_name="demo-pool", name="debian-12.8-netinst.iso", size=660 << 20, fmt="raw"
        )
        session.call(iso)
        await pilot.press("P")
        await pilot.pause(1.0)
        await pilot.press("tab", "down", "down")
        await pilot.pause(0.5)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


TAGS = {
    "web-01": "web eu",
    "web-02": "web eu",
    "web-03": "web us",
    "db-primary": "db prod",
    "db-replica": "db",
}


def uuid_of(conn: libvirt.virConnect, name: str) -> str:
    return str(conn.lookupByName(name).UUIDString())


async def tagged_demo(pilot: Any, app: TuivirtApp) -> None:
    """Tag five of the demo's guests through the app's fleet (so the log has it), and wait for the
    table to show them."""
    table = app.main.table
    while table.row_count == 0:
        await pilot.pause(0.05)
    for name, tags in TAGS.items():
        uuid = app.fleet.call(demo_uri(), partial(uuid_of, name=name), what="read")
        work = partial(write_tags, uuid=uuid, tags=tags.split())
        app.fleet.call(demo_uri(), work, what=f"Tag {name}", changes=True, guest=uuid)
    tagged = [key_of_name(app, name) for name in TAGS]
    while not all((row := table.item(key)) and row.domain.tags for key in tagged):
        await pilot.pause(0.05)


def key_of_name(app: TuivirtApp, name: str) -> str:
    table = app.main.table
    return next(k for k in table.keys if (row := table.item(k)) is not None and row.domain.name == name)


async def shoot_tags(filename: str = "tags-80x24.svg") -> None:
    """The demo's guests grouped by tag (b twice), at 80x24."""
    app = TuivirtApp([HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await tagged_demo(pilot, app)
        await pilot.press("b", "b", "home")
        await pilot.pause(0.5)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def shoot_event_log(filename: str = "event-log-100x30.svg") -> None:
    """The log after a few actions on the demo: tags, a pause, a start, a force off."""
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp()  # this run's events only
    app = TuivirtApp([HostConfig("demo", demo_uri())], config_file=OUT / "unused.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        await tagged_demo(pilot, app)
        table = app.main.table
        for name, key in (("cache-01", "p"), ("backup", "s"), ("build-runner", "s"), ("web-02", "F")):
            table.select_key(key_of_name(app, name))
            await pilot.press(key)
            await pilot.pause(0.3)
            if key == "F":
                await pilot.press("y")
            await pilot.pause(1.2)
        await pilot.press("L")
        await pilot.pause(1.0)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def on_real_guest(
    filename: str, shoot: Callable[[TuivirtApp, Any, str], Awaitable[None]], *, video: bool = False
) -> None:
    """Boot a throwaway test guest on qemu:///system, open the app at 100x30 on its row, let
    ``shoot(app, pilot, row key)`` take the picture, and remove the guest."""
    try:
        conn = libvirt.open("qemu:///system")
    except libvirt.libvirtError as exc:
        print(f"skipped {filename}: {exc}")
        return
    dom = testguest.define(conn, "web-frontend", video=video)
    try:
        dom.create()
        app = TuivirtApp([HostConfig("localhost", "qemu:///system")], config_file=OUT / "unused.toml")
        async with app.run_test(size=(100, 30)) as pilot:
            key = row_key("qemu:///system", dom.UUIDString())
            while app.main.table.item(key) is None:
                await pilot.pause(0.05)
            app.main.table.select_key(key)
            await shoot(app, pilot, key)
        print(OUT / filename)
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()


async def shoot_guest_screen(filename: str = "guest-screen-100x30.svg") -> None:
    """V on a booted test guest with a VGA card: the kernel's boot text, in half blocks."""

    async def shoot(app: TuivirtApp, pilot: Any, _key: str) -> None:
        await pilot.pause(8.0)  # the kernel's boot text on its VGA console
        await pilot.press("V")
        await pilot.pause(3.0)
        app.save_screenshot(filename, str(OUT))

    await on_real_guest(filename, shoot, video=True)


async def shoot_console(filename: str = "console-100x30.svg") -> None:
    """The console pane on a booted test guest, after a few commands."""

    async def shoot(app: TuivirtApp, pilot: Any, key: str) -> None:
        await pilot.press("c")
        pane = app.main.dock.pane_for(key)
        assert pane is not None
        while testguest.PROMPT.strip() not in pane.emulator.text():
            await pilot.press("enter")
            await pilot.pause(1)
        await pilot.press(*"uname -sr; echo $((6*7)); ls /", "enter")
        await pilot.pause(1.5)
        app.save_screenshot(filename, str(OUT))
        await pilot.press("ctrl+right_square_bracket")
        await app.workers.wait_for_complete()

    await on_real_guest(filename, shoot)


async def shoot_migration(filename: str = "migration-100x30.svg") -> None:
    """A live migration to a second real libvirt host (the tests' one, in namespaces), slowed to
    2 MiB/s so that its progress shows, then aborted."""
    from tests.integration.second_host import PEER_ADDRESS, start_second_host

    try:
        conn = libvirt.open("qemu:///system")
    except libvirt.libvirtError as exc:
        print(f"skipped {filename}: {exc}")
        return
    names = ["web-frontend", "db-backend"]
    with tempfile.TemporaryDirectory() as directory:
        second = start_second_host(Path(directory))
        try:
            for name in names:
                testguest.define(conn, name, network=None).create()
            hosts = [HostConfig("localhost", "qemu:///system"), HostConfig("rack-2", second.uri)]
            app = TuivirtApp(hosts, refresh=1, config_file=OUT / "unused.toml")
            async with app.run_test(size=(100, 30)) as pilot:
                while len(app.fleet.up_hosts()) < 2 or app.main.table.row_count < 2:
                    await pilot.pause(0.1)
                app.main.table.select_key(key_of_name(app, names[0]))
                await pilot.press("M")
                await pilot.pause(2.0)
                app.screen.query_one("#bandwidth").value = "2"  # type: ignore[attr-defined]
                assert app.screen.query_one("#address").value == PEER_ADDRESS  # type: ignore[attr-defined]
                await pilot.press("ctrl+s")
                await pilot.pause(6.0)
                app.save_screenshot(filename, str(OUT))
                await pilot.press("a")
                await pilot.pause(3.0)
            print(OUT / filename)
        finally:
            for name in names:
                with contextlib.suppress(libvirt.libvirtError):
                    dom = conn.lookupByName(name)
                    dom.destroy()
                    dom.undefine()
            second.stop()
            conn.close()


async def main(words: list[str]) -> None:
    def wanted(filename: str) -> bool:
        return not words or any(word in filename for word in words)

    OUT.mkdir(exist_ok=True)
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp()  # the shots' events are not logged as yours
    for filename, (size, keys) in SHOTS.items():
        if wanted(filename):
            await shoot(filename, size, keys)
    with tempfile.TemporaryDirectory() as directory:
        hosts = several_hosts(Path(directory))
        for filename, key in (("hosts-100x30.svg", "H"), ("health-100x30.svg", "O")):
            if wanted(filename):
                await shoot(filename, (100, 30), [key], hosts)
    for shot in (shoot_snapshots, shoot_editor, shoot_storage, shoot_tags, shoot_event_log):
        if wanted(shot.__defaults__[0]):  # type: ignore[index]
            await shot()
    for shot in (shoot_console, shoot_migration, shoot_guest_screen):  # real guests
        if wanted(shot.__defaults__[0]):  # type: ignore[index]
            await shot()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
