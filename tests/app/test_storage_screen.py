"""`P`: pools and volumes on the test driver, driven by keys: the tables, create / delete / resize,
the used-by guard, orphans, the pool actions, and reading only when something happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libvirt
from textual.pilot import Pilot

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.storage.pool_form import PoolFormScreen
from tuivirt.ui.storage.pools_table import PoolsTable, pool_key
from tuivirt.ui.storage.screen import StorageScreen
from tuivirt.ui.storage.volume_form import VolumeFormScreen
from tuivirt.ui.storage.volumes_table import ORPHAN, VolumesTable

DEMO = HostConfig("demo", demo_uri())
POOL = pool_key(DEMO.uri, "demo-pool")


def on_host(app: TuivirtApp, work: Any) -> Any:
    """libvirt directly, on the app's own connection (as a second virsh would)."""
    return app.fleet.session(DEMO.uri).call(work, changes=False)


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def open_storage(pilot: Pilot[Any], app: TuivirtApp) -> StorageScreen:
    def up() -> bool:
        snapshot = app.fleet.snapshots.get(DEMO.uri)
        return snapshot is not None and snapshot.status is HostStatus.UP

    await wait_until(pilot, up)
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
    screen = app.screen
    assert isinstance(screen, StorageScreen)
    await wait_until(pilot, lambda: screen.pools.item(POOL) is not None)
    await wait_until(pilot, lambda: screen.volumes.row_count > 0)
    return screen


async def test_pools_and_volumes_with_their_guests() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        pools, volumes = screen.pools, screen.volumes
        assert pools.cell_text(POOL, "state") == "active"
        assert pools.cell_text(POOL, "capacity").strip() == "100.0 GiB"
        assert pools.cell_text(POOL, "available").strip() == "60.0 GiB"
        assert volumes.row_count == 14
        assert volumes.cell_text("web-01.qcow2", "used_by") == "web-01"  # a type='volume' disk
        assert ORPHAN not in [volumes.cell_text(k, "used_by") for k in volumes.keys]
        title = str(screen.query_one("#volumes-title").render())
        assert "14, 0 used by no guest" in title

        # Read on open, on r and after events; not on the host's ticks.
        reads = screen.reads
        await pilot.pause(3 * app.fleet._refresh + 0.5)
        assert screen.reads == reads
        await pilot.press("r")
        assert screen.reads == reads + 1


async def test_create_and_delete_volumes_and_the_used_by_guard() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        await pilot.press("tab")
        assert isinstance(app.focused, VolumesTable)

        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, VolumeFormScreen))
        form = app.screen
        await pilot.press(*"web-01.qcow2")
        assert "a volume of that name" in str(form.query_one("#name-why").render())
        await pilot.press("ctrl+u", *"scratch.img")
        await pilot.press("tab", "ctrl+u", *"500G")  # raw is allocated at once: more than is free
        form.query_one("#format").value = "raw"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "the pool has 60.0 GiB free" in str(form.query_one("#size-why").render())
        await pilot.press("ctrl+u", *"2G", "ctrl+s")
        await wait_until(pilot, lambda: screen.volumes.item("scratch.img") is not None)
        assert screen.volumes.cell_text("scratch.img", "used_by") == ORPHAN
        assert screen.volumes.cell_text("scratch.img", "format") == "raw"

        # A volume a guest uses is not deleted: the guest is named.
        assert screen.volumes.select_key("web-01.qcow2")
        await pilot.press("d")
        await wait_until(pilot, lambda: "used by web-01" in notes(app))
        assert not isinstance(app.screen, ConfirmScreen)

        assert screen.volumes.select_key("scratch.img")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.volumes.item("scratch.img") is None)
        names = on_host(app, lambda conn: conn.storagePoolLookupByName("demo-pool").listVolumes())
        assert "scratch.img" not in names and "web-01.qcow2" in names


async def test_a_refused_resize_is_one_line() -> None:
    """The test driver has no volume resize: what libvirt says reaches the user as one line."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        await pilot.press("tab")
        assert screen.volumes.select_key("backup.qcow2")  # backup is shut off
        await pilot.press("z")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        form = app.screen
        await pilot.press("ctrl+u", *"20G")
        assert "that is its size now" in str(form.query_one("#value-why").render())
        await pilot.press("ctrl+u", *"30G", "enter")
        await wait_until(pilot, lambda: "Resize volume backup.qcow2 on demo" in notes(app))
        line = next(n for n in notes(app).splitlines() if "Resize volume" in n)
        assert "not supported" in line and "Traceback" not in notes(app)
        # A volume open in a running guest is resized through the guest (qemu must know).
        assert screen.volumes.select_key("web-01.qcow2")
        await pilot.press("z")
        await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
        await pilot.press("ctrl+u", *"30G")
        assert "open in running web-01" in str(app.screen.query_one("#value-why").render())


async def test_pool_actions_by_keys(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        pools = screen.pools
        assert isinstance(app.focused, PoolsTable)

        await pilot.press("x")  # stop
        await wait_until(pilot, lambda: pools.cell_text(POOL, "state") == "inactive")
        await wait_until(pilot, lambda: screen.volumes.row_count == 0)
        assert "is not active" in str(screen.query_one("#volumes-title").render())
        await pilot.press("s")  # start
        await wait_until(pilot, lambda: pools.cell_text(POOL, "state") == "active")
        await wait_until(pilot, lambda: screen.volumes.row_count == 14)
        await pilot.press("a")
        await wait_until(pilot, lambda: pools.cell_text(POOL, "autostart") == "yes")

        # A new directory pool: the folder is checked here (this machine), then created if asked.
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, PoolFormScreen))
        form = app.screen
        await pilot.press(*"demo-pool")
        assert "a pool of that name" in str(form.query_one("#name-why").render())
        await pilot.press("ctrl+u", *"isos", "tab", *str(tmp_path / "isos"))
        assert "does not exist" in str(form.query_one("#path-why").render())
        (tmp_path / "file").write_text("x")
        await pilot.press("ctrl+u", *str(tmp_path / "file"))
        assert "not a directory" in str(form.query_one("#path-why").render())
        await pilot.press("ctrl+u", *str(tmp_path))
        await pilot.press("ctrl+s")
        isos = pool_key(DEMO.uri, "isos")
        await wait_until(pilot, lambda: pools.item(isos) is not None)
        assert pools.cell_text(isos, "state") == "active" and pools.cell_text(isos, "autostart") == "yes"

        assert pools.select_key(isos)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("u")
        await wait_until(pilot, lambda: pools.item(isos) is None)
        assert tmp_path.is_dir()  # undefined only: the folder stays


async def test_pools_are_read_again_after_a_storage_event() -> None:
    """A pool defined by someone else (a virsh on the same host) shows without r."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        reads = screen.reads

        def define(conn: libvirt.virConnect) -> None:
            xml = "<pool type='dir'><name>elsewhere</name><target><path>/tmp</path></target></pool>"
            conn.storagePoolDefineXML(xml, 0)

        on_host(app, define)
        await wait_until(pilot, lambda: screen.pools.item(pool_key(DEMO.uri, "elsewhere")) is not None)
        assert screen.reads == reads + 1
        assert screen.pools.cell_text(pool_key(DEMO.uri, "elsewhere"), "state") == "inactive"


async def test_p_opens_storage_from_the_main_screen_and_back() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_storage(pilot, app)
        await pilot.press("P")
        await wait_until(pilot, lambda: not isinstance(app.screen, StorageScreen))
        assert key_of(app.main.table, "web-01") is not None


async def test_a_host_that_goes_away_takes_its_pools_and_brings_them_back() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_storage(pilot, app)
        app.fleet.disconnect(DEMO.uri)
        await wait_until(pilot, lambda: screen.pools.row_count == 0)
        assert screen.volumes.row_count == 0
        app.fleet.connect(DEMO.uri)
        await wait_until(pilot, lambda: screen.pools.item(POOL) is not None)
        await wait_until(pilot, lambda: screen.volumes.row_count == 14)
