"""Migration between two real daemons: this machine's and the second host in its namespaces.

A running guest goes there and back by keys and keeps its memory (a shell variable set before is
read after); an abort (Esc) leaves it running where it was; post-copy with auto-converge, both
checked in QEMU, finishes a slow migration; a shut-off guest's definition moves; its qcow2 disk is
copied into a pool on the target through the form; a host with two running guests is evacuated."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from tests.app.helpers import domain, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, virsh
from tests.integration.second_host import HOST_ADDRESS, PEER_ADDRESS, SecondHost
from tests.integration.test_guest_editor import guest_says
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.tags import read_tags
from tuivirt.backend.ops.tags.tags import write_tags
from tuivirt.testbed import testguest
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.migrate.migrate_form import MigrateFormScreen
from tuivirt.ui.migrate.migration_progress import MigrationProgressScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)
PROMPT_MARK = "kept-42"


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def where(name: str, *uris: str) -> list[str]:
    """The URIs of the hosts where ``name`` is defined or running, with its state there."""
    found = []
    for uri in uris:
        conn = libvirt.open(uri)
        with contextlib.suppress(libvirt.libvirtError):
            dom = conn.lookupByName(name)
            found.append(f"{uri} {'running' if dom.isActive() else 'shut off'}")
        conn.close()
    return found


def remove_everywhere(name: str, *uris: str) -> None:
    for uri in uris:
        conn = libvirt.open(uri)
        with contextlib.suppress(libvirt.libvirtError):
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()
        conn.close()


@pytest.fixture
def second(second_host: SecondHost) -> HostConfig:
    second_host.start_daemon()  # (an earlier test may have stopped it)
    return HostConfig("second", second_host.uri)


@pytest.fixture
def running_guests(second: HostConfig, guest_images: testguest.GuestImages) -> Iterator[list[str]]:
    """Two running test guests on this machine (no network: the second host has none); removed
    from both hosts afterwards."""
    names = [f"tuivirt-mig-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    conn = libvirt.open(SYSTEM_URI)
    for name in names:
        testguest.define(conn, name, guest_images, network=None)
        conn.lookupByName(name).create()
    conn.close()
    yield names
    for name in names:
        remove_everywhere(name, SYSTEM_URI, second.uri)


async def migrate_by_keys(
    pilot: Pilot[Any],
    app: TuivirtApp,
    name: str,
    from_uri: str,
    bandwidth: str = "",
    downtime: str = "",
    checks: Sequence[str] = (),
) -> str:
    """Choose the first host that will do, submit; the migration address the form guessed."""
    table = app.main.table
    await wait_until(pilot, lambda: len(app.fleet.up_hosts()) == 2, timeout=30)  # both listed
    await wait_until(
        pilot,
        lambda: any(k.startswith(from_uri) and domain(table, k).name == name for k in table.keys),
        timeout=30,
    )
    key = next(k for k in table.keys if k.startswith(from_uri) and domain(table, k).name == name)
    assert table.select_key(key)
    await pilot.press("M")
    await wait_until(pilot, lambda: isinstance(app.screen, MigrateFormScreen), timeout=20)
    app.screen.query_one("#bandwidth", Input).value = bandwidth
    app.screen.query_one("#downtime", Input).value = downtime
    for check in checks:  # the form's checkboxes by id: postcopy, auto-converge, copy-storage…
        app.screen.query_one(f"#{check}", Checkbox).value = True
    await pilot.pause()
    address = app.screen.query_one("#address", Input).value
    await pilot.press("ctrl+s")
    return address


async def test_a_running_guest_goes_there_and_back_keeping_its_memory(
    second: HostConfig, running_guests: list[str]
) -> None:
    name = running_guests[0]
    assert await asyncio.to_thread(guest_says, name, f"set; TV_KEPT={PROMPT_MARK}") == "set"
    with contextlib.closing(libvirt.open(SYSTEM_URI)) as conn:
        write_tags(conn, conn.lookupByName(name).UUIDString(), ["web", "eu"])
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await migrate_by_keys(pilot, app, name, SYSTEM_URI) == PEER_ADDRESS
        await wait_until(pilot, lambda: f"{name} is running on second now" in notes(app), timeout=60)
        assert where(name, SYSTEM_URI, second.uri) == [f"{second.uri} running"]
        said = await asyncio.to_thread(guest_says, name, "$TV_KEPT", second.uri)
        assert said == PROMPT_MARK
        with contextlib.closing(libvirt.open(second.uri)) as there:  # the tags went with it
            dom = there.lookupByName(name)
            assert read_tags(dom) == ("web", "eu") == read_tags(dom, next_boot=True)
        logged = [(e.host, e.guest, e.text) for e in app.fleet.events.newest_first() if e.kind == "action"]
        assert ("localhost", name, f"Migrate {name} to second: done") in logged
        jobs = [
            (e.host, e.text) for e in app.fleet.events.newest_first() if e.kind == "job" and e.guest == name
        ]
        assert ("localhost", "migration out completed") in jobs  # libvirt's job-completed event

        assert await migrate_by_keys(pilot, app, name, second.uri) == HOST_ADDRESS  # the way back here
        await wait_until(pilot, lambda: f"{name} is running on localhost now" in notes(app), timeout=60)
    assert where(name, SYSTEM_URI, second.uri) == [f"{SYSTEM_URI} running"]
    assert await asyncio.to_thread(guest_says, name, "$TV_KEPT") == PROMPT_MARK


async def test_an_aborted_migration_leaves_the_guest_running_where_it_was(
    second: HostConfig, running_guests: list[str]
) -> None:
    name = running_guests[0]
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await migrate_by_keys(
            pilot, app, name, SYSTEM_URI, bandwidth="1", downtime="450"
        )  # 128 MiB at 1 MiB/s
        await wait_until(pilot, lambda: isinstance(app.screen, MigrationProgressScreen), timeout=20)
        progress = app.screen
        await wait_until(pilot, lambda: " of " in str(progress.query_one("#figures-0").render()), timeout=30)
        assert state_of(app.main.table, name) == "migrating → second"
        await wait_until(pilot, lambda: "450" in virsh("migrate-getmaxdowntime", name), timeout=10)
        await pilot.press("escape")
        await pilot.press("a")  # twice (Esc, then a): said once, done once
        await wait_until(pilot, lambda: "Aborting already" in notes(app))
        await wait_until(pilot, lambda: f"Migrate {name}: aborted" in notes(app), timeout=30)
        await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)
    assert where(name, SYSTEM_URI, second.uri) == [f"{SYSTEM_URI} running"]


async def test_a_target_that_goes_down_midway_leaves_the_guest_on_its_host(
    second_host: SecondHost, second: HostConfig, running_guests: list[str]
) -> None:
    name = running_guests[0]
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await migrate_by_keys(pilot, app, name, SYSTEM_URI, bandwidth="1")
            await wait_until(pilot, lambda: isinstance(app.screen, MigrationProgressScreen), timeout=20)
            progress = app.screen
            await wait_until(
                pilot, lambda: " of " in str(progress.query_one("#figures-0").render()), timeout=30
            )
            await asyncio.to_thread(second_host.crash)
            failed = f"Migrate {name} to second on localhost: "
            await wait_until(pilot, lambda: failed in notes(app), timeout=60)
            line = next(n for n in notes(app).split("\n") if n.startswith(failed))
            assert len(line) > len(failed) and "Traceback" not in notes(app)

            def down_logged() -> bool:  # the host's own poll saw it go: not injected
                events = app.fleet.events.newest_first()
                return any(
                    e.kind == "host" and e.host == "second" and e.text.startswith("down") for e in events
                )

            await wait_until(pilot, down_logged, timeout=20)
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "running", timeout=20)
        assert where(name, SYSTEM_URI) == [f"{SYSTEM_URI} running"]
    finally:
        await asyncio.to_thread(second_host.start_daemon)


POOL, POOL_PATH = "tuivirt-mig", "/var/lib/libvirt/images/tuivirt-mig"  # private to each daemon


def pool_on(conn: libvirt.virConnect) -> libvirt.virStoragePool:
    xml = f"<pool type='dir'><name>{POOL}</name><target><path>{POOL_PATH}</path></target></pool>"
    pool = conn.storagePoolCreateXML(xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    return pool


def drop_pool(uri: str) -> None:
    conn = libvirt.open(uri)
    with contextlib.suppress(libvirt.libvirtError):
        pool = conn.storagePoolLookupByName(POOL)
        pool.refresh(0)
        for volume in pool.listAllVolumes(0):
            volume.delete(0)
        pool.destroy()
    conn.close()


async def test_copy_storage_moves_a_qcow2_disk_into_the_target_pool(
    second: HostConfig, guest_images: testguest.GuestImages
) -> None:
    name = f"tuivirt-mig-{uuid.uuid4().hex[:8]}"
    local, remote = libvirt.open(SYSTEM_URI), libvirt.open(second.uri)
    try:
        volume = pool_on(local).createXML(
            f"<volume><name>{name}.qcow2</name><capacity unit='MiB'>16</capacity>"
            "<target><format type='qcow2'/></target></volume>"
        )
        pool_on(remote)
        testguest.define(local, name, guest_images, disk=volume.path(), network=None)
        local.lookupByName(name).create()
        mark = "tuivirt-copied"
        written = f"$(echo {mark} > /dev/vda && sync && head -c {len(mark)} /dev/vda)"
        assert await asyncio.to_thread(guest_says, name, written) == mark

        app = TuivirtApp([LOCAL, second], refresh=0.5)
        async with app.run_test(size=(120, 40)) as pilot:
            await migrate_by_keys(pilot, app, name, SYSTEM_URI, checks=["copy-storage"])
            report = f"{name} is running on second now (its disks copied; the source's files stay)"
            await wait_until(pilot, lambda: report in notes(app), timeout=90)

        copied = remote.storagePoolLookupByName(POOL)
        copied.refresh(0)
        assert copied.storageVolLookupByName(f"{name}.qcow2").info()[1] == 16 * 1024 * 1024
        said = await asyncio.to_thread(guest_says, name, f"$(head -c {len(mark)} /dev/vda)", second.uri)
        assert said == mark
    finally:
        remove_everywhere(name, SYSTEM_URI, second.uri)
        local.close()
        remote.close()
        drop_pool(SYSTEM_URI)
        drop_pool(second.uri)


def capabilities(name: str) -> dict[str, str]:
    """QEMU's migration capabilities of the running guest (what the form's flags became)."""
    said = virsh("qemu-monitor-command", name, "--hmp", "info migrate_capabilities")
    return dict(line.replace(" ", "").split(":", 1) for line in said.splitlines() if ":" in line)


async def test_post_copy_with_auto_converge_finishes_a_slow_migration(
    second: HostConfig, running_guests: list[str]
) -> None:
    """At 1 MiB/s the 128 MiB guest would take two minutes; `p` switches to post-copy, and the rest
    of its memory is fetched as the guest touches it there. Both choices are read back from QEMU."""
    name = running_guests[0]
    assert await asyncio.to_thread(guest_says, name, f"set; TV_KEPT={PROMPT_MARK}") == "set"
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await migrate_by_keys(
            pilot, app, name, SYSTEM_URI, bandwidth="1", checks=["postcopy", "auto-converge"]
        )
        await wait_until(pilot, lambda: isinstance(app.screen, MigrationProgressScreen), timeout=20)
        progress = app.screen
        await wait_until(pilot, lambda: " of " in str(progress.query_one("#figures-0").render()), timeout=30)
        chosen = capabilities(name)  # what QEMU was told (scripts/setup-host.sh allows userfaultfd)
        assert chosen["postcopy-ram"] == "on" and chosen["auto-converge"] == "on", chosen
        started = time.monotonic()
        await pilot.press("p")
        await wait_until(pilot, lambda: f"{name} is running on second now" in notes(app), timeout=60)
        assert time.monotonic() - started < 60

        def lifecycle(host: str) -> list[str]:
            events = app.fleet.events.newest_first()
            return [e.text for e in events if e.kind == "lifecycle" and e.guest == name and e.host == host]

        # libvirt's own word that the switch happened: paused (post-copy) here, resumed there.
        await wait_until(
            pilot, lambda: any("post-copy" in text for text in lifecycle("localhost")), timeout=10
        )
        await wait_until(pilot, lambda: any("post-copy" in text for text in lifecycle("second")), timeout=10)
    assert where(name, SYSTEM_URI, second.uri) == [f"{second.uri} running"]
    assert await asyncio.to_thread(guest_says, name, "$TV_KEPT", second.uri) == PROMPT_MARK


async def test_a_shut_off_guest_is_defined_on_the_other_daemon(
    second: HostConfig, running_guests: list[str]
) -> None:
    """Offline: only the definition moves (undefined here, defined there, still shut off)."""
    name = running_guests[1]
    virsh("destroy", name)
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await migrate_by_keys(pilot, app, name, SYSTEM_URI)
        await wait_until(pilot, lambda: f"{name} is defined on second now" in notes(app), timeout=60)
    assert where(name, SYSTEM_URI, second.uri) == [f"{second.uri} shut off"]


def most_jobs_at_once(names: list[str], stop: threading.Event) -> int:
    """How many of the guests had a job (a migration) under way at once, polled on this host."""
    conn = libvirt.open(SYSTEM_URI)
    domains = [conn.lookupByName(name) for name in names]
    most = 0
    while not stop.is_set():
        busy = 0
        for dom in domains:
            with contextlib.suppress(libvirt.libvirtError):  # gone from here once it moved
                busy += dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE
        most = max(most, busy)
        time.sleep(0.02)
    conn.close()
    return most


async def test_a_host_with_two_running_guests_is_evacuated(
    second: HostConfig, running_guests: list[str]
) -> None:
    conn = libvirt.open(SYSTEM_URI)
    others = [d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)]
    conn.close()
    assert sorted(others) == sorted(running_guests), "only the test's guests run here"
    app = TuivirtApp([LOCAL, second], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.fleet.up_hosts()) == 2, timeout=30)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("M")  # the first host: localhost
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=20)
        plan = str(app.screen.query_one(".dialog-body").render())
        assert all(f"{name} (128 MiB) → second" in plan for name in running_guests)
        stop = threading.Event()
        watcher = asyncio.create_task(asyncio.to_thread(most_jobs_at_once, running_guests, stop))
        await pilot.press("y")
        reports = [f"{name} is running on second now" for name in running_guests]
        try:
            await wait_until(pilot, lambda: all(r in notes(app) for r in reports), timeout=90)
        finally:
            stop.set()
        assert await watcher == 2  # two at a time: both guests had a migration job at once
        assert isinstance(app.screen, MigrationProgressScreen)  # two guests: the report stays
        await pilot.press("enter")
    for name in running_guests:
        assert where(name, SYSTEM_URI, second.uri) == [f"{second.uri} running"]
