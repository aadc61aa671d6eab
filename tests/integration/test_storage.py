"""Clone and storage on the real daemon: full and linked clones boot to their shell prompt with the
source's disk contents (and a linked clone leaves its source untouched); a clone cancelled during
its copy leaves no volume; a file uploaded into a volume and downloaded back is byte-identical,
on this host and through the tests' own sshd (qemu+ssh://)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Select

from tests.app.helpers import key_of, state_of
from tests.app.test_create_form import type_into
from tests.conftest import wait_until
from tests.integration.conftest import (
    SYSTEM_URI,
    TEST_POOL,
    TEST_POOL_PATH,
    RecordingApp,
    SshServer,
    _remove_guest,
    ensure_pool,
    ssh_wrapper,
    virsh,
)
from tests.integration.second_host import SecondHost
from tests.integration.test_console import open_console, reach_prompt
from tests.integration.test_guest_editor import guest_says
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.ops.clone.clone_source import CloneMode
from tuivirt.testbed import testguest
from tuivirt.ui.clone.clone_form import CloneFormScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.progress import ProgressScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.storage.pool_form import PoolFormScreen
from tuivirt.ui.storage.pools_table import pool_key
from tuivirt.ui.storage.screen import StorageScreen
from tuivirt.ui.storage.upload_form import UploadFormScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)
MARK = "tuivirt-mark"


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def sha256(path: str | Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


async def fill(pilot: Pilot[Any], form: Any, field: str, text: str) -> None:
    """Set a field at once (a path typed key by key costs seconds per test; typing is tested elsewhere)."""
    form.query_one(f"#{field}", Input).value = text
    await pilot.pause()


def pool_volumes(conn: libvirt.virConnect) -> list[str]:
    pool = conn.storagePoolLookupByName(TEST_POOL)
    pool.refresh(0)
    return sorted(pool.listVolumes())


async def clone_by_keys(pilot: Pilot[Any], app: TuivirtApp, source: str, name: str, mode: CloneMode) -> None:
    if not isinstance(app.screen, MainScreen):
        await pilot.press("escape")
    key = key_of(app.main.table, source)
    assert key is not None and app.main.table.select_key(key)
    await pilot.press("C")
    await wait_until(pilot, lambda: isinstance(app.screen, CloneFormScreen), timeout=20)
    await type_into(pilot, app.screen, "name", name)
    app.screen.query_one("#mode", Select).value = mode.value
    await pilot.pause()
    await pilot.press("ctrl+s")


def data_file(path: Path, mib: int) -> Path:
    """A file of ``mib`` MiB of data (no holes: every byte crosses the connection)."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as file:
        for _ in range(mib):
            file.write(block)
    return path


async def open_test_pool(pilot: Pilot[Any], app: TuivirtApp, host: HostConfig = LOCAL) -> StorageScreen:
    """P, the tests' pool chosen, its volumes focused."""
    await wait_until(pilot, lambda: host.uri in app.fleet.sessions, timeout=30)
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
    screen = app.screen
    assert isinstance(screen, StorageScreen)
    key = pool_key(host.uri, TEST_POOL)
    await wait_until(pilot, lambda: screen.pools.item(key) is not None, timeout=20)
    assert screen.pools.select_key(key)
    await pilot.press("tab")
    return screen


async def test_full_and_linked_clones_boot_with_the_source_disk(guest_with_volume: tuple[str, str]) -> None:
    name, volume = guest_with_volume
    virsh("start", name)
    written = f"$(echo {MARK} > /dev/vda && sync && head -c {len(MARK)} /dev/vda)"
    assert await asyncio.to_thread(guest_says, name, written) == MARK
    virsh("destroy", name)
    full, linked = f"{name}-full", f"{name}-linked"
    made = {full: Path(volume).with_name(f"{full}.qcow2"), linked: Path(volume).with_name(f"{linked}.qcow2")}
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "shut off", timeout=20)
            for clone, mode in ((full, CloneMode.FULL), (linked, CloneMode.LINKED)):
                await clone_by_keys(pilot, app, name, clone, mode)
                await wait_until(pilot, lambda: f"cloned as {clone}" in notes(app), timeout=60)  # noqa: B023
                await wait_until(pilot, lambda: key_of(app.main.table, clone) is not None)  # noqa: B023
            assert made[full].exists() and made[linked].exists()
            assert f"<path>{volume}</path>" in virsh("vol-dumpxml", str(made[linked]))  # the overlay's base
            assert virsh("domuuid", full) != virsh("domuuid", name)
            source_before = sha256(volume)

            for clone in (full, linked):  # each boots to its shell prompt in the console pane
                assert app.main.table.select_key(key_of(app.main.table, clone) or "")
                await pilot.press("s")
                pane = await open_console(pilot, app, clone)
                await reach_prompt(pilot, pane)
                await pilot.press("f6")  # back to the table, the console stays
                assert app.focused is app.main.table
            for clone in (full, linked):  # with the source's disk (read and written by virsh console)
                read = f"$(head -c {len(MARK)} /dev/vda)"
                assert await asyncio.to_thread(guest_says, clone, read) == MARK
                write = "$(echo changed > /dev/vda && sync && head -c 7 /dev/vda)"
                assert await asyncio.to_thread(guest_says, clone, write) == "changed"
            assert sha256(volume) == source_before  # the linked clone wrote into its overlay only
    finally:
        for clone in (linked, full):  # the overlay before its base
            _remove_guest(clone, str(made[clone]))


@pytest.fixture
def guest_with_big_raw_disk(
    system_conn: libvirt.virConnect, guest_images: testguest.GuestImages
) -> Iterator[str]:
    """A shut-off guest with an 8 GiB sparse raw disk: libvirt reads all of it to copy it (seconds)."""
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}"
    pool = ensure_pool(system_conn)
    volume = pool.createXML(
        f"<volume><name>{name}.raw</name><capacity unit='GiB'>8</capacity><allocation>0</allocation>"
        "<target><format type='raw'/></target></volume>"
    )
    xml = testguest.domain_xml(name, guest_images, disk=volume.path())
    system_conn.defineXML(xml.replace('type="qcow2"', 'type="raw"'))
    path = volume.path()
    yield name
    _remove_guest(name, path)
    clone = f"{name}-clone"  # (if the cancel came too late)
    _remove_guest(clone, str(Path(path).with_name(f"{clone}.raw")))


async def test_a_clone_cancelled_during_its_copy_leaves_no_volume(
    guest_with_big_raw_disk: str, system_conn: libvirt.virConnect
) -> None:
    name = guest_with_big_raw_disk
    before = pool_volumes(system_conn)
    app = RecordingApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: state_of(app.main.table, name) == "shut off", timeout=20)
        await clone_by_keys(pilot, app, name, f"{name}-clone", CloneMode.FULL)
        await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen))
        step = app.screen.query_one("#progress-step")
        await wait_until(pilot, lambda: "copying vda" in str(step.render()))
        copying_since = time.monotonic()
        pool = system_conn.storagePoolLookupByName(TEST_POOL)
        assert f"{name}-clone.raw" in pool.listVolumes()  # under way (a rescan is refused meanwhile)
        # The copy runs on a connection of its own: the host's ticks go on (every 0.5 s) meanwhile.
        # (4 s: eight ticks' time, for a loaded 2-core machine; the 8 GiB copy takes longer)
        await wait_until(pilot, lambda: len(app.updates_since(LOCAL.uri, copying_since)) >= 2, timeout=4)
        await pilot.press("escape")
        assert "Cancelling" in str(step.render())
        await wait_until(pilot, lambda: "cancelled; nothing was left behind" in notes(app), timeout=60)
        assert not isinstance(app.screen, ProgressScreen)
    assert pool_volumes(system_conn) == before
    assert f"{name}-clone" not in virsh("list", "--all", "--name")


@pytest.mark.parametrize("over_ssh", [False, True], ids=["local", "qemu+ssh"])
async def test_upload_and_download_are_byte_identical(
    over_ssh: bool, sshd: SshServer, tmp_path: Path, system_conn: libvirt.virConnect
) -> None:
    ensure_pool(system_conn)
    host = LOCAL
    if over_ssh:
        ssh = ssh_wrapper(tmp_path / "ssh", sshd.known_hosts, tmp_path / "ssh-args.log")
        host = HostConfig("ssh-local", sshd.uri(sshd.user_key, ssh))
    source = tmp_path / "image.bin"
    with open(source, "wb") as file:  # data, a hole, data: the hole must stay one
        file.write(os.urandom(3 * 1024 * 1024))
        file.seek(3 * 1024 * 1024, os.SEEK_CUR)
        file.write(os.urandom(1024 * 1024 + 17))
    volume = f"tuivirt-it-{uuid.uuid4().hex[:8]}.img"
    back = tmp_path / "back.img"
    app = TuivirtApp([host], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_test_pool(pilot, app, host)
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, UploadFormScreen))
            await fill(pilot, app.screen, "source", str(source))
            await fill(pilot, app.screen, "volume", volume)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: f"uploaded into {TEST_POOL}/{volume}" in notes(app), timeout=60)
            await wait_until(pilot, lambda: screen.volumes.item(volume) is not None, timeout=20)
            assert screen.volumes.cell_text(volume, "used_by") == "orphan"
            on_host = system_conn.storagePoolLookupByName(TEST_POOL).storageVolLookupByName(volume).path()
            assert sha256(on_host) == sha256(source)
            assert os.stat(on_host).st_blocks * 512 < 5 * 1024 * 1024  # the hole stayed a hole

            assert screen.volumes.select_key(volume)
            await pilot.press("D")
            await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
            await fill(pilot, app.screen, "value", str(back))
            await pilot.press("enter")
            await wait_until(pilot, lambda: f"downloaded to {back}" in notes(app), timeout=60)
            assert sha256(back) == sha256(source)
            assert not Path(f"{back}.part").exists()
            assert stat.S_IMODE(back.stat().st_mode) == 0o600  # (was 0644: a world-readable disk copy)

            await pilot.press("d")
            await pilot.press("y")
            await wait_until(pilot, lambda: screen.volumes.item(volume) is None, timeout=20)
            assert volume not in pool_volumes(system_conn)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            system_conn.storagePoolLookupByName(TEST_POOL).storageVolLookupByName(volume).delete(0)


async def test_a_host_lost_mid_upload_names_the_partial_volume(
    second_host: SecondHost, tmp_path: Path
) -> None:
    """The second host's libvirtd killed during an upload: one line says what failed and that the
    partial volume is left on the host, to delete (it cannot be removed while the host is down)."""
    conn = libvirt.open(second_host.uri)
    pool_xml = (
        "<pool type='dir'><name>uploads</name><target><path>/var/lib/libvirt/uploads</path></target></pool>"
    )
    pool = conn.storagePoolDefineXML(pool_xml, 0)
    pool.build(0)
    pool.create(0)
    conn.close()
    source = tmp_path / "big.img"
    with open(source, "wb") as file:  # 2 GiB of data (no holes: all of it crosses the link)
        block = b"\x01" * (1 << 20)
        for _ in range(2048):
            file.write(block)
    host = HostConfig("second", second_host.uri)
    app = TuivirtApp([host], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: host.uri in app.fleet.snapshots, timeout=30)
            await wait_until(pilot, lambda: app.fleet.snapshots[host.uri].status.value == "up", timeout=30)
            await pilot.press("P")
            await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
            screen = app.screen
            assert isinstance(screen, StorageScreen)
            key = pool_key(host.uri, "uploads")
            await wait_until(pilot, lambda: screen.pools.item(key) is not None, timeout=20)
            assert screen.pools.select_key(key)
            await pilot.press("tab", "u")
            await wait_until(pilot, lambda: isinstance(app.screen, UploadFormScreen))
            await fill(pilot, app.screen, "source", str(source))
            await pilot.press("ctrl+s")
            # (the form reads the 2 GiB source first: slow on a loaded machine)
            await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen), timeout=30)
            bar = app.screen.query_one(ProgressBar)
            await wait_until(pilot, lambda: (bar.progress or 0) > 64 << 20, timeout=30)  # under way
            second_host.kill_daemon()
            await wait_until(pilot, lambda: "Upload into uploads on second" in notes(app), timeout=30)
            line = next(n for n in notes(app).split("\n") if "Upload into uploads" in n)
            assert "the partial volume uploads/big.img is left on the host" in line, line
            assert "Traceback" not in notes(app)
    finally:
        second_host.start_daemon()
        conn = libvirt.open(second_host.uri)
        pool = conn.storagePoolLookupByName("uploads")
        pool.refresh(0)
        leftover = pool.listVolumes()
        for name in leftover:
            pool.storageVolLookupByName(name).delete(0)
        pool.destroy()
        pool.delete(0)
        pool.undefine()
        conn.close()
    assert leftover == ["big.img"]  # as the line said


def capacity(conn: libvirt.virConnect, name: str) -> int:
    pool = conn.storagePoolLookupByName(TEST_POOL)
    pool.refresh(0)
    return int(pool.storageVolLookupByName(name).info()[1])


async def test_a_volume_grown_shrunk_when_confirmed_rescanned_and_uploaded_over(
    tmp_path: Path, system_conn: libvirt.virConnect
) -> None:
    pool = ensure_pool(system_conn)
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}.qcow2"  # (a raw file cannot shrink below its allocation)
    by_hand = f"tuivirt-it-{uuid.uuid4().hex[:8]}.img"
    pool.createXML(
        f"<volume><name>{name}</name><capacity unit='MiB'>16</capacity>"
        "<target><format type='qcow2'/></target></volume>"
    )
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_test_pool(pilot, app)
            await wait_until(pilot, lambda: screen.volumes.item(name) is not None, timeout=20)
            assert screen.volumes.select_key(name)
            await pilot.press("z")
            await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
            await fill(pilot, app.screen, "value", "32M")
            await pilot.press("enter")
            await wait_until(pilot, lambda: capacity(system_conn, name) == 32 << 20, timeout=20)

            for answer in ("n", "y"):  # a shrink is asked first: no, then yes
                await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
                assert screen.volumes.select_key(name)
                await pilot.press("z")
                await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
                await fill(pilot, app.screen, "value", "8M")
                await pilot.press("enter")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                await pilot.press(answer)
                if answer == "n":
                    await pilot.pause(0.5)
                    assert capacity(system_conn, name) == 32 << 20  # no: nothing happened
            await wait_until(pilot, lambda: capacity(system_conn, name) == 8 << 20, timeout=20)

            # A file put in the pool's folder by hand shows after R (libvirt rescans the folder).
            (Path(TEST_POOL_PATH) / by_hand).write_bytes(b"x" * 4096)
            await pilot.press("shift+tab")
            await pilot.press("R")
            await wait_until(pilot, lambda: screen.volumes.item(by_hand) is not None, timeout=20)

            # Uploaded over the existing volume: its bytes are the file's.
            source = data_file(tmp_path / "over.img", 4)
            await pilot.press("tab")
            assert screen.volumes.select_key(name)
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, UploadFormScreen))
            app.screen.query_one("#into", Select).value = "existing"
            await fill(pilot, app.screen, "source", str(source))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: f"uploaded into {TEST_POOL}/{name}" in notes(app), timeout=60)
            path = pool.storageVolLookupByName(name).path()
            with open(path, "rb") as file:
                assert hashlib.sha256(file.read(4 << 20)).hexdigest() == sha256(source)
    finally:
        for volume in (name, by_hand):
            with contextlib.suppress(libvirt.libvirtError):
                pool.refresh(0)
                pool.storageVolLookupByName(volume).delete(0)


async def test_transfers_cancelled_or_failing_leave_nothing_behind(
    tmp_path: Path, system_conn: libvirt.virConnect
) -> None:
    pool = ensure_pool(system_conn)
    big = data_file(tmp_path / "big.img", 1536)
    uploaded = f"tuivirt-it-{uuid.uuid4().hex[:8]}.img"
    full = f"tuivirt-it-{uuid.uuid4().hex[:8]}.raw"
    pool.createXML(
        f"<volume><name>{full}</name><capacity unit='MiB'>1536</capacity>"
        "<target><format type='raw'/></target></volume>"
    )
    with open(pool.storageVolLookupByName(full).path(), "r+b") as file, open(big, "rb") as data:
        while chunk := data.read(1 << 24):  # data all through: a download that takes seconds
            file.write(chunk)
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8M", "tmpfs", str(small)], check=True)
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_test_pool(pilot, app)

            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, UploadFormScreen))
            await fill(pilot, app.screen, "source", str(big))
            await fill(pilot, app.screen, "volume", uploaded)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen), timeout=30)
            bar = app.screen.query_one(ProgressBar)
            await wait_until(pilot, lambda: (bar.progress or 0) > 16 << 20, timeout=30)
            await pilot.press("escape")
            await wait_until(pilot, lambda: "upload cancelled" in notes(app), timeout=60)
            assert uploaded not in pool_volumes(system_conn)

            async def download(target: Path, cancel: bool) -> None:
                await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
                await wait_until(pilot, lambda: screen.volumes.item(full) is not None, timeout=20)
                assert screen.volumes.select_key(full)
                await pilot.press("D")
                await wait_until(pilot, lambda: isinstance(app.screen, ValueFormScreen))
                await fill(pilot, app.screen, "value", str(target))
                await pilot.press("enter")
                if cancel:
                    await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen), timeout=30)
                    meter = app.screen.query_one(ProgressBar)
                    await wait_until(pilot, lambda: (meter.progress or 0) > 16 << 20, timeout=30)
                    await pilot.press("escape")

            await download(tmp_path / "back.img", cancel=True)
            cancelled = f"Download {full} on localhost: download cancelled; the partial file was removed"
            await wait_until(pilot, lambda: cancelled in notes(app), timeout=60)
            assert not (tmp_path / "back.img").exists() and not (tmp_path / "back.img.part").exists()

            await download(small / "back.img", cancel=False)  # 1.5 GiB into 8 MiB: the disk fills
            await wait_until(
                pilot, lambda: "the partial file was removed" in notes(app).split(cancelled)[-1], timeout=60
            )
            assert list(small.iterdir()) == []
            line = next(n for n in notes(app).splitlines() if "No space left" in n)
            assert line.startswith(f"Download {full} on localhost: ") and "Traceback" not in notes(app), line
    finally:
        subprocess.run(["umount", str(small)], check=False)
        for volume in (uploaded, full):
            with contextlib.suppress(libvirt.libvirtError):
                pool.refresh(0)
                pool.storageVolLookupByName(volume).delete(0)


async def test_a_directory_pool_made_by_keys_goes_with_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "scratch"
    folder.mkdir()
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}"
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: LOCAL.uri in app.fleet.sessions, timeout=30)
            await pilot.press("P")
            await wait_until(pilot, lambda: isinstance(app.screen, StorageScreen))
            screen = app.screen
            assert isinstance(screen, StorageScreen)
            await wait_until(pilot, lambda: screen.pools.row_count > 0, timeout=20)
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, PoolFormScreen))
            await fill(pilot, app.screen, "name", name)
            await fill(pilot, app.screen, "path", str(folder))
            await pilot.press("ctrl+s")
            key = pool_key(LOCAL.uri, name)
            await wait_until(pilot, lambda: screen.pools.item(key) is not None, timeout=20)
            assert "State:          running" in virsh("pool-info", name)
            assert screen.pools.select_key(key)
            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
            await pilot.press("r")  # undefined, and its (empty) folder removed
            await wait_until(
                pilot, lambda: f"pool {name} deleted with its directory" in notes(app), timeout=20
            )
            assert not folder.exists() and name not in virsh("pool-list", "--all", "--name").split()
    finally:
        virsh("pool-destroy", name, check=False)
        virsh("pool-undefine", name, check=False)


async def test_a_full_clone_copies_uefi_variables_and_shares_cd_roms_and_read_only_disks(
    guest_with_volume: tuple[str, str], tmp_path: Path, system_conn: libvirt.virConnect
) -> None:
    """As virt-clone does: the disk copied, the NVRAM file copied (its own variables), the CD-ROM and
    a read-only disk the same files in both guests."""
    name, volume = guest_with_volume
    folder = Path(volume).parent
    iso, shared = folder / f"{name}.iso", folder / f"{name}-ro.raw"
    iso.write_bytes(os.urandom(64 * 1024))
    shared.write_bytes(os.urandom(64 * 1024))
    nvram = Path(f"/var/lib/libvirt/qemu/nvram/{name}_VARS.fd")
    nvram.parent.mkdir(parents=True, exist_ok=True)
    nvram.write_bytes(os.urandom(128 * 1024))  # "variables" the clone must carry over
    xml = virsh("dumpxml", name, "--inactive")
    uefi = (
        f"<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram>{nvram}</nvram>"
    )
    xml = xml.replace("</type>", "</type>" + uefi, 1)
    extra = (
        f"<disk type='file' device='cdrom'><source file='{iso}'/><target dev='sda' bus='sata'/>"
        "<readonly/></disk>"
        f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{shared}'/>"
        "<target dev='vdc' bus='virtio'/><readonly/></disk>"
    )
    system_conn.defineXML(xml.replace("</devices>", extra + "</devices>", 1))
    clone = f"{name}-uefi"
    copied = Path(volume).with_name(f"{clone}.qcow2")
    app = TuivirtApp([LOCAL], refresh=0.5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: state_of(app.main.table, name) == "shut off", timeout=20)
            await clone_by_keys(pilot, app, name, clone, CloneMode.FULL)
            await wait_until(pilot, lambda: f"cloned as {clone}" in notes(app), timeout=60)
        root = ElementTree.fromstring(virsh("dumpxml", clone, "--inactive"))
        sources = {
            str(disk.find("target").get("dev")): str(disk.find("source").get("file"))  # type: ignore[union-attr]
            for disk in root.iterfind("devices/disk")
        }
        assert sources == {"vda": str(copied), "sda": str(iso), "vdc": str(shared)}, sources
        copy = root.findtext("os/nvram") or ""
        assert copy and copy != str(nvram), copy
        assert Path(copy).read_bytes() == nvram.read_bytes()
        assert root.findtext("os/loader") == "/usr/share/OVMF/OVMF_CODE_4M.fd"
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            dom = system_conn.lookupByName(clone)
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        with contextlib.suppress(libvirt.libvirtError):
            system_conn.lookupByName(name).undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM)
        for path in (copied, iso, shared, nvram):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
