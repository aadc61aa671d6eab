"""Storage operations on the test driver (libvirt's own): a cancelled or failed clone leaves
nothing, the checks before a clone, an upload or a download, and the progress meter's figures."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import libvirt
import pytest

from tuivirt.backend.ops.clone import clone
from tuivirt.backend.ops.clone.clone_source import (
    CloneMode,
    CloneRequest,
    check_clone,
    read_clone_source,
)
from tuivirt.backend.ops.common.progress import Cancelled, Meter, Progress
from tuivirt.backend.ops.storage import pools, transfer
from tuivirt.backend.ops.storage.volumes import VolumeInfo
from tuivirt.cli import demo_uri

GIB = 1024**3


@pytest.fixture
def conn() -> libvirt.virConnect:
    return libvirt.open(demo_uri())  # a node of its own for each test


def volumes(conn: libvirt.virConnect) -> list[str]:
    return sorted(conn.storagePoolLookupByName("demo-pool").listVolumes())


def guests(conn: libvirt.virConnect) -> list[str]:
    return sorted(d.name() for d in conn.listAllDomains(0))


def uuid_of(conn: libvirt.virConnect, name: str) -> str:
    return str(conn.lookupByName(name).UUIDString())


def test_a_clone_cancelled_during_its_copy_leaves_nothing(conn: libvirt.virConnect) -> None:
    before_volumes, before_guests = volumes(conn), guests(conn)
    source = read_clone_source(conn, uuid_of(conn, "backup"))
    meter: Meter

    def report(progress: Progress) -> None:
        meter.cancel()  # as Escape during the copy: the volume under way still gets made

    meter = Meter(report)
    with pytest.raises(Cancelled, match="nothing was left behind"):
        clone.clone_guest(conn, source, CloneRequest("backup-2", CloneMode.FULL), meter)
    assert volumes(conn) == before_volumes and guests(conn) == before_guests


def test_a_clone_whose_definition_fails_removes_its_volumes(conn: libvirt.virConnect) -> None:
    before = volumes(conn)
    source = read_clone_source(conn, uuid_of(conn, "backup"))
    conn.lookupByName("win-test").rename("backup-2", 0)  # the name is taken after the form checked it
    with pytest.raises(RuntimeError, match=r"backup-2.*nothing was left behind"):
        clone.clone_guest(conn, source, CloneRequest("backup-2", CloneMode.FULL), Meter(lambda p: None))
    assert volumes(conn) == before


def test_clone_checks_name_state_and_room(conn: libvirt.virConnect) -> None:
    source = read_clone_source(conn, uuid_of(conn, "backup"))
    assert check_clone(CloneRequest("backup-2", CloneMode.FULL), source) == {}
    assert "on this host" in check_clone(CloneRequest("web-01", CloneMode.FULL), source)["name"]
    pool = source.pools["demo-pool"]
    tight = replace(source, pools={"demo-pool": replace(pool, available=GIB)})
    errors = check_clone(CloneRequest("backup-2", CloneMode.FULL), tight)
    assert errors["pool"] == "demo-pool: 4.0 GiB needed, 1.0 GiB free"
    assert check_clone(CloneRequest("backup-2", CloneMode.LINKED), tight) == {}  # an overlay is small
    outside = replace(source, disks=(replace(source.disks[0], pool="", volume=""),))
    assert "in no storage pool" in check_clone(CloneRequest("backup-2", CloneMode.FULL), outside)["mode"]


def _volume(name: str, capacity: int, running: tuple[str, ...] = ()) -> VolumeInfo:
    return VolumeInfo(name, f"/pool/{name}", "raw", capacity, 0, running, running)


def test_upload_checks(tmp_path: Path) -> None:
    file = tmp_path / "disk.img"
    file.write_bytes(b"x" * 4096)
    existing = {"small.img": _volume("small.img", 1024), "busy.img": _volume("busy.img", GIB, ("web-01",))}

    def errors(source: Path | str, volume: str, new: bool, available: int = GIB) -> dict[str, str]:
        request = transfer.UploadRequest("p", str(source), volume, new)
        return transfer.check_upload(request, existing, available)

    assert errors(file, "disk.img", True) == {}
    assert errors(tmp_path / "missing.iso", "x", True)["source"] == "no such file"
    assert errors(tmp_path, "x", True)["source"] == "not a regular file"
    assert "taken" in errors(file, "small.img", True)["volume"]
    assert (
        errors(file, "disk.img", True, available=100)["volume"]
        == "the file is 4 KiB, the pool has 100 B free"
    )
    assert errors(file, "small.img", False)["volume"] == "holds 1 KiB, the file is 4 KiB"
    assert errors(file, "busy.img", False)["volume"] == "open in running web-01"
    assert errors(file, "gone.img", False)["volume"] == "no such volume in this pool"


def test_download_checks(tmp_path: Path) -> None:
    (tmp_path / "there").write_text("")
    assert transfer.check_download(str(tmp_path / "new.img")) == ""
    assert transfer.check_download(str(tmp_path / "there")) == "exists: choose another name"
    assert transfer.check_download(str(tmp_path / "no" / "new.img")).startswith("no folder")


def test_meter_rate_and_time_left() -> None:
    now = [0.0]
    seen: list[Progress] = []
    meter = Meter(seen.append, clock=lambda: now[0])
    meter.start("copying", 100 * 1024**2)
    for second in range(1, 4):
        now[0] = float(second)
        meter.advance(second * 10 * 1024**2)
    last = seen[-1]
    assert last.rate == pytest.approx(10 * 1024**2)
    assert last.left == pytest.approx(7.0)
    assert last.fraction == pytest.approx(0.3)
    meter.cancel()
    with pytest.raises(Cancelled):
        meter.check()


def test_a_pool_folder_is_removed_only_when_empty(conn: libvirt.virConnect) -> None:
    with pytest.raises(ValueError, match="holds 14 volume"):
        pools.delete_pool(conn, "demo-pool", remove_directory=True)
    assert conn.storagePoolLookupByName("demo-pool").isActive()


def test_dir_pool_checks(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    check = pools.check_dir_pool
    assert check("isos", str(tmp_path), set(), local=True, build=False) == {}
    assert "absolute" in check("isos", "relative", set(), local=True, build=False)["path"]
    assert "not a directory" in check("isos", str(tmp_path / "file"), set(), local=True, build=True)["path"]
    assert "does not exist" in check("isos", str(tmp_path / "x"), set(), local=True, build=False)["path"]
    assert check("isos", str(tmp_path / "x"), set(), local=False, build=False) == {}  # libvirt will say
    assert "exists" in check("isos", str(tmp_path), {"isos"}, local=True, build=False)["name"]
    assert os.path.isdir(tmp_path)
