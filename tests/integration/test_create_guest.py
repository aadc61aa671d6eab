"""The new-guest form on the real daemon: direct kernel boot from a new qcow2 volume, and rollback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from tests.app.test_create_form import open_form, type_into
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, TEST_POOL, _remove_guest, ensure_pool, virsh
from tests.integration.test_console import console_pids
from tuivirt.app import TuivirtApp
from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed import testguest
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.main.screen import MainScreen

pytestmark = pytest.mark.integration


@pytest.fixture
def new_name(system_conn: libvirt.virConnect) -> Iterator[str]:
    ensure_pool(system_conn)
    name = f"tuivirt-new-{uuid.uuid4().hex[:6]}"
    yield name
    pool = system_conn.storagePoolLookupByName(TEST_POOL)
    pool.refresh(0)
    path = (
        f"{pool.storageVolLookupByName(f'{name}.qcow2').path()}"
        if f"{name}.qcow2" in pool.listVolumes()
        else None
    )
    _remove_guest(name, path)


async def fill(pilot: Pilot[None], form: CreateScreen, name: str) -> None:
    images = testguest.build()
    await type_into(pilot, form, "name", name)
    await type_into(pilot, form, "memory", "128")
    await type_into(pilot, form, "disk_gib", "0.05")
    form.query_one("#virt_type", Select).value = "qemu"  # no nested KVM here
    form.query_one("#disk_pool", Select).value = TEST_POOL
    form.query_one("#install", Select).value = "direct kernel boot"
    form.query_one("#net_mode", Select).value = "no network"
    await pilot.pause()
    await type_into(pilot, form, "kernel", str(images.kernel))
    await type_into(pilot, form, "initrd", str(images.initrd))
    await type_into(pilot, form, "cmdline", "console=ttyS0 quiet")


async def test_create_by_direct_kernel_boot_and_reach_the_prompt(new_name: str) -> None:
    app = TuivirtApp([HostConfig("localhost", SYSTEM_URI)], refresh=0.5)
    async with app.run_test(size=(120, 45)) as pilot:
        form = await open_form(pilot, app, rows=0)
        await fill(pilot, form, new_name)
        form.query_one("#open_console", Checkbox).value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=30)
        assert "running" in virsh("domstate", new_name)
        assert f"{new_name}.qcow2" in virsh("vol-list", TEST_POOL)
        await wait_until(pilot, lambda: bool(app.main.dock.panes), timeout=15)
        pane = app.main.dock.panes[0]
        await wait_until(pilot, lambda: pane.state is ConsoleState.ATTACHED, timeout=15)
        deadline = time.monotonic() + 60
        while testguest.PROMPT.strip() not in pane.emulator.text():
            assert time.monotonic() < deadline, pane.emulator.text()
            await pilot.press("enter")
            await pilot.pause(1)
        await pilot.press("ctrl+right_square_bracket")
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()
        assert app.focused is app.main.table
    assert console_pids(new_name) == []  # detached: no virsh left
    assert "running" in virsh("domstate", new_name)  # and the guest runs on


async def test_failure_at_start_removes_the_guest_and_its_volume(new_name: str) -> None:
    """A kernel that exists (the checker passes) but is no kernel: QEMU refuses it at start, after
    the volume was made and the guest defined. Both are removed; the form keeps its values."""
    app = TuivirtApp([HostConfig("localhost", SYSTEM_URI)], refresh=0.5)
    async with app.run_test(size=(120, 45)) as pilot:
        form = await open_form(pilot, app, rows=0)
        await fill(pilot, form, new_name)
        form.query_one("#kernel", Input).value = "/etc/hostname"
        await pilot.pause()
        await pilot.press("ctrl+s")
        result = form.query_one("#form-result")
        await wait_until(pilot, lambda: "failed" in str(result.render()), timeout=60)
        assert f"starting {new_name} failed" in str(result.render())
        assert "could not clean up" not in str(result.render())
        assert isinstance(app.screen, CreateScreen)
        assert form.query_one("#kernel", Input).value == "/etc/hostname"
    assert new_name not in virsh("list", "--all", "--name").split()
    assert f"{new_name}.qcow2" not in virsh("vol-list", TEST_POOL)


async def test_failure_after_the_volume_was_made_removes_it(new_name: str) -> None:
    app = TuivirtApp([HostConfig("localhost", SYSTEM_URI)], refresh=0.5)
    async with app.run_test(size=(120, 45)) as pilot:
        form = await open_form(pilot, app, rows=0)
        await fill(pilot, form, new_name)
        # The name is taken behind the form's back: only the daemon can see it at define time.
        images = testguest.build()
        conn = libvirt.open(SYSTEM_URI)
        try:
            conn.defineXML(testguest.domain_xml(new_name, images))
        finally:
            conn.close()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "failed" in str(form.query_one("#form-result").render()), timeout=30)
        assert f"defining {new_name} failed" in str(form.query_one("#form-result").render())
        assert form.query_one("#name", Input).value == new_name
    assert f"{new_name}.qcow2" not in virsh("vol-list", TEST_POOL)
