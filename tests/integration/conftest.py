"""The real daemon (qemu:///system) and the bootable test guest."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import libvirt
import pytest
from textual import events

from tests.integration.second_host import SecondHost, start_second_host
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostSnapshot
from tuivirt.testbed import testguest
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.messages import HostUpdated

SYSTEM_URI = "qemu:///system"


@pytest.fixture(autouse=True)
def collected_garbage() -> None:
    """Start each test with the garbage of the ones before it collected: a full collection of a
    heap left by hundreds of tests must not land inside a timed key (answers_key's 1 s)."""
    gc.collect()


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
        # A test may have left snapshots or a managed save: a plain undefine refuses those.
        dom.undefineFlags(
            libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        )
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


# -- a real sshd on 127.0.0.1, for qemu+ssh:// ----------------------------------------------------


@dataclass(frozen=True)
class SshServer:
    """An sshd of the tests' own that lets root in with ``user_key`` and nobody else.

    ``known_hosts`` holds its host key, so ssh can verify it strictly without ``no_verify=1`` and
    without touching root's own known_hosts: :func:`ssh_wrapper` makes an ssh that reads it.
    """

    port: int
    directory: Path
    host_key: Path  # the server's private host key: a key root is *not* authorized with
    user_key: Path  # authorized for root
    stranger_key: Path  # a valid key pair that is not authorized
    known_hosts: Path  # [127.0.0.1]:port and the host key

    def uri(self, keyfile: Path, ssh_command: Path, *, user: str = "root", extra: str = "") -> str:
        """``qemu+ssh://`` to this server's system daemon. No ``no_tty``: the app must add it."""
        query = f"keyfile={quote(str(keyfile))}&command={quote(str(ssh_command))}{extra}"
        return f"qemu+ssh://{user}@127.0.0.1:{self.port}/system?{query}"


def ssh_wrapper(path: Path, known_hosts: Path, args_log: Path) -> Path:
    """An executable for libvirt's ``command=``: ssh, checking host keys against ``known_hosts``
    only, that appends each argument list it was given to ``args_log`` (one line per run)."""
    path.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> "{args_log}"\n'
        f'exec ssh -o UserKnownHostsFile="{known_hosts}" -o GlobalKnownHostsFile=/dev/null "$@"\n'
    )
    path.chmod(0o755)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """``/usr/sbin/sshd -D`` on a free port of 127.0.0.1 for the whole session, killed afterwards."""
    directory = tmp_path_factory.mktemp("sshd")
    host_key = _keygen(directory / "hostkey")
    user_key = _keygen(directory / "userkey")
    stranger_key = _keygen(directory / "strangerkey")
    authorized = directory / "authorized_keys"
    authorized.write_text(user_key.with_suffix(".pub").read_text())
    port = _free_port()
    known_hosts = directory / "known_hosts"
    key_type, key_data = host_key.with_suffix(".pub").read_text().split()[:2]
    known_hosts.write_text(f"[127.0.0.1]:{port} {key_type} {key_data}\n")
    config = directory / "sshd_config"
    config.write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {host_key}\n"
        f"AuthorizedKeysFile {authorized}\n"
        "PermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "UsePAM no\n"
        "StrictModes no\n"
        f"PidFile {directory / 'sshd.pid'}\n"
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # its privilege separation directory
    log = directory / "sshd.log"
    process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(config), "-E", str(log)])
    try:
        deadline = time.monotonic() + 10
        while not _port_accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log_text = log.read_text() if log.exists() else ""
                pytest.fail(f"sshd did not listen on 127.0.0.1:{port}: {log_text}")
            time.sleep(0.05)
        yield SshServer(port, directory, host_key, user_key, stranger_key, known_hosts)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# -- a second libvirt host in namespaces of its own: the one tests may kill or freeze -------------


@pytest.fixture(scope="session")
def second_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondHost]:
    host = start_second_host(tmp_path_factory.mktemp("second-host"))
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def second_host_guest(second_host: SecondHost, guest_images: testguest.GuestImages) -> Iterator[str]:
    """A shut-off test guest on the second host; removed afterwards, with the daemon up again."""
    name = f"tuivirt-ns-{uuid.uuid4().hex[:8]}"
    conn = libvirt.open(second_host.uri)
    testguest.define(conn, name, guest_images, network=None)  # (that host has no default network)
    conn.close()
    yield name
    second_host.start_daemon()
    conn = libvirt.open(second_host.uri)
    with contextlib.suppress(libvirt.libvirtError):
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    conn.close()


# -- watching the UI while hosts misbehave -----------------------------------------------------


class RecordingApp(TuivirtApp):
    """The app, plus a log of every host snapshot its UI received: (time.monotonic(), snapshot)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: dict[str, list[tuple[float, HostSnapshot]]] = {}

    def get_default_screen(self) -> MainScreen:
        screen = super().get_default_screen()
        show = screen.inbox.show

        def record(message: HostUpdated) -> None:  # as the main screen gets it
            snapshot = message.snapshot
            self.received.setdefault(snapshot.config.uri, []).append((time.monotonic(), snapshot))
            show(message)

        screen.inbox.show = record
        return screen

    def updates_since(self, uri: str, since: float) -> list[HostSnapshot]:
        return [snapshot for at, snapshot in self.received.get(uri, []) if at >= since]


async def answers_key(app: TuivirtApp, key: str, done: Callable[[], bool], within: float = 1.0) -> float:
    """Post ``key`` as the terminal driver would and return how long until ``done()`` held.

    Timed with plain sleeps: Pilot's own waits are for the screen to go idle, which says nothing
    about how fast a key is answered.
    """
    character = {"question_mark": "?", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
    started = time.monotonic()
    app.post_message(events.Key(key, character))
    while not done():
        elapsed = time.monotonic() - started
        assert elapsed < within, f"the app did not answer {key!r} within {within} s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started
