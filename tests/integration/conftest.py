"""The real daemon (qemu:///system) and the bootable test guest."""

from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import libvirt
import pytest

from tuivirt.backend import testguest

SYSTEM_URI = "qemu:///system"


def virsh(*args: str, check: bool = True) -> str:
    """Run virsh against the system daemon, as an admin would, and return its output."""
    result = subprocess.run(
        ["virsh", "-c", SYSTEM_URI, *args], capture_output=True, text=True, timeout=60, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"virsh {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def _daemon_answers() -> bool:
    return (
        subprocess.run(["virsh", "-c", SYSTEM_URI, "version"], capture_output=True, check=False).returncode
        == 0
    )


def ensure_daemon(timeout: float = 30) -> None:
    """Start libvirtd when it does not answer (a test may have killed it) and wait for it.

    pgrep is no guide: a killed daemon may linger as a zombie where nothing reaps orphans.
    A second libvirtd -d while one runs exits at once on its pidfile lock, harmlessly.
    """
    if _daemon_answers():
        return
    subprocess.run(["libvirtd", "-d"], capture_output=True, check=False)
    deadline = time.monotonic() + timeout
    while not _daemon_answers():
        if time.monotonic() > deadline:
            raise AssertionError(f"libvirtd does not answer on {SYSTEM_URI} after {timeout} s")
        time.sleep(0.2)


@pytest.fixture
def system_conn() -> Iterator[libvirt.virConnect]:
    """Fails (never skips) when the daemon is missing: scripts/setup-host.sh starts it."""
    try:
        conn = libvirt.open(SYSTEM_URI)
    except libvirt.libvirtError as exc:
        pytest.fail(f"no libvirt daemon at {SYSTEM_URI} (run scripts/setup-host.sh): {exc}")
    yield conn
    with contextlib.suppress(libvirt.libvirtError):
        conn.close()


@pytest.fixture(scope="session")
def guest_images() -> testguest.GuestImages:
    return testguest.build()


def _remove_guest(name: str, volume_path: str | None = None) -> None:
    ensure_daemon()  # on a fresh connection: the test may have restarted the daemon
    conn = libvirt.open(SYSTEM_URI)
    with contextlib.suppress(libvirt.libvirtError):
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    if volume_path is not None:
        with contextlib.suppress(libvirt.libvirtError):
            conn.storageVolLookupByPath(volume_path).delete(0)
    conn.close()


@pytest.fixture
def make_guest(
    system_conn: libvirt.virConnect, guest_images: testguest.GuestImages
) -> Iterator[Callable[[str], str]]:
    """Define shut-off test guests by name; all destroyed and undefined afterwards, whatever happened."""
    made: list[str] = []

    def make(name: str) -> str:
        testguest.define(system_conn, name, guest_images)
        made.append(name)
        return name

    yield make
    for name in made:
        _remove_guest(name)


@pytest.fixture
def guest_name(make_guest: Callable[[str], str]) -> str:
    """A defined, shut-off test guest with a unique name."""
    return make_guest(f"tuivirt-it-{uuid.uuid4().hex[:8]}")


TEST_POOL = "tuivirt-test"
TEST_POOL_PATH = "/var/lib/tuivirt/test-pool"


def ensure_pool(conn: libvirt.virConnect) -> libvirt.virStoragePool:
    """A directory pool for the tests' volumes, defined, built and started once."""
    try:
        pool = conn.storagePoolLookupByName(TEST_POOL)
    except libvirt.libvirtError:
        pool = conn.storagePoolDefineXML(
            f"<pool type='dir'><name>{TEST_POOL}</name><target><path>{TEST_POOL_PATH}</path></target></pool>"
        )
        pool.build(0)
    if not pool.isActive():
        pool.create(0)
    pool.refresh(0)
    return pool


@pytest.fixture
def guest_with_volume(
    system_conn: libvirt.virConnect, guest_images: testguest.GuestImages
) -> Iterator[tuple[str, str]]:
    """A shut-off test guest with a 16 MiB qcow2 volume as vda: (guest name, volume path)."""
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}"
    pool = ensure_pool(system_conn)
    volume = pool.createXML(
        f"<volume><name>{name}.qcow2</name><capacity unit='MiB'>16</capacity>"
        "<target><format type='qcow2'/></target></volume>"
    )
    path = volume.path()
    testguest.define(system_conn, name, guest_images, disk=path)
    yield name, path
    _remove_guest(name, path)
